// msw 2 request handlers built from a contract, for unit tests of the reference implementation's
// HTTP clients: every operation answers with its contract example, requests are validated against
// the contract first (so a client bug shows as a problem+json answer and in `rejected`), and
// faults are one `server.use(...)` away.
//
//   const erp = contractMock('erp', { baseUrl: 'http://erp.test' });
//   const server = setupServer(...erp.handlers);
//   server.use(erp.fault('bookSalesOrder', { kind: 'unavailable', retryAfter: 120 }, { once: true }));
//   server.use(erp.respond('checkCredit', { example: 'refused' }));
//
// The project's own UndiciTransport is not seen by msw (it intercepts global fetch and
// http.request, not undici's own dispatcher): give the client a FetchTransport from this folder.
import { delay, http, HttpResponse as MswResponse, type HttpHandler as MswHandler } from 'msw';
import { openApiExamples } from '../../../contracts/examples.ts';
import { loadOpenApi } from '../../../contracts/load.ts';
import { createContractHandler, type OperationHandler } from '../../../runtime/http/contract-handler.ts';
import { dereference, findOperation, listOperations, type OpenApiDocument, type OperationEntry } from '../../../runtime/http/openapi-document.ts';
import { problem } from '../../../runtime/http/problem.ts';
import type { HttpRequest, HttpResponse } from '../../../runtime/ports.ts';

/** What an operation answers instead of its success example. */
export type Fault =
  /** `503` with `Retry-After` (seconds, or an HTTP-date for a Date) and the contract's 503 body if it has one. */
  | { kind: 'unavailable'; retryAfter?: number | Date }
  /** `429` with `Retry-After` (seconds, or an HTTP-date for a Date). */
  | { kind: 'throttled'; retryAfter?: number | Date }
  /** The success status and content type, with the JSON body cut in half. */
  | { kind: 'truncated' }
  /** The success status with an HTML page (a proxy's error or login page), `text/html` unless `contentType` says otherwise. */
  | { kind: 'wrong-content-type'; contentType?: string; body?: string }
  /** The success example, after `delayMs` milliseconds (real time: pair it with a client timeout). */
  | { kind: 'slow'; delayMs: number }
  /** No HTTP answer at all: the connection fails (`fetch` rejects). */
  | { kind: 'network-error' };

/** Which example an operation answers with. */
export interface ResponseChoice {
  /** Status to answer (`201`, `409`); default: the success status (201 for a POST that declares it, else the lowest 2xx). */
  status?: number;
  /** Name of an example (`refused`, `pendingValidation`); default: the first one for the status. */
  example?: string;
  /** A body to send instead of an example (serialised as JSON). */
  body?: unknown;
  /** Extra or replacing response headers. */
  headers?: Record<string, string>;
}

export interface ContractMockOptions {
  /** Where the client under test sends this system's requests, e.g. `http://erp.test` or `http://wms.test/dc-east`. */
  baseUrl: string;
  /** The contract document (default: the generated `contracts/generated/openapi/<contract>.json`). */
  document?: OpenApiDocument;
  /** Answer 401 when the contract's security scheme (API key header, bearer, basic) is missing (default true). */
  requireAuth?: boolean;
}

/** One request the handlers answered. */
export interface MockCall {
  operationId?: string;
  method: string;
  /** Path (with query) relative to the base URL. */
  path: string;
  status: number;
  /** What the contract check found wrong, when the request was rejected before any example was chosen. */
  rejected?: string;
}

export interface ContractMock {
  readonly contract: string;
  readonly baseUrl: string;
  /** Every operation, answering its success example: `setupServer(...mock.handlers)`. */
  readonly handlers: MswHandler[];
  /** A handler for `server.use()` that answers one operation with another example or status. */
  respond(operationId: string, choice: ResponseChoice, options?: { once?: boolean }): MswHandler;
  /** A handler for `server.use()` that makes one operation (`'*'`: every operation) fail the given way. */
  fault(operationId: string, fault: Fault, options?: { once?: boolean }): MswHandler;
  /** The answer an operation gives for a choice, as the handlers would send it (for assertions). */
  example(operationId: string, choice?: ResponseChoice): HttpResponse;
  /** Every request answered, in order. */
  readonly calls: MockCall[];
  /** Requests the contract rejected (a client bug, unless the test meant it). */
  readonly rejected: MockCall[];
  /** Forgets recorded calls. */
  clear(): void;
}

type Behaviour = { respond: ResponseChoice } | { fault: Fault };

/** Marks a response that must become `HttpResponse.error()` in msw. */
const NETWORK_ERROR = 'x-faultline-msw-network-error';

/** `Retry-After` as delta-seconds or an IMF-fixdate (RFC 9110 §10.2.3). */
export function retryAfterValue(value: number | Date | undefined): string {
  if (value instanceof Date) return value.toUTCString();
  return String(Math.max(0, Math.round(value ?? 30)));
}

