import { createContractHandler, type ContractHandlerOptions, type OperationHandlers } from '../../runtime/http/contract-handler.ts';
import type { OpenApiDocument, OperationEntry } from '../../runtime/http/openapi-document.ts';
import type { Distribution } from '../../runtime/random/distributions.ts';
import { sampleMs } from './time.ts';
import type { Clock, HttpHandler, HttpRequest, HttpResponse, Random } from '../../runtime/ports.ts';
import { retryAfterInstant } from './rate-limit.ts';

/**
 * The HTTP face every simulator shares: the contract handler from runtime/http, plus what makes a
 * simulated system behave like the real one on the wire:
 *
 * - **service time**: each operation waits a sampled time on the Clock before it acts (so a
 *   document's timestamp is the moment it was committed, after the wait);
 * - **declared statuses only**: the runtime picks 400 / 413 / 415 / 422 for a request the contract
 *   forbids; when the operation does not declare that status, the simulator answers with the
 *   status the operation does declare for a bad request (400, else 422, else 404), so every answer
 *   conforms to the contract;
 * - **complete problems**: `instance` (the request path) is added to every problem+json body that
 *   lacks it, and problem `type`s are put under the system's own base (`…/problems/erp/`);
 * - **a request log**: every request with its operation, the virtual times it was received and
 *   answered, and the status given.
 */

/** Service time per operation: what the system takes to do its work, in ms. */
export interface ServiceTimeOptions<OperationId extends string = string> {
  /** Applies to every operation without its own entry. */
  default: Distribution;
  /** Per operationId. */
  perOperation?: Partial<Record<OperationId, Distribution>>;
}

/** One request as the system received it. */
export interface RequestRecord {
  /** The contract's operationId, or undefined for a path the contract does not have. */
  operationId: string | undefined;
  method: string;
  path: string;
  /** Virtual time the request arrived (ms since the epoch). */
  receivedAt: number;
  /** Virtual time the answer left. */
  answeredAt: number;
  status: number;
  /** The business reference the request names, when the system knows how to find one. */
  reference?: string;
  /** Who called (API key or token), when the system tells clients apart (rate limits). */
  client?: string;
  /** For answers with `Retry-After`: the instant before which the client must not call again. */
  retryAfterUntil?: number;
}

/**
 * The request log a simulator keeps for `truth().requests`: every request (`Infinity`, the
 * default), at least the latest `limit`, or none (`0`: no record is even built). A long simulated
 * day makes millions of requests; a world that never reads them keeps none.
 */
export class RequestLog {
  readonly records: RequestRecord[] = [];

  constructor(private readonly limit: number = Number.POSITIVE_INFINITY) {
    if (!(limit >= 0)) throw new RangeError(`requestLog must be >= 0 (or Infinity), got ${limit}`);
  }

  /** For `onAnswered`; undefined when nothing is kept. */
  sink(): ((record: RequestRecord) => void) | undefined {
    if (this.limit === 0) return undefined;
    return (record) => {
      this.records.push(record);
      if (this.records.length >= 2 * this.limit) this.records.splice(0, this.records.length - this.limit);
    };
  }
}

export interface SimulatorHandlerOptions<OperationId extends string> {
  clock: Clock;
  /** Stream for service-time draws (a fork of the system's Random). */
  random: Random;
  serviceTime: ServiceTimeOptions<OperationId>;
  /** Runs after routing, before validation: authentication, rate limits. */
  before?: ContractHandlerOptions['before'];
  /** Requests outside the contract that the system still serves. */
  extra?: HttpHandler;
  /** Base of problem `type` URIs, e.g. `https://faultline.dev/problems/erp/`. */
  problemTypeBase?: string;
  /** The system's own slug for a runtime problem slug (`invalid-request` → `validation`). */
  problemSlugs?: Record<string, string>;
  /**
   * Finds the business reference of a request (for the request log). `body` is the parsed,
   * validated body when the operation ran, undefined when the request was refused before.
   */
  reference?: (entry: OperationEntry, request: HttpRequest, body: unknown) => string | undefined;
  /** Tells clients apart (the key rate limits are kept per), for the request log. */
  client?: (request: HttpRequest) => string;
  /** Called once per answered request. */
  onAnswered?: (record: RequestRecord) => void;
}

