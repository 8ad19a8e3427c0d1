// Compares two versions of an OpenAPI 3.x document: operations (paths and webhooks), their
// parameters, request bodies and responses. Schemas are compared by schema.ts.
import { change, type Change, type ChangeKind } from './changes.ts';
import { isObject, type Documents, type Node, type SourceFile } from './documents.ts';
import { compareSchemas, type Side } from './schema.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  /** Identity across versions: `POST /orders/{}` (path parameter names do not matter), `webhook shipmentConfirmed POST`. */
  key: string;
  /** `POST /orders/{orderId} (bookSalesOrder)`, `webhook shipmentConfirmed (POST)`. */
  label: string;
  webhook: boolean;
  /** Normalised path template, or the webhook name. */
  group: string;
  /** The path template as written, or the webhook name. */
  name: string;
  node: Node;
  parameters: Map<string, Node>;
}

function collect(docs: Documents, source: SourceFile): Operation[] {
  const out: Operation[] = [];
  const root = { source, pointer: '', value: source.root };
  for (const section of ['paths', 'webhooks'] as const) {
    const items = docs.child(root, section);
    if (!isObject(items.value)) continue;
    for (const name of Object.keys(items.value)) {
      const item = docs.deref(docs.child(items, name));
      if (!isObject(item.value)) continue;
      const shared = parametersOf(docs, docs.child(item, 'parameters'));
      for (const method of METHODS) {
        if (item.value[method] === undefined) continue;
        const node = docs.deref(docs.child(item, method));
        const op = isObject(node.value) ? node.value : {};
        const id = typeof op.operationId === 'string' ? op.operationId : undefined;
        const M = method.toUpperCase();
        const webhook = section === 'webhooks';
        const group = webhook ? name : name.replace(/\{[^}]*\}/g, '{}');
        out.push({
          key: webhook ? `webhook ${name} ${M}` : `${M} ${group}`,
          label: webhook ? `webhook ${name} (${M}${id && id !== name ? ` ${id}` : ''})` : `${M} ${name}${id ? ` (${id})` : ''}`,
          webhook,
          group,
          name,
          node,
          parameters: new Map([...shared, ...parametersOf(docs, docs.child(node, 'parameters'))]),
        });
      }
    }
  }
  return out;
}

/** Parameters keyed by `in` + name (header names are case-insensitive). */
function parametersOf(docs: Documents, list: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  if (!Array.isArray(list.value)) return out;
  list.value.forEach((_, i) => {
    const p = docs.deref(docs.child(list, i));
    if (!isObject(p.value)) return;
    const where = String(p.value.in);
    const name = where === 'header' ? String(p.value.name).toLowerCase() : String(p.value.name);
    out.set(`${where} ${name}`, p);
  });
  return out;
}

/** `query parameter limit`, `header parameter Idempotency-Key`. */
const parameterPart = (p: Node): string => (isObject(p.value) ? `${String(p.value.in)} parameter ${String(p.value.name)}` : 'parameter');

const loc = (node: Node): Change['location'] => {
  const line = node.source.lines.line(node.pointer);
  return { file: node.source.file, pointer: `#${node.pointer}`, ...(line === undefined ? {} : { line }) };
};

/** Every classified difference between two OpenAPI documents. */
export function diffOpenApi(docs: Documents, before: SourceFile, after: SourceFile): Change[] {
  const changes: Change[] = [];
  const emit = (kind: ChangeKind, node: Node, message: string, extra: Partial<Change> = {}): void => {
    changes.push(change(kind, { location: loc(node), message, ...extra }));
  };
  const oldOps = collect(docs, before);
  const newOps = collect(docs, after);
  const newByKey = new Map(newOps.map((op) => [op.key, op]));
  const oldKeys = new Set(oldOps.map((op) => op.key));
  const newGroups = new Set(newOps.map((op) => `${op.webhook}|${op.group}`));

  // A path that is gone entirely is one change, not one per method.
  const gone = new Map<string, Operation[]>();
  for (const op of oldOps) {
    if (!op.webhook && !newByKey.has(op.key) && !newGroups.has(`false|${op.group}`)) gone.set(op.group, [...(gone.get(op.group) ?? []), op]);
  }
  for (const op of oldOps) {
    const successor = newByKey.get(op.key);
    const path = gone.get(op.group);
    if (successor) {
      compareOperation(docs, op, successor, changes);
    } else if (op.webhook) {
      emit('webhook-removed', op.node, `${op.label} was removed: receivers no longer get it`, { operation: op.label });
    } else if (!path) {
      emit('operation-removed', op.node, `${op.label} was removed`, { operation: op.label });
    } else if (path[0] === op) {
      const labels = path.map((o) => o.label).join(', ');
      const pathNode = docs.child({ source: before, pointer: '', value: before.root }, 'paths', op.name);
      emit('path-removed', pathNode, `path ${op.name} was removed, and with it ${labels}`, { operation: labels });
    }
  }
  for (const op of newOps) {
    if (!oldKeys.has(op.key)) emit(op.webhook ? 'webhook-added' : 'operation-added', op.node, `${op.label} was added`, { operation: op.label });
  }
  return changes;
}

