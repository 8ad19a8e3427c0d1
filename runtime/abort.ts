import { getEventListeners } from 'node:events';

/** The error a promise rejects with when its AbortSignal fires (same shape as the platform's). */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' ? reason : 'The operation was aborted');
  error.name = 'AbortError';
  return error;
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * AbortControllers for calls with a timeout, reused: a controller whose call ended before it was
 * aborted, with no listener left on its signal, serves a later call (creating one costs a few µs,
 * and a simulated order makes many calls). Whoever takes a controller gives it back once the call
 * is over and nothing refers to its signal any more.
 */
export class AbortControllerPool {
  private readonly spare: AbortController[] = [];

  constructor(
    /** Called once per controller created (e.g. to lift the listener limit of a shared signal). */
    private readonly created?: (controller: AbortController) => void,
    private readonly capacity = 64,
  ) {}

  take(): AbortController {
    const spare = this.spare.pop();
    if (spare) return spare;
    const controller = new AbortController();
    this.created?.(controller);
    return controller;
  }

  give(controller: AbortController): void {
    if (controller.signal.aborted || this.spare.length >= this.capacity) return;
    if (getEventListeners(controller.signal, 'abort').length > 0) return;
    this.spare.push(controller);
  }
}
