// Checks one interaction of a pact against the provider's contract, with the runtime's own
// contract validators (runtime/http): the request must be one the operation accepts, the response
// one it may give. A response field the pact expects must be declared by the contract even where
// the schema tolerates undeclared fields: a consumer may only expect what the contract promises.
import type { ValidateFunction } from 'ajv';
import { ContractValidator, toFieldProblems } from '../../../runtime/http/contract-validator.ts';
import { dereference, findOperation, pointerToken, type OpenApiDocument, type OperationEntry } from '../../../runtime/http/openapi-document.ts';
import type { HttpInteraction, MessageInteraction, PactBody } from './pact-file.ts';

/** One thing wrong with an interaction: `where` is the part (`response body /lines/0/qty`), `message` what is wrong. */
export interface Finding {
  where: string;
  message: string;
}

/** Headers any HTTP exchange may carry whether or not a contract declares them. */
const TRANSPORT_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'vary', 'server', 'cache-control', 'etag', 'accept', 'accept-encoding', 'user-agent', 'host', 'authorization']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `is required by erp.yaml bookSalesOrder 201`, `must be string in erp.yaml bookSalesOrder 201`. */
function says(message: string, source: string): string {
  return `${message} ${message === 'is required' || message === 'is not declared' ? 'by' : 'in'} ${source}`;
}

/** ajv errors of `validate` as findings under `where` (`response body`), attributed to `source`. */
function findingsOf(validate: ValidateFunction, where: string, source: string): Finding[] {
  return toFieldProblems(validate.errors, '').map((p) => ({ where: `${where} ${p.pointer || '/'}`, message: says(p.message, source) }));
}

/** The media-type key of `content` a body of `contentType` falls under, as the runtime picks it. */
function mediaKey(content: Json | undefined, contentType: string): string | undefined {
  if (!content) return undefined;
  if (contentType in content) return contentType;
  if (contentType.endsWith('+json') && 'application/json' in content) return 'application/json';
  return '*/*' in content ? '*/*' : undefined;
}

/** Checks bodies against a contract: the runtime validator plus the "declared fields" rule. */
export class ContractCheck {
  readonly validator: ContractValidator;
  readonly operations: OperationEntry[];
  readonly webhooks: OperationEntry[];

  constructor(
    readonly contract: string,
    readonly doc: OpenApiDocument,
    operations: OperationEntry[],
  ) {
    this.validator = new ContractValidator(contract, doc);
    this.operations = operations;
    this.webhooks = Object.entries(doc.webhooks ?? {}).flatMap(([name, item]) => {
      const op = item.post;
      if (!op) return [];
      return [{ operationId: op.operationId ?? name, method: 'POST', pathTemplate: name, pointer: `#/webhooks/${pointerToken(name)}/post`, operation: op, parameters: [], match: () => undefined }];
    });
  }

  get file(): string {
    return `${this.contract}.yaml`;
  }

  /** Every check of one HTTP interaction. */
  http(interaction: HttpInteraction): Finding[] {
    const { request, response } = interaction;
    const findings: Finding[] = [];
    const found = findOperation(this.operations, request.method, request.path.split('?')[0]!);
    if (!('entry' in found)) {
      const why = found.allowed.length > 0 ? `${request.path} exists in ${this.file} but not with ${request.method}` : `${request.method} ${request.path} is not an operation of ${this.file}`;
      return [{ where: 'request', message: why }];
    }
    const { entry, params } = found;
    const op = `${this.file} ${entry.operationId}`;

    // -- request ------------------------------------------------------------------------------------
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(request.query)) query[k] = v.length === 1 ? v[0]! : v;
    for (const [location, values] of [['path', { ...params }], ['query', query], ['header', { ...request.headers }]] as const) {
      const validate = this.validator.parameters(entry, location);
      if (validate && !validate(values)) {
        findings.push(...toFieldProblems(validate.errors, '').map((p) => ({ where: `request ${location} parameter ${p.pointer.slice(1)}`, message: says(p.message, op) })));
      }
    }
    const requestBody = entry.operation.requestBody ? dereference(this.doc, entry.operation.requestBody) : undefined;
    if (request.body === undefined) {
      if (requestBody?.required) findings.push({ where: 'request body', message: says('is required', op) });
    } else if (!requestBody) {
      findings.push({ where: 'request body', message: `is sent, but ${op} takes no request body` });
    } else {
      const type = request.body.contentType ?? 'application/json';
      if (!mediaKey(requestBody.content as Json | undefined, type)) {
        findings.push({ where: 'request body', message: `is ${type}, but ${op} accepts ${Object.keys(requestBody.content ?? {}).join(', ')}` });
      } else if (request.body.json) {
        const validate = this.validator.requestBody(entry);
        if (validate && !validate(request.body.value)) findings.push(...findingsOf(validate, 'request body', op));
      }
    }