export function contractMock(contract: string, options: ContractMockOptions): ContractMock {
  const doc = options.document ?? (loadOpenApi(contract) as unknown as OpenApiDocument);
  const base = new URL(options.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const origin = `${base.origin}${basePath}`;
  const operations = listOperations(doc);
  const byId = new Map(operations.map((op) => [op.operationId, op]));
  const examples = [...openApiExamples(contract, doc as unknown as Record<string, unknown>)].filter((e) => !e.webhook);
  const calls: MockCall[] = [];
  const rejected: MockCall[] = [];
  const behaviours = new WeakMap<HttpRequest, Behaviour>();
  const answered = new WeakSet<HttpRequest>();

  const operation = (operationId: string): OperationEntry => {
    const entry = byId.get(operationId);
    if (!entry) throw new Error(`${contract}.yaml has no operation ${operationId}; it has ${[...byId.keys()].join(', ')}`);
    return entry;
  };

  const successStatus = (entry: OperationEntry): number => {
    const declared = Object.keys(entry.operation.responses ?? {}).filter((s) => /^2\d\d$/.test(s)).map(Number).sort((a, b) => a - b);
    if (entry.method === 'POST' && declared.includes(201)) return 201;
    const first = declared[0];
    if (first === undefined) throw new Error(`${contract}.yaml ${entry.operationId} declares no 2xx response`);
    return first;
  };

  /** The example response of an operation for a choice. */
  const exampleResponse = (entry: OperationEntry, choice: ResponseChoice = {}): HttpResponse => {
    const status = choice.status ?? successStatus(entry);
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in (entry.operation.responses ?? {}));
    if (!key) throw new Error(`${contract}.yaml ${entry.operationId} does not declare a ${status} response`);
    const mine = examples.filter((e) => e.operation === entry.operationId && e.status === key);
    const headers: Record<string, string> = {};
    for (const h of mine.filter((e) => e.location === 'response-header')) if (h.parameter && !(h.parameter.toLowerCase() in headers)) headers[h.parameter.toLowerCase()] = String(h.value);
    const bodies = mine.filter((e) => e.location === 'response');
    let body = '';
    if (choice.body !== undefined) {
      body = JSON.stringify(choice.body);
      headers['content-type'] = bodies[0]?.mediaType ?? 'application/json';
    } else {
      const response = dereference(doc, entry.operation.responses![key]!);
      const media = Object.keys(response.content ?? {});
      if (media.length > 0) {
        const picked = choice.example ? bodies.find((e) => e.name === choice.example) : (bodies.find((e) => e.mediaType === 'application/json') ?? bodies[0]);
        if (!picked) {
          const named = choice.example ? ` named "${choice.example}" (it has ${bodies.map((e) => e.name).join(', ') || 'none'})` : '';
          throw new Error(`${contract}.yaml ${entry.operationId} ${key} has no example${named}; pass a body`);
        }
        body = typeof picked.value === 'string' && !/json/.test(picked.mediaType ?? '') ? picked.value : JSON.stringify(picked.value);
        headers['content-type'] = picked.mediaType ?? 'application/json';
      }
    }
    for (const [k, v] of Object.entries(choice.headers ?? {})) headers[k.toLowerCase()] = v;
    return { status, headers, body };
  };

  /** The response of a fault: the contract's own example for 503/429 when there is one. */
  const faultResponse = async (entry: OperationEntry, fault: Fault): Promise<HttpResponse> => {
    switch (fault.kind) {
      case 'unavailable':
      case 'throttled': {
        const status = fault.kind === 'unavailable' ? 503 : 429;
        const retryAfter = retryAfterValue(fault.retryAfter);
        if (String(status) in (entry.operation.responses ?? {})) {
          try {
            return exampleResponse(entry, { status, headers: { 'retry-after': retryAfter } });
          } catch {
            // declared without an example: fall through to a generic problem
          }
        }
        const title = fault.kind === 'unavailable' ? 'Service unavailable' : 'Too many requests';
        return problem(status, title, `${contract} answers ${status}; retry after ${retryAfter}`, { headers: { 'retry-after': retryAfter } });
      }
      case 'truncated': {
        const ok = exampleResponse(entry);
        const text = ok.body === '' ? '{"' : ok.body;
        return { ...ok, body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) };
      }
      case 'wrong-content-type': {
        const ok = exampleResponse(entry);
        const body = fault.body ?? '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';
        return { status: ok.status, headers: { 'content-type': fault.contentType ?? 'text/html; charset=utf-8' }, body };
      }
      case 'slow':
        await delay(fault.delayMs);
        return exampleResponse(entry);
      case 'network-error':
        return { status: 599, headers: { [NETWORK_ERROR]: '1' }, body: '' };
    }
  };

  const answer: OperationHandler = async (ctx) => {
    answered.add(ctx.request);
    const behaviour = behaviours.get(ctx.request);
    if (behaviour && 'fault' in behaviour) return faultResponse(ctx.entry, behaviour.fault);
    return exampleResponse(ctx.entry, behaviour?.respond);
  };
  const contractHandler = createContractHandler(contract, doc, Object.fromEntries(operations.map((op) => [op.operationId, answer])), {
    before: options.requireAuth === false ? undefined : (entry, request) => authProblem(doc, entry, request),
  });

  /** The operation a request under the base URL addresses (undefined: none), or null when it is not under the base URL. */
  const route = (request: Request): { path: string; search: string; entry: OperationEntry | undefined } | null => {
    const url = new URL(request.url);
    if (url.origin !== base.origin || (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))) return null;
    const path = url.pathname.slice(basePath.length) || '/';
    const found = findOperation(operations, request.method, path);
    return { path, search: url.search, entry: 'entry' in found ? found.entry : undefined };
  };

  /**
   * An msw handler for the requests under the base URL that `applies` to. Matching happens in
   * the predicate, so a `{ once: true }` handler is used up only by a request it answers.
   */
  const handler = (applies: (entry: OperationEntry | undefined) => boolean, behaviour: Behaviour | undefined, once: boolean): MswHandler =>
    http.all(
      ({ request }) => {
        const r = route(request);
        return r !== null && applies(r.entry);
      },
      async ({ request }) => {
        const { path, search, entry } = route(request)!;
        const headers: Record<string, string> = {};
        request.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
        const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
        const req: HttpRequest = { method: request.method, path: path + search, headers, ...(text === '' ? {} : { body: text }) };
        if (behaviour) behaviours.set(req, behaviour);
        const res = await contractHandler(req);
        const call: MockCall = { ...(entry ? { operationId: entry.operationId } : {}), method: req.method, path: req.path, status: res.status };
        if (!answered.has(req)) {
          call.rejected = rejectionOf(res);
          rejected.push(call);
        }
        calls.push(call);
        if (res.headers[NETWORK_ERROR]) return MswResponse.error();
        return new MswResponse(res.body === '' || res.status === 204 || res.status === 304 ? null : res.body, { status: res.status, headers: res.headers });
      },
      { once },
    );

  return {
    contract,
    baseUrl: origin,
    handlers: [handler(() => true, undefined, false)],
    respond(operationId, choice, opts = {}) {
      exampleResponse(operation(operationId), choice); // fail at setup, not in the middle of a test
      return handler((entry) => entry?.operationId === operationId, { respond: choice }, opts.once ?? false);
    },
    fault(operationId, fault, opts = {}) {
      if (operationId !== '*') operation(operationId);
      return handler((entry) => entry !== undefined && (operationId === '*' || entry.operationId === operationId), { fault }, opts.once ?? false);
    },
    example: (operationId, choice) => exampleResponse(operation(operationId), choice),
    calls,
    rejected,
    clear() {
      calls.length = 0;
      rejected.length = 0;
    },
  };
}