const RUNTIME_PROBLEM_BASE = 'https://faultline.dev/problems/';

export function createSimulatorHandler<Operations>(
  contractName: string,
  doc: OpenApiDocument,
  handlers: OperationHandlers<Operations>,
  options: SimulatorHandlerOptions<Extract<keyof Operations, string>>,
): HttpHandler {
  const { clock, random, serviceTime } = options;
  const timed: Record<string, unknown> = {};
  const bodies = new WeakMap<HttpRequest, unknown>();
  for (const [operationId, handler] of Object.entries(handlers as Record<string, (ctx: never) => Promise<HttpResponse>>)) {
    const distribution = (serviceTime.perOperation as Record<string, Distribution | undefined> | undefined)?.[operationId] ?? serviceTime.default;
    timed[operationId] = async (ctx: never) => {
      const { request, body } = ctx as { request: HttpRequest; body: unknown };
      if (body !== undefined) bodies.set(request, body);
      const ms = sampleMs(random, distribution);
      if (ms > 0) await clock.sleep(ms);
      return handler(ctx);
    };
  }
  const entries = new WeakMap<HttpRequest, OperationEntry>();
  const inner = createContractHandler<Operations>(contractName, doc, timed as OperationHandlers<Operations>, {
    ...(options.extra ? { extra: options.extra } : {}),
    before: (entry, request) => {
      entries.set(request, entry);
      return options.before?.(entry, request);
    },
  });

  return async (request) => {
    const receivedAt = clock.now();
    const raw = await inner(request);
    const entry = entries.get(request);
    const response = conform(raw, entry, request, options.problemTypeBase, options.problemSlugs);
    if (options.onAnswered) {
      const record: RequestRecord = {
        operationId: entry?.operationId,
        method: request.method,
        path: request.path,
        receivedAt,
        answeredAt: clock.now(),
        status: response.status,
      };
      const reference = entry && options.reference?.(entry, request, bodies.get(request));
      if (reference !== undefined) record.reference = reference;
      if (options.client) record.client = options.client(request);
      const until = retryAfterInstant(response.headers['retry-after'], record.answeredAt);
      if (until !== undefined) record.retryAfterUntil = until;
      options.onAnswered(record);
    }
    return response;
  };
}

/**
 * Adds `instance` (the request path) to a problem+json answer that lacks it, e.g. one a fault
 * injector produced in front of the simulator, so that what is served still meets contracts
 * whose Problem requires it (wms, carriers).
 */
export function withProblemInstance(handler: HttpHandler): HttpHandler {
  return async (request) => conform(await handler(request), undefined, request, undefined);
}

/** Whether `entry` declares `status` (exactly, as `4XX`, or as `default`). */
export function declares(entry: OperationEntry, status: number): boolean {
  const responses = entry.operation.responses ?? {};
  return String(status) in responses || `${String(status)[0]}XX` in responses || 'default' in responses;
}

function conform(response: HttpResponse, entry: OperationEntry | undefined, request: HttpRequest, typeBase: string | undefined, slugs: Record<string, string> = {}): HttpResponse {
  if (!(response.headers['content-type'] ?? '').startsWith('application/problem+json')) return response;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return response;
  }
  let status = response.status;
  // Only the runtime's own refusals are re-mapped; a simulator's answers must be declared as they are.
  const fromRuntime = typeof body.type === 'string' && body.type.startsWith(RUNTIME_PROBLEM_BASE);
  if (entry && fromRuntime && status >= 400 && status < 500 && !declares(entry, status)) {
    const declared = [400, 422, 404].find((s) => declares(entry, s));
    if (declared !== undefined) status = declared;
  }
  body.status = status;
  if (body.instance === undefined) body.instance = pathOf(request.path);
  if (typeBase && typeof body.type === 'string' && body.type.startsWith(RUNTIME_PROBLEM_BASE) && !body.type.startsWith(typeBase)) {
    const slug = body.type.slice(RUNTIME_PROBLEM_BASE.length);
    body.type = typeBase + (slugs[slug] ?? slug);
  }
  return { status, headers: response.headers, body: JSON.stringify(body) };
}

function pathOf(path: string): string {
  // A problem's `instance` is a uri-reference: keep the path and query, escaped where needed.
  return encodeURI(decodeURIComponentSafe(path));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURI(text);
  } catch {
    return text;
  }
}
