import { abortError } from '../abort.ts';
import { TransportError, type HttpHandler, type HttpRequest, type HttpResponse, type SendOptions, type Transport } from '../ports.ts';

/**
 * Calls between systems in one process: `send` dispatches to the target's registered handler.
 * Headers are copied at the boundary so neither side can mutate the other's objects.
 */
export class InProcessTransport implements Transport {
  private readonly handlers = new Map<string, HttpHandler>();

  register(target: string, handler: HttpHandler): this {
    this.handlers.set(target, handler);
    return this;
  }

  unregister(target: string): void {
    this.handlers.delete(target);
  }

  targets(): string[] {
    return [...this.handlers.keys()];
  }

  send(target: string, req: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    const handler = this.handlers.get(target);
    if (!handler) return Promise.reject(new TransportError(target, 'unknown-target', `no system named "${target}" is registered`));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new TransportError(target, 'aborted', abortError(signal).message));
    const copy: HttpRequest = { method: req.method, path: req.path, headers: { ...req.headers } };
    if (req.body !== undefined) copy.body = req.body;
    let answer: Promise<HttpResponse>;
    try {
      answer = handler(copy);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!signal) return answer.then(copyResponse);
    // One promise and one listener per call (this runs for every call between simulated systems).
    return new Promise<HttpResponse>((resolve, reject) => {
      const onAbort = (): void => reject(new TransportError(target, 'aborted', abortError(signal).message));
      signal.addEventListener('abort', onAbort, ONCE);
      answer.then(
        (res) => {
          signal.removeEventListener('abort', onAbort);
          resolve(copyResponse(res));
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }
}

const ONCE = { once: true } as const;

function copyResponse(res: HttpResponse): HttpResponse {
  return { status: res.status, headers: { ...res.headers }, body: res.body };
}
