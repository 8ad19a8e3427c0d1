// Every example a contract carries, with the JSON pointer of the schema it must satisfy.
// Used by the example test (test/contracts/), and meant for msw handlers and Pact interactions.
//
// OpenAPI: request bodies, responses, response headers and parameters, of paths and webhooks
// (`example` and each entry of `examples`; internal `$ref`s to components are followed, an
// `externalValue` is skipped). Events: each entry of a schema's top-level `examples`.

export type ExampleLocation = 'request' | 'response' | 'response-header' | 'parameter' | 'event';

export interface ContractExample {
  /** OpenAPI contract name (`erp`), or `events`. */
  contract: string;
  /** operationId, or `METHOD /path` if it has none; for events the event type (`order.accepted`). */
  operation: string;
  /** Webhook name when the operation is a webhook of the contract. */
  webhook?: string;
  location: ExampleLocation;
  /** Response status (`200`, `4XX`, `default`) for response examples. */
  status?: string;
  mediaType?: string;
  /** Parameter (`in` + name) or header name. */
  parameter?: string;
  /** Key in `examples`, `example` for the singular form, or the index of a schema's `examples`. */
  name: string;
  value: unknown;
  /** JSON pointer, in the contract document, of the schema the example must validate against. */
  schemaPointer: string;
  /** JSON pointer of the example value itself (for error positions). */
  examplePointer: string;
}

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function seg(s: string | number): string {
  return '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1');
}