/** `detail` of a problem+json answer, else the status. */
function rejectionOf(res: HttpResponse): string {
  try {
    const body = JSON.parse(res.body) as { detail?: string };
    return `${res.status}: ${body.detail ?? res.body}`;
  } catch {
    return `${res.status}: ${res.body}`;
  }
}

/** 401 when none of the operation's security requirements is met by the request's headers. */
function authProblem(doc: OpenApiDocument, entry: OperationEntry, request: HttpRequest): HttpResponse | undefined {
  const requirements = (entry.operation.security ?? (doc.security as Array<Record<string, string[]>> | undefined)) ?? [];
  if (requirements.length === 0) return undefined;
  const schemes = (doc.components?.securitySchemes ?? {}) as Record<string, { type?: string; in?: string; name?: string; scheme?: string }>;
  const met = (name: string): boolean => {
    const s = schemes[name];
    if (!s) return true; // a scheme the mock does not know: do not guess
    if (s.type === 'apiKey' && s.in === 'header' && s.name) return Boolean(request.headers[s.name.toLowerCase()]);
    if (s.type === 'http') return (request.headers.authorization ?? '').toLowerCase().startsWith(`${(s.scheme ?? '').toLowerCase()} `);
    return true;
  };
  if (requirements.some((alternative) => Object.keys(alternative).every(met))) return undefined;
  const wanted = requirements.map((alt) => Object.keys(alt).map((n) => describeScheme(n, schemes[n])).join(' and ')).join(' or ');
  return problem(401, 'Unauthorized', `${entry.operationId} needs ${wanted}`, { type: 'unauthorized' });
}

function describeScheme(name: string, s: { type?: string; in?: string; name?: string; scheme?: string } | undefined): string {
  if (s?.type === 'apiKey') return `the ${s.name} header`;
  if (s?.type === 'http') return `an Authorization: ${s.scheme ?? ''} header`.replace(/bearer/i, 'Bearer').replace(/basic/i, 'Basic');
  return name;
}

