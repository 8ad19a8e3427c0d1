import { expect } from 'vitest';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { loadOpenApi } from '../../contracts/load.ts';
import { ContractValidator } from '../../runtime/http/contract-validator.ts';
import { dereference, findOperation, listOperations, type OpenApiDocument, type OperationEntry } from '../../runtime/http/openapi-document.ts';
import type { BusMessage, HttpHandler, HttpRequest, HttpResponse } from '../../runtime/ports.ts';

/**
 * Contract conformance for simulator tests: `conformant(name, handler)` wraps a simulator's handler
 * and checks EVERY response it gives against the contract with a JSON Schema validator (ajv):
 * the status is declared for the operation, the content type is one it declares, the body
 * validates against the declared schema, and declared response headers (Retry-After, Location)
 * are present and valid. A violation throws, so any test using the wrapper fails on it.
 */

export interface Conformance {
  handler: HttpHandler;
  /** Responses checked so far, by `operationId status`. */
  checked: Map<string, number>;
  /** Shorthand for requests in tests (the body is parsed JSON, loosely typed for assertions). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, string>; body: any }>;
}

const validators = new Map<string, { doc: OpenApiDocument; validator: ContractValidator; operations: OperationEntry[]; headerAjv: Ajv2020 }>();

function contract(name: string) {
  let c = validators.get(name);
  if (!c) {
    const doc = loadOpenApi(name) as unknown as OpenApiDocument;
    const headerAjv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: true });
    (addFormats as unknown as (a: Ajv2020) => void)(headerAjv);
    headerAjv.addSchema(doc as object, `https://faultline.dev/test/${name}.json`);
    c = { doc, validator: new ContractValidator(name, doc), operations: listOperations(doc), headerAjv };
    validators.set(name, c);
  }
  return c;
}

export class ConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceError';
  }
}

/** Throws unless `response` to `request` conforms to contract `name`. Returns the operationId (or undefined off-contract). */
export function assertConforms(name: string, request: HttpRequest, response: HttpResponse): string | undefined {
  const { doc, validator, operations, headerAjv } = contract(name);
  const q = request.path.indexOf('?');
  const found = findOperation(operations, request.method, q === -1 ? request.path : request.path.slice(0, q));
  const where = `${name} ${request.method} ${request.path} → ${response.status}`;
  const contentType = (response.headers['content-type'] ?? '').split(';')[0]!.trim();
  // A fault the injector answered (it says so in x-faultline-fault) may be a 5xx; it must still conform.
  if (response.status >= 500 && response.headers['x-faultline-fault'] === undefined) throw new ConformanceError(`${where}: a simulator must never answer 5xx on its own: ${response.body}`);
  if (!('entry' in found)) {
    // Off-contract paths: 404/405 problem+json is the only acceptable answer.
    if (![404, 405].includes(response.status) || contentType !== 'application/problem+json') {
      throw new ConformanceError(`${where}: a request outside the contract must get 404/405 problem+json, got ${contentType}`);
    }
    return undefined;
  }
  const { entry } = found;
  const declared = validator.declaredResponse(entry, response.status);
  if (!declared.declared) throw new ConformanceError(`${where}: status ${response.status} is not declared for ${entry.operationId} (body ${response.body})`);
  if (declared.mediaTypes.length === 0) {
    if (response.body !== '') throw new ConformanceError(`${where}: ${entry.operationId} declares no body for ${response.status}, got ${response.body}`);
  } else {
    if (!declared.mediaTypes.includes(contentType)) throw new ConformanceError(`${where}: content type ${contentType} is not one of ${declared.mediaTypes.join(', ')}`);
    const validate = validator.responseBody(entry, response.status, contentType);
    if (validate) {
      let body: unknown;
      try {
        body = JSON.parse(response.body);
      } catch {
        throw new ConformanceError(`${where}: body is not JSON: ${response.body.slice(0, 200)}`);
      }
      if (!validate(body)) throw new ConformanceError(`${where}: body violates the ${entry.operationId} ${response.status} schema: ${JSON.stringify(validate.errors)}\n${response.body.slice(0, 1000)}`);
    }
  }
  // Declared headers.
  const responses = entry.operation.responses ?? {};
  const key = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find((k) => k in responses)!;
  const responseObject = dereference(doc, responses[key]! as never) as { headers?: Record<string, unknown> };
  for (const [headerName, raw] of Object.entries(responseObject.headers ?? {})) {
    const header = dereference(doc, raw as never) as { required?: boolean; schema?: unknown };
    const value = response.headers[headerName.toLowerCase()];
    if (value === undefined) {
      if (header.required) throw new ConformanceError(`${where}: required header ${headerName} is missing`);
      continue;
    }
    if (header.schema) {
      const check = compileHeader(headerAjv, name, header.schema);
      if (!check({ v: value })) throw new ConformanceError(`${where}: header ${headerName}: ${JSON.stringify(value)} violates its schema: ${JSON.stringify(check.errors)}`);
    }
  }
  return entry.operationId;
}

const headerValidators = new Map<string, ValidateFunction>();
function compileHeader(ajv: Ajv2020, name: string, schema: unknown): ValidateFunction {
  const absolutize = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(absolutize);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `https://faultline.dev/test/${name}.json${v}` : absolutize(v);
    return out;
  };
  const key = `${name}:${JSON.stringify(schema)}`;
  let fn = headerValidators.get(key);
  if (!fn) {
    fn = ajv.compile({ type: 'object', properties: { v: absolutize(schema) }, required: ['v'] });
    headerValidators.set(key, fn);
  }
  return fn;
}