function get(doc: Json, pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Follows internal `$ref`s (`#/components/...`) until a node that is not a reference. */
function deref(doc: Json, node: unknown, pointer: string): [Json, string] | undefined {
  const seen = new Set<string>();
  while (isObject(node) && typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (!ref.startsWith('#') || seen.has(ref)) return undefined;
    seen.add(ref);
    pointer = decodeURIComponent(ref.slice(1));
    node = get(doc, pointer);
  }
  return isObject(node) ? [node, pointer] : undefined;
}

/** `example` / `examples` of a media type, parameter or header object that has a `schema`. */
function* examplesOf(doc: Json, holder: Json, holderPointer: string): Generator<{ name: string; value: unknown; pointer: string }> {
  if ('example' in holder) yield { name: 'example', value: holder.example, pointer: holderPointer + seg('example') };
  if (isObject(holder.examples)) {
    for (const [name, raw] of Object.entries(holder.examples)) {
      const resolved = deref(doc, raw, holderPointer + seg('examples') + seg(name));
      if (!resolved) continue;
      const [example, at] = resolved;
      if (!('value' in example)) continue; // externalValue: nothing to check here
      yield { name, value: example.value, pointer: at + seg('value') };
    }
  }
}

type Base = Pick<ContractExample, 'contract' | 'operation' | 'webhook'>;

function* mediaExamples(doc: Json, base: Base, content: unknown, contentPointer: string, extra: Partial<ContractExample> & Pick<ContractExample, 'location'>): Generator<ContractExample> {
  if (!isObject(content)) return;
  for (const [mediaType, rawMedia] of Object.entries(content)) {
    const resolved = deref(doc, rawMedia, contentPointer + seg(mediaType));
    if (!resolved) continue;
    const [media, mediaPointer] = resolved;
    if (!('schema' in media)) continue;
    const schemaPointer = mediaPointer + seg('schema');
    for (const ex of examplesOf(doc, media, mediaPointer)) {
      yield { ...base, ...extra, mediaType, name: ex.name, value: ex.value, schemaPointer, examplePointer: ex.pointer };
    }
  }
}

/** Parameter or header: `schema` + examples, or `content` with media types. */
function* parameterLike(doc: Json, base: Base, node: Json, pointer: string, extra: Partial<ContractExample> & Pick<ContractExample, 'location'>): Generator<ContractExample> {
  if ('schema' in node) {
    const schemaPointer = pointer + seg('schema');
    for (const ex of examplesOf(doc, node, pointer)) {
      yield { ...base, ...extra, name: ex.name, value: ex.value, schemaPointer, examplePointer: ex.pointer };
    }
  }
  yield* mediaExamples(doc, base, node.content, pointer + seg('content'), extra);
}

function* operationExamples(doc: Json, contract: string, item: Json, itemPointer: string, method: string, label: { path?: string; webhook?: string }): Generator<ContractExample> {
  const resolved = deref(doc, item[method], itemPointer + seg(method));
  if (!resolved) return;
  const [op, opPointer] = resolved;
  const operation = typeof op.operationId === 'string' ? op.operationId : `${method.toUpperCase()} ${label.path ?? label.webhook ?? ''}`;
  const base: Base = { contract, operation, ...(label.webhook ? { webhook: label.webhook } : {}) };

  const params: [unknown, string][] = [];
  if (Array.isArray(item.parameters)) item.parameters.forEach((p, i) => params.push([p, itemPointer + seg('parameters') + seg(i)]));
  if (Array.isArray(op.parameters)) op.parameters.forEach((p, i) => params.push([p, opPointer + seg('parameters') + seg(i)]));
  for (const [raw, at] of params) {
    const p = deref(doc, raw, at);
    if (!p) continue;
    const [param, paramPointer] = p;
    yield* parameterLike(doc, base, param, paramPointer, { location: 'parameter', parameter: `${String(param.in)} ${String(param.name)}` });
  }

  const body = deref(doc, op.requestBody, opPointer + seg('requestBody'));
  if (body) yield* mediaExamples(doc, base, body[0].content, body[1] + seg('content'), { location: 'request' });

  if (isObject(op.responses)) {
    for (const status of Object.keys(op.responses)) {
      const r = deref(doc, op.responses[status], opPointer + seg('responses') + seg(status));
      if (!r) continue;
      const [response, responsePointer] = r;
      yield* mediaExamples(doc, base, response.content, responsePointer + seg('content'), { location: 'response', status });
      if (!isObject(response.headers)) continue;
      for (const header of Object.keys(response.headers)) {
        const h = deref(doc, response.headers[header], responsePointer + seg('headers') + seg(header));
        if (h) yield* parameterLike(doc, base, h[0], h[1], { location: 'response-header', status, parameter: header });
      }
    }
  }
}

/** Examples of an OpenAPI document (best used on the bundled document: external refs inlined). */
export function* openApiExamples(contract: string, doc: Json): Generator<ContractExample> {
  for (const [section, key] of [['paths', 'path'], ['webhooks', 'webhook']] as const) {
    const items = doc[section];
    if (!isObject(items)) continue;
    for (const name of Object.keys(items)) {
      const item = deref(doc, items[name], seg(section) + seg(name));
      if (!item) continue;
      for (const method of METHODS) {
        if (item[0][method] === undefined) continue;
        yield* operationExamples(doc, contract, item[0], item[1], method, { [key]: name });
      }
    }
  }
}

/** `examples` of each event schema, keyed by event type (`order.accepted`). */
export function* eventExamples(schemas: ReadonlyMap<string, Json>): Generator<ContractExample> {
  for (const [type, schema] of schemas) {
    if (!Array.isArray(schema.examples)) continue;
    for (const [i, value] of schema.examples.entries()) {
      yield { contract: 'events', operation: type, location: 'event', name: String(i), value, schemaPointer: '', examplePointer: seg('examples') + seg(i) };
    }
  }
}

/** A name a person can find the example by: `erp bookSalesOrder 409 application/problem+json "duplicate"`. */
export function describeExample(e: ContractExample): string {
  const parts = [e.contract, e.webhook ? `webhook ${e.webhook} (${e.operation})` : e.operation];
  if (e.location === 'event') return `${e.contract} ${e.operation} examples[${e.name}]`;
  if (e.location === 'request') parts.push('request');
  if (e.status) parts.push(e.status);
  if (e.location === 'parameter') parts.push(`parameter ${e.parameter ?? ''}`);
  if (e.location === 'response-header') parts.push(`header ${e.parameter ?? ''}`);
  if (e.mediaType) parts.push(e.mediaType);
  parts.push(e.name === 'example' ? 'example' : `"${e.name}"`);
  return parts.join(' ');
}
