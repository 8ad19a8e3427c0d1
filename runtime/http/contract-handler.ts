import type { OperationRequestBodyContent } from 'openapi-typescript-helpers';
import type { HttpHandler, HttpRequest, HttpResponse } from '../ports.ts';
import { ContractValidator, toFieldProblems } from './contract-validator.ts';
import { findOperation, listOperations, type OpenApiDocument, type OperationEntry } from './openapi-document.ts';
import { problem } from './problem.ts';

/** What an operation handler receives: the request, already checked against the contract. */
export interface OperationContext<Op = unknown> {
  operationId: string;
  request: HttpRequest;
  params: {
    path: Op extends { parameters: { path: infer P } } ? NonNullable<P> : Record<string, string>;
    query: Op extends { parameters: { query?: infer Q } } ? NonNullable<Q> : Record<string, unknown>;
    header: Record<string, string>;
  };
  body: OperationRequestBodyContent<Op>;
  entry: OperationEntry;
}

export type OperationHandler<Op = unknown> = (ctx: OperationContext<Op>) => Promise<HttpResponse>;

/** Handlers keyed by operationId, typed from the generated `operations` interface. */
export type OperationHandlers<Operations> = { [K in keyof Operations]?: OperationHandler<Operations[K]> };

export interface ContractHandlerOptions {
  /** Runs before validation (authentication, rate limits, faults); a response short-circuits. */
  before?: (entry: OperationEntry, request: HttpRequest) => Promise<HttpResponse | undefined> | HttpResponse | undefined;
  /** Requests outside the contract that the system still serves (e.g. /_faultline/…). */
  extra?: HttpHandler;
  /** Largest accepted body in bytes (default 1 MiB). */
  bodyLimit?: number;
}

/**
 * Turns a contract plus operation handlers into an HttpHandler. Everything the contract forbids
 * is answered the way the contract says (404/405/400/415/422 problem+json) before any handler
 * runs; a handler that throws gives a 500 problem, never a stack trace on the wire.
 */
export function createContractHandler<Operations>(
  contractName: string,
  doc: OpenApiDocument,
  handlers: OperationHandlers<Operations>,
  options: ContractHandlerOptions = {},
): HttpHandler {
  const operations = operationsOf(doc);
  const validator = ContractValidator.for(contractName, doc);
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;

  return async (request) => {
    const q = request.path.indexOf('?');
    const pathname = q === -1 ? request.path : request.path.slice(0, q);
    const found = findOperation(operations, request.method, pathname);
    if (!('entry' in found)) {
      if (options.extra) return options.extra(request);
      return found.allowed.length > 0
        ? problem(405, 'Method not allowed', `${request.method} is not allowed on ${pathname}; it takes ${found.allowed.join(', ')}`, { type: 'method-not-allowed', headers: { allow: found.allowed.join(', ') } })
        : problem(404, 'Not found', `no operation of the ${contractName} API matches ${request.method} ${pathname}`, { type: 'not-found' });
    }
    const { entry } = found;
    if (options.before) {
      const early = await options.before(entry, request);
      if (early) return early;
    }
    const handler = (handlers as Record<string, OperationHandler | undefined>)[entry.operationId];
    if (!handler) return problem(501, 'Not implemented', `${entry.operationId} is not implemented by this ${contractName} service`);

    const plan = validator.requestPlan(entry);
    const invalid = (pointerPrefix: string, errors: Parameters<typeof toFieldProblems>[0], what: string): HttpResponse => {
      const fields = toFieldProblems(errors, pointerPrefix);
      const first = fields[0];
      return problem(plan.invalidStatus, 'Invalid request', first ? `${what}: ${first.pointer} ${first.message}` : `${what} is invalid`, {
        type: 'invalid-request',
        errors: fields,
      });
    };

    // Each object is the request's own (the matcher and the query parser build fresh ones), so
    // the coercing validators may change values in place.
    const path: Record<string, unknown> = found.params;
    const query: Record<string, unknown> = parseQuery(q === -1 ? '' : request.path.slice(q + 1));
    const header: Record<string, string> = plan.header ? { ...request.headers } : request.headers;
    if (plan.path && !plan.path(path)) return invalid('/path', plan.path.errors, 'path parameter');
    if (plan.query && !plan.query(query)) return invalid('/query', plan.query.errors, 'query parameter');
    if (plan.header && !plan.header(header)) return invalid('/header', plan.header.errors, 'header parameter');

    let body: unknown = undefined;
    const validateBody = plan.body;
    const raw = request.body ?? '';
    // A string of n UTF-16 units is at most 3n UTF-8 bytes: count bytes only when that could exceed the limit.
    if (raw.length * 3 > bodyLimit && Buffer.byteLength(raw) > bodyLimit) {
      return problem(413, 'Payload too large', `request body exceeds ${bodyLimit} bytes`, { type: 'payload-too-large' });
    }
    if (validateBody) {
      if (raw === '') {
        if (plan.bodyRequired) return problem(400, 'Invalid request', 'a JSON request body is required', { type: 'invalid-request', errors: [{ pointer: '/body', message: 'is required' }] });
      } else {
        const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        // The media types the operation declares (another +json type has other semantics: merge-patch…).
        const accepted = Object.keys(entry.operation.requestBody?.content ?? { 'application/json': {} });
        if (!accepted.includes(contentType)) {
          return problem(415, 'Unsupported media type', `expected content-type ${accepted.join(' or ')}, got ${contentType || 'none'}`, { type: 'unsupported-media-type' });
        }
        const coding = (request.headers['content-encoding'] ?? '').trim().toLowerCase();
        if (coding !== '' && coding !== 'identity') {
          return problem(415, 'Unsupported media type', `content-encoding ${coding} is not supported; send the body uncompressed`, { type: 'unsupported-media-type', headers: { 'accept-encoding': 'identity' } });
        }
        try {
          body = JSON.parse(raw);
        } catch (error) {
          return problem(400, 'Malformed JSON', `the request body is not valid JSON: ${(error as Error).message}`, { type: 'malformed-json', errors: [{ pointer: '/body', message: 'is not valid JSON' }] });
        }
        if (!validateBody(body)) return invalid('/body', validateBody.errors, 'request body');
      }
    }

    try {
      return await handler({ operationId: entry.operationId, request, params: { path, query, header } as never, body: body as never, entry });
    } catch (error) {
      return problem(500, 'Internal error', `${entry.operationId} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

/** The operations of a document, listed once per document (entries are shared, never changed). */
const operationLists = new WeakMap<object, OperationEntry[]>();
function operationsOf(doc: OpenApiDocument): OperationEntry[] {
  let list = operationLists.get(doc);
  if (!list) operationLists.set(doc, (list = listOperations(doc)));
  return list;
}

function parseQuery(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (text === '') return out;
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