/** Wraps a handler so every response it gives is checked against contract `name`. */
export function conformant(name: string, inner: HttpHandler): Conformance {
  const checked = new Map<string, number>();
  const handler: HttpHandler = async (request) => {
    const response = await inner(request);
    const operationId = assertConforms(name, request, response) ?? '(off-contract)';
    const k = `${operationId} ${response.status}`;
    checked.set(k, (checked.get(k) ?? 0) + 1);
    return response;
  };
  const send: Conformance['send'] = async (method, path, body, headers = {}) => {
    const req: HttpRequest = { method, path, headers: { accept: 'application/json', ...headers } };
    if (body !== undefined) {
      req.body = typeof body === 'string' ? body : JSON.stringify(body);
      req.headers['content-type'] ??= 'application/json';
    }
    const res = await handler(req);
    return { status: res.status, headers: res.headers, body: res.body === '' ? undefined : JSON.parse(res.body) };
  };
  return { handler, checked, send };
}

/** Validator for a webhook payload of contract `name` (`wms`, `inventoryAdjusted`). */
export function webhookValidator(name: string, webhook: string): ValidateFunction {
  const { doc, validator } = contract(name);
  const operation = (doc.webhooks?.[webhook] as { post?: unknown } | undefined)?.post;
  if (!operation) throw new Error(`${name} has no webhook ${webhook}`);
  const entry = { operationId: webhook, method: 'POST', pathTemplate: webhook, pointer: `#/webhooks/${webhook}/post`, operation, parameters: [], match: () => undefined } as unknown as OperationEntry;
  const validate = validator.requestBody(entry);
  if (!validate) throw new Error(`${name} webhook ${webhook} has no JSON body schema`);
  return validate;
}

/** Throws unless the bus message's body validates against the producer contract's webhook. */
export function assertWebhookPayload(name: string, webhook: string, message: BusMessage): unknown {
  const validate = webhookValidator(name, webhook);
  const body = JSON.parse(message.body) as unknown;
  if (!validate(body)) throw new ConformanceError(`${message.channel} message ${message.id} violates ${name} webhook ${webhook}: ${JSON.stringify(validate.errors)}\n${message.body}`);
  return body;
}

/**
 * A simulator's optional log: run the same scenario with the log kept and without it. With it, the
 * log lists what was pushed; without it, the log is empty and everything else (the pushes, and
 * whatever `rest` the run returns) is the same.
 */
export async function expectOptionalLog(run: (keep: boolean) => Promise<{ pushed: string[]; logged: string[]; rest?: unknown }>, pushes: number): Promise<void> {
  const kept = await run(true);
  const dropped = await run(false);
  expect(kept.pushed.length).toBeGreaterThanOrEqual(pushes);
  expect(kept.logged).toEqual(kept.pushed);
  expect(dropped).toEqual({ ...kept, logged: [] });
}