function compareOperation(docs: Documents, before: Operation, after: Operation, changes: Change[]): void {
  const op = after.label;
  const emit = (kind: ChangeKind, node: Node, part: string, text: string): void => {
    changes.push(change(kind, { operation: op, part, location: loc(node), message: `${op}: ${part} ${text}` }));
  };
  const schemas = (side: Side, part: string, o: Node, n: Node): void => {
    compareSchemas({ docs, side, operation: op, part, emit: (c) => changes.push(c) }, o, n);
  };
  // For a webhook the provider sends the request and the receiver answers: directions flip.
  const writes: Side = after.webhook ? 'response' : 'request';
  const reads: Side = after.webhook ? 'request' : 'response';

  // -- parameters ---------------------------------------------------------------------------------
  for (const [key, p] of after.parameters) {
    const q = before.parameters.get(key);
    const required = (node: Node | undefined): boolean => isObject(node?.value) && (node.value.required === true || node.value.in === 'path');
    const part = parameterPart(p);
    if (writes === 'request') {
      if (required(p) && !required(q) && !key.startsWith('path ')) emit('parameter-required', p, part, q ? 'became required' : 'was added as required');
      else if (!q) emit('parameter-added', p, part, 'was added (optional)');
      else if (required(q) && !required(p)) emit('parameter-optional', p, part, 'became optional');
    }
    if (q) schemas(writes, part, docs.child(q, 'schema'), docs.child(p, 'schema'));
  }
  for (const [key, q] of before.parameters) {
    if (after.parameters.has(key)) continue;
    const part = parameterPart(q);
    if (writes === 'response') emit('response-header-removed', q, part, 'is no longer sent');
    else emit('parameter-removed', q, part, 'is no longer declared');
  }

  // -- request body -------------------------------------------------------------------------------
  const oldBody = docs.deref(docs.child(before.node, 'requestBody'));
  const newBody = docs.deref(docs.child(after.node, 'requestBody'));
  const bodyRequired = (b: Node): boolean => isObject(b.value) && b.value.required === true;
  if (writes === 'request') {
    if (bodyRequired(newBody) && !bodyRequired(oldBody)) emit('request-body-required', newBody, 'request body', oldBody.value === undefined ? 'was added as required' : 'became required');
    else if (bodyRequired(oldBody) && !bodyRequired(newBody) && newBody.value !== undefined) emit('request-body-optional', newBody, 'request body', 'became optional');
  }
  compareContent(docs, op, writes, after.webhook ? 'payload' : 'request body', oldBody, newBody, changes);

  // -- responses ----------------------------------------------------------------------------------
  const oldResponses = docs.child(before.node, 'responses');
  const newResponses = docs.child(after.node, 'responses');
  const oldStatuses = isObject(oldResponses.value) ? Object.keys(oldResponses.value) : [];
  const newStatuses = isObject(newResponses.value) ? Object.keys(newResponses.value) : [];
  for (const status of oldStatuses) {
    const o = docs.deref(docs.child(oldResponses, status));
    if (!newStatuses.includes(status)) {
      emit('status-removed', o, `response ${status}`, 'was removed');
      continue;
    }
    const n = docs.deref(docs.child(newResponses, status));
    const oldHeaders = docs.child(o, 'headers');
    const newHeaders = docs.child(n, 'headers');
    const lower = (node: Node): Map<string, string> => new Map(isObject(node.value) ? Object.keys(node.value).map((h) => [h.toLowerCase(), h]) : []);
    const oh = lower(oldHeaders);
    const nh = lower(newHeaders);
    for (const [name, original] of oh) {
      const part = `response ${status} header ${original}`;
      const newName = nh.get(name);
      if (newName === undefined) {
        emit(reads === 'response' ? 'response-header-removed' : 'parameter-removed', docs.child(oldHeaders, original), part, 'was removed');
        continue;
      }
      const oldHeader = docs.deref(docs.child(oldHeaders, original));
      const newHeader = docs.deref(docs.child(newHeaders, newName));
      schemas(reads, part, docs.child(oldHeader, 'schema'), docs.child(newHeader, 'schema'));
    }
    for (const [name, original] of nh) if (!oh.has(name)) emit('response-header-added', docs.child(newHeaders, original), `response ${status} header ${original}`, 'was added');
    compareContent(docs, op, reads, `response ${status} body`, o, n, changes);
  }
  for (const status of newStatuses) if (!oldStatuses.includes(status)) emit('status-added', docs.child(newResponses, status), `response ${status}`, 'was added');
}

/** Media types of a request body or response, and their schemas. */
function compareContent(docs: Documents, op: string, side: Side, part: string, before: Node, after: Node, changes: Change[]): void {
  const oldContent = docs.child(before, 'content');
  const newContent = docs.child(after, 'content');
  const oldTypes = isObject(oldContent.value) ? Object.keys(oldContent.value) : [];
  const newTypes = isObject(newContent.value) ? Object.keys(newContent.value) : [];
  const single = oldTypes.length <= 1 && newTypes.length <= 1;
  for (const media of oldTypes) {
    const o = docs.deref(docs.child(oldContent, media));
    if (!newTypes.includes(media)) {
      if (side === 'request' && after.value === undefined) {
        changes.push(change('request-body-removed', { operation: op, part, location: loc(before), message: `${op}: ${part} was removed (a body sent anyway is not part of the contract)` }));
        return;
      }
      const kind: ChangeKind = side === 'request' ? 'request-media-type-removed' : 'response-media-type-removed';
      changes.push(change(kind, { operation: op, part, location: loc(o), message: `${op}: ${part} is no longer ${media}` }));
      continue;
    }
    const n = docs.deref(docs.child(newContent, media));
    const label = single ? part : `${part} (${media})`;
    compareSchemas({ docs, side, operation: op, part: label, emit: (c) => changes.push(c) }, docs.child(o, 'schema'), docs.child(n, 'schema'));
  }
  for (const media of newTypes) {
    if (oldTypes.includes(media) || oldTypes.length === 0) continue;
    const kind: ChangeKind = side === 'request' ? 'request-media-type-added' : 'response-media-type-added';
    changes.push(change(kind, { operation: op, part, location: loc(docs.child(newContent, media)), message: `${op}: ${part} may now also be ${media}` }));
  }
}
