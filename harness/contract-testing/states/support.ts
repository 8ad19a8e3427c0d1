// What every system's provider states share: calling the system's own contract handler to build
// state the way a client would, fresh references for "nothing exists yet" states, and maintenance
// windows as faults the state-change endpoint switches on and off.
import type { FaultInjector } from '../../../simulators/faults/index.ts';
import type { HttpHandler, HttpResponse } from '../../../runtime/ports.ts';
import { ProviderStateError, type StateDefinition } from '../provider-states.ts';

/** What a system's state handlers act on. */
export interface StateTarget<Sim> {
  simulator: Sim;
  /** The system's contract handler, without any fault: state is set up through the API. */
  call: HttpHandler;
  /** Faults only provider states switch on (maintenance windows, throttling), in front of the served handler. */
  faults: FaultInjector;
  /** The system's name on the Transport and in fault targets (`erp`, `wms@DC-EAST`, `carrier-swift`). */
  system: string;
}

/** Calls a contract handler in-process and insists on the status a state needs. */
export class SimulatorCaller {
  constructor(
    private readonly system: string,
    private readonly handler: HttpHandler,
    private readonly headers: Record<string, string> = {},
  ) {}

  async send(method: string, path: string, body?: unknown): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.handler({ method, path, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  }

  /** The parsed body of an answer with one of `statuses`; a ProviderStateError naming the call otherwise. */
  async expect<T>(statuses: number | number[], method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const ok = Array.isArray(statuses) ? statuses : [statuses];
    if (!ok.includes(res.status)) {
      let detail = res.body;
      try {
        const parsed = JSON.parse(res.body) as { detail?: string; title?: string };
        detail = parsed.detail ?? parsed.title ?? res.body;
      } catch {
        // not JSON: the body as is
      }
      throw new ProviderStateError(`${this.system} answered ${method} ${path} with ${res.status} while setting up the state (${ok.join(' or ')} needed): ${detail}`);
    }
    return (res.body === '' ? undefined : JSON.parse(res.body)) as T;
  }
}

/** `wanted` when `free(wanted)`, else `wanted.2`, `wanted.3`, …: a reference nothing is posted under yet. */
export function freshReference(wanted: string, free: (reference: string) => boolean): string {
  if (free(wanted)) return wanted;
  for (let n = 2; ; n++) {
    const candidate = `${wanted}.${n}`;
    if (free(candidate)) return candidate;
  }
}

/**
 * A state that puts the system in maintenance: every call answers `503` problem+json with
 * `Retry-After` until the verifier tears the state down.
 */
export function maintenanceWindow(target: StateTarget<unknown>, name: string, faultTarget: string, options: { retryAfter: string; retryAfterFormat?: 'seconds' | 'http-date' }): StateDefinition {
  const id = `provider-state.${faultTarget}.maintenance`;
  return {
    name,
    description: `Every call answers 503 problem+json with Retry-After (${options.retryAfterFormat ?? 'seconds'}) until the state is torn down.`,
    setup: () => {
      target.faults.remove(id);
      target.faults.add({ kind: 'downtime', id, target: faultTarget, mode: 'unavailable', retryAfter: options.retryAfter, ...(options.retryAfterFormat ? { retryAfterFormat: options.retryAfterFormat } : {}) });
    },
    teardown: () => {
      target.faults.remove(id);
    },
  };
}
