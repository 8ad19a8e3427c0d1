import { TransportError, type HttpResponse } from '../../runtime/ports.ts';
import { MalformedResponseError } from '../../runtime/http/typed-client.ts';
import { retryAfterMs } from './retry-after.ts';

/** What one downstream call came to, for the caller and for the circuit. */
export type CallOutcome =
  /** 2xx with a readable body. */
  | { kind: 'ok'; status: number; data: unknown; response: HttpResponse }
  /** A 4xx the system means (404, 409, 422…): the caller decides whether it is final. */
  | { kind: 'refused'; status: number; problem: Problem; response: HttpResponse }
  /** Worth trying again later. `indeterminate`: the call may have taken effect (look it up before posting again). */
  | { kind: 'transient'; reason: string; status?: number; retryAfterMs?: number; indeterminate: boolean; throttled: boolean }
  /** Not called at all: the system's Retry-After or open circuit forbids it until `until`. */
  | { kind: 'blocked'; reason: string; until: number };

export interface Problem {
  type?: string;
  title?: string;
  detail?: string;
  errors?: Array<{ pointer: string; message: string }>;
  [member: string]: unknown;
}

/** The problem slug (`duplicate-external-reference`) of a problem type URI. */
export const problemSlug = (p: Problem): string => (typeof p.type === 'string' ? p.type.slice(p.type.lastIndexOf('/') + 1) : '');

/** Classifies an HTTP answer. */
export function classifyResponse(response: HttpResponse, data: unknown, now: number): CallOutcome {
  const status = response.status;
  if (status >= 200 && status < 300) return { kind: 'ok', status, data, response };
  const problem = (data !== null && typeof data === 'object' ? data : {}) as Problem;
  const detail = typeof problem.detail === 'string' ? `: ${problem.detail}` : '';
  if (status === 429 || status === 503) {
    const ra = retryAfterMs(response.headers['retry-after'], now);
    const outcome: CallOutcome = { kind: 'transient', reason: `answered ${status}${detail}`, status, indeterminate: false, throttled: status === 429 };
    if (ra !== undefined) outcome.retryAfterMs = ra;
    return outcome;
  }
  if (status === 408 || status >= 500) return { kind: 'transient', reason: `answered ${status}${detail}`, status, indeterminate: true, throttled: false };
  return { kind: 'refused', status, problem, response };
}

/** Classifies a call that produced no (readable) answer. */
export function classifyError(error: unknown, timedOut: boolean, timeoutMs: number): CallOutcome {
  if (timedOut) return { kind: 'transient', reason: `no answer within ${timeoutMs} ms`, indeterminate: true, throttled: false };
  if (error instanceof MalformedResponseError) {
    return { kind: 'transient', reason: error.message, status: error.response.status, indeterminate: true, throttled: false };
  }
  if (error instanceof TransportError) {
    // Refused and unknown targets never reached the system; a reset or abort may have.
    const indeterminate = !(error.code === 'refused' || error.code === 'unknown-target');
    return { kind: 'transient', reason: `${error.code}: ${error.message}`, indeterminate, throttled: false };
  }
  return { kind: 'transient', reason: error instanceof Error ? error.message : String(error), indeterminate: true, throttled: false };
}