    // -- response -----------------------------------------------------------------------------------
    const declared = this.validator.declaredResponse(entry, response.status);
    if (!declared.declared) {
      const statuses = Object.keys(entry.operation.responses ?? {}).join(', ');
      findings.push({ where: `response status ${response.status}`, message: `is not declared by ${op} (it declares ${statuses})` });
      return findings;
    }
    const source = `${op} ${declared.statusKey}`;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (declared.headers.includes(name)) headers[name] = value;
      else if (!TRANSPORT_HEADERS.has(name)) findings.push({ where: `response header ${name}`, message: says('is not declared', source) });
    }
    const validateHeaders = this.validator.responseHeaders(entry, response.status);
    if (validateHeaders && !validateHeaders(headers)) {
      findings.push(...toFieldProblems(validateHeaders.errors, '').map((p) => ({ where: `response header ${p.pointer.slice(1)}`, message: says(p.message, source) })));
    }
    if (response.body !== undefined) findings.push(...this.responseBody(entry, response.status, declared.statusKey!, declared.mediaTypes, response.body, source));
    return findings;
  }

  private responseBody(entry: OperationEntry, status: number, statusKey: string, mediaTypes: string[], body: PactBody, source: string): Finding[] {
    if (mediaTypes.length === 0) return [{ where: 'response body', message: `is expected, but ${source} has no body` }];
    const type = body.contentType ?? 'application/json';
    const responseObject = dereference(this.doc, (entry.operation.responses ?? {})[statusKey]!);
    const media = mediaKey(responseObject.content as Json | undefined, type);
    if (!media) return [{ where: 'response body', message: `is ${type}, but ${source} is ${mediaTypes.join(', ')}` }];
    if (!body.json) return [];
    const validate = this.validator.responseBody(entry, status, type);
    const findings = validate && !validate(body.value) ? findingsOf(validate, 'response body', source) : [];
    const schema = responseObject.content?.[media]?.schema;
    return [...findings, ...this.undeclared(schema, body.value, 'response body', source, findings)];
  }

  /** Every check of one message interaction, against the contract's webhook payloads. */
  message(interaction: MessageInteraction): Finding[] {
    if (this.webhooks.length === 0) return [{ where: 'message', message: `${this.file} declares no webhooks, so it promises no messages` }];
    const body = interaction.contents;
    if (!body) return [{ where: 'message contents', message: 'are empty' }];
    if (!body.json) return [{ where: 'message contents', message: `are ${body.contentType ?? 'not JSON'}, but webhook payloads of ${this.file} are JSON` }];
    // The consumer may name the webhook in the message metadata; else the payload must fit one.
    const named = ['webhook', 'operationId'].map((k) => interaction.metadata[k]).find((v): v is string => typeof v === 'string');
    const candidates = named ? this.webhooks.filter((w) => w.operationId === named || w.pathTemplate === named) : this.webhooks;
    if (named && candidates.length === 0) return [{ where: 'message metadata', message: `names webhook "${named}", which ${this.file} does not declare (it declares ${this.webhooks.map((w) => w.pathTemplate).join(', ')})` }];
    let best: { findings: Finding[]; source: string } | undefined;
    for (const hook of candidates) {
      const source = `${this.file} webhook ${hook.pathTemplate}`;
      const validate = this.validator.requestBody(hook);
      if (!validate) continue;
      const findings = validate(body.value) ? [] : findingsOf(validate, 'message contents', source);
      const schema = dereference(this.doc, hook.operation.requestBody ?? {}).content?.['application/json']?.schema;
      findings.push(...this.undeclared(schema, body.value, 'message contents', source, findings));
      if (findings.length === 0) return [];
      if (!best || findings.length < best.findings.length) best = { findings, source };
    }
    if (!best) return [{ where: 'message', message: `no webhook of ${this.file} has a JSON payload` }];
    if (candidates.length === 1) return best.findings;
    return [{ where: 'message contents', message: `match no webhook payload of ${this.file}; the closest is ${best.source}, which finds:` }, ...best.findings];
  }

  /**
   * Fields the example holds that the schema does not declare (by `properties`, `patternProperties`
   * or a schema-valued `additionalProperties`). Free-form objects (no properties at all) are left
   * alone; pointers ajv already reported are not repeated.
   */
  private undeclared(schema: unknown, value: unknown, where: string, source: string, already: Finding[]): Finding[] {
    const out: Finding[] = [];
    const reported = new Set(already.map((f) => f.where));
    const walk = (node: unknown, v: unknown, pointer: string, depth: number): void => {
      if (depth > 64) return;
      const s = dereference(this.doc, (node ?? {}) as Json & { $ref?: string });
      if (!isObject(s)) return;
      const parts = [s, ...['allOf', 'oneOf', 'anyOf'].flatMap((k) => (Array.isArray(s[k]) ? (s[k] as unknown[]).map((m) => dereference(this.doc, m as Json)) : []))].filter(isObject);
      if (Array.isArray(v)) {
        const items = parts.map((p) => p.items).find((i) => i !== undefined && typeof i !== 'boolean');
        if (items) v.forEach((item, i) => walk(items, item, `${pointer}/${i}`, depth + 1));
        return;
      }
      if (!isObject(v)) return;
      const properties = new Map<string, unknown>();
      const patterns: Array<[RegExp, unknown]> = [];
      let additional: unknown;
      for (const p of parts) {
        if (isObject(p.properties)) for (const [k, sub] of Object.entries(p.properties)) if (!properties.has(k)) properties.set(k, sub);
        if (isObject(p.patternProperties)) for (const [re, sub] of Object.entries(p.patternProperties)) patterns.push([new RegExp(re, 'u'), sub]);
        if (isObject(p.additionalProperties)) additional ??= p.additionalProperties;
      }
      if (properties.size === 0 && patterns.length === 0 && additional === undefined) return; // free-form
      for (const [key, sub] of Object.entries(v)) {
        const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        const schemaOf = properties.get(key) ?? patterns.find(([re]) => re.test(key))?.[1] ?? additional;
        if (schemaOf !== undefined) walk(schemaOf, sub, at, depth + 1);
        else if (!reported.has(`${where} ${at}`)) out.push({ where: `${where} ${at}`, message: says('is not declared', source) });
      }
    };
    walk(schema, value, '', 0);
    return out;
  }
}
