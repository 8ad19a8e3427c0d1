// Compares two versions of one JSON Schema (a request body, a response body, a parameter, an
// event) field by field, following `$ref`s and merging `allOf`, and says which changes break whom.
import { change, type Change, type ChangeKind } from './changes.ts';
import { isObject, type Documents, type Node } from './documents.ts';

/** Who writes the data the schema describes: see changes.ts. */
export type Side = 'request' | 'response' | 'event';

export interface SchemaContext {
  docs: Documents;
  side: Side;
  /** `POST /sales-orders (bookSalesOrder)`; absent for an event schema. */
  operation?: string;
  /** `request body`, `response 200 body`, `query parameter limit`, `event`. */
  part: string;
  emit: (c: Change) => void;
}

/** What one schema allows, with `allOf` merged. */
interface Shape {
  node: Node;
  /** undefined: any type. */
  types?: Set<string>;
  /** JSON text of each allowed value; undefined: not an enumeration. */
  values?: Set<string>;
  properties: Map<string, Node>;
  required: Set<string>;
  /** `additionalProperties: false` (or `unevaluatedProperties: false`): undeclared fields are rejected. */
  closed: boolean;
  items?: Node;
  /** `additionalProperties` as a schema: the values of a map. */
  mapValues?: Node;
  variants?: { keyword: 'oneOf' | 'anyOf'; nodes: Node[] };
}

function shapeOf(docs: Documents, node: Node, depth = 0): Shape {
  const shape: Shape = { node, properties: new Map(), required: new Set(), closed: false };
  const s = node.value;
  if (!isObject(s)) return shape;
  if (typeof s.type === 'string') shape.types = new Set([s.type]);
  else if (Array.isArray(s.type)) shape.types = new Set(s.type.map(String));
  if (shape.types && s.nullable === true) shape.types.add('null'); // OpenAPI 3.0
  if (Array.isArray(s.enum)) shape.values = new Set(s.enum.map((v) => JSON.stringify(v)));
  if ('const' in s) shape.values = new Set([JSON.stringify(s.const)]);
  if (isObject(s.properties)) for (const name of Object.keys(s.properties)) shape.properties.set(name, docs.child(node, 'properties', name));
  if (Array.isArray(s.required)) for (const name of s.required) shape.required.add(String(name));
  shape.closed = s.additionalProperties === false || s.unevaluatedProperties === false;
  if (s.items !== undefined && typeof s.items !== 'boolean') shape.items = docs.child(node, 'items');
  if (isObject(s.additionalProperties)) shape.mapValues = docs.child(node, 'additionalProperties');
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    const list = s[keyword];
    if (Array.isArray(list)) shape.variants = { keyword, nodes: list.map((_, i) => docs.child(node, keyword, i)) };
  }
  if (Array.isArray(s.allOf) && depth < 16) {
    s.allOf.forEach((_, i) => {
      const part = shapeOf(docs, docs.deref(docs.child(node, 'allOf', i)), depth + 1);
      if (part.types) shape.types = shape.types ? new Set([...shape.types].filter((t) => allows(part.types!, t))) : part.types;
      if (part.values) shape.values = shape.values ? new Set([...shape.values].filter((v) => part.values!.has(v))) : part.values;
      for (const [name, prop] of part.properties) if (!shape.properties.has(name)) shape.properties.set(name, prop);
      for (const name of part.required) shape.required.add(name);
      shape.closed ||= part.closed;
      shape.items ??= part.items;
      shape.mapValues ??= part.mapValues;
      shape.variants ??= part.variants;
    });
  }
  return shape;
}

/** Does a set of JSON types allow type `t`? (`number` allows `integer`.) */
function allows(types: Set<string> | undefined, t: string): boolean {
  return types === undefined || types.has(t) || (t === 'integer' && types.has('number'));
}

/** Is every value of `a` allowed by `b`? */
function within(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (b === undefined) return true;
  if (a === undefined) return false;
  return [...a].every((t) => allows(b, t));
}

const typeLabel = (types: Set<string> | undefined): string => (types === undefined ? 'any type' : [...types].join(' or '));
const valuesLabel = (values: Iterable<string>): string => [...values].join(', ');

/** Compares two versions of a schema and emits a Change for every difference it classifies. */
export function compareSchemas(ctx: SchemaContext, oldNode: Node, newNode: Node, field = '', ancestors: ReadonlySet<string> = new Set()): void {
  const { docs, side } = ctx;
  const o = docs.deref(oldNode);
  const n = docs.deref(newNode);
  const key = `${o.source.file}#${o.pointer}|${n.source.file}#${n.pointer}`;
  if (ancestors.has(key)) return; // a recursive schema: this pair is already being compared above
  const seen = new Set(ancestors).add(key);
  if (!isObject(o.value) || !isObject(n.value)) return; // boolean schemas: nothing field-level to say

  const before = shapeOf(docs, o);
  const after = shapeOf(docs, n);
  const emit = (kind: ChangeKind, where: Node, text: string, at = field): void => {
    const subject = `${ctx.part}${at ? ` field ${at}` : ''}`;
    ctx.emit(
      change(kind, {
        ...(ctx.operation ? { operation: ctx.operation } : {}),
        part: ctx.part,
        ...(at ? { field: at } : {}),
        location: { file: where.source.file, pointer: `#${where.pointer}`, ...lineOf(where) },
        message: `${ctx.operation ? `${ctx.operation}: ` : ''}${subject} ${text}`,
      }),
    );
  };

  // -- type ---------------------------------------------------------------------------------------
  const typesEqual = within(before.types, after.types) && within(after.types, before.types);
  if (!typesEqual) {
    const text = `changed type from ${typeLabel(before.types)} to ${typeLabel(after.types)}`;
    const compatible = side === 'request' ? within(before.types, after.types) : side === 'response' ? within(after.types, before.types) : false;
    if (side === 'event') emit('event-type-changed', n, text);
    else emit(compatible ? 'type-widened' : 'type-changed', n, text);
    const structured = (t: string): boolean => allows(before.types, t) && allows(after.types, t);
    if (!structured('object') && !structured('array')) return; // nothing comparable underneath
  }

  // -- enum / const -------------------------------------------------------------------------------
  if (before.values || after.values) {
    const removed = before.values ? [...before.values].filter((v) => !after.values || !after.values.has(v)) : [];
    const added = after.values ? [...after.values].filter((v) => !before.values || !before.values.has(v)) : [];
    const narrowed = before.values === undefined ? `is now restricted to ${valuesLabel(after.values!)}` : `no longer allows ${valuesLabel(removed)}`;
    const widened = after.values === undefined ? 'is no longer restricted to a list of values' : `now allows ${valuesLabel(added)}`;
    const isNarrowed = before.values === undefined || removed.length > 0;
    const isWidened = after.values === undefined || added.length > 0;
    if (isNarrowed) emit(side === 'request' ? 'request-enum-narrowed' : side === 'response' ? 'response-enum-narrowed' : 'event-enum-narrowed', n, narrowed);
    if (isWidened) emit(side === 'request' ? 'request-enum-widened' : side === 'response' ? 'response-enum-widened' : 'event-enum-widened', n, widened);
  }

  // -- properties ---------------------------------------------------------------------------------
  const names = new Set([...before.properties.keys(), ...before.required, ...after.properties.keys(), ...after.required]);
  for (const name of names) {
    const sub = `${field}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const wasDeclared = before.properties.has(name) || before.required.has(name);
    const isDeclared = after.properties.has(name) || after.required.has(name);
    const wasRequired = before.required.has(name);
    const isRequired = after.required.has(name);
    const oldProp = before.properties.get(name);
    const newProp = after.properties.get(name);
    if (wasDeclared && !isDeclared) {
      const where = oldProp ?? o;
      if (side === 'response') emit('response-field-removed', where, 'was removed', sub);
      else if (side === 'event') emit('event-field-removed', where, 'was removed', sub);
      else if (after.closed) emit('request-field-removed', where, 'was removed, and the schema rejects undeclared fields', sub);
      else emit('request-field-undeclared', where, 'is no longer declared (undeclared fields are still accepted)', sub);
      continue;
    }
    const where = newProp ?? n;
    if (!wasDeclared && isDeclared) {
      if (isRequired) {
        if (side === 'request') emit('request-field-required', where, 'was added as required', sub);
        else if (side === 'event') emit('event-field-required', where, 'was added as required', sub);
        else emit('response-field-added', where, 'was added (always present)', sub);
      } else {
        emit(side === 'request' ? 'request-field-added' : side === 'event' ? 'event-field-added' : 'response-field-added', where, 'was added (optional)', sub);
      }
      continue;
    }
    if (!wasRequired && isRequired) {
      emit(side === 'request' ? 'request-field-required' : side === 'event' ? 'event-field-required' : 'response-field-required', where, 'became required', sub);
    } else if (wasRequired && !isRequired) {
      emit(side === 'request' ? 'request-field-optional' : side === 'event' ? 'event-field-optional' : 'response-field-optional', where, 'became optional', sub);
    }
    if (oldProp && newProp) compareSchemas(ctx, oldProp, newProp, sub, seen);
  }

  // -- arrays, maps, variants ---------------------------------------------------------------------
  if (before.items && after.items) compareSchemas(ctx, before.items, after.items, `${field}/*`, seen);
  if (before.mapValues && after.mapValues) compareSchemas(ctx, before.mapValues, after.mapValues, `${field}/*`, seen);
  const bv = before.variants;
  const av = after.variants;
  if (bv && av && bv.keyword === av.keyword && bv.nodes.length === av.nodes.length) {
    bv.nodes.forEach((node, i) => compareSchemas(ctx, node, av.nodes[i]!, field, seen));
  } else if (bv || av) {
    const count = (v: Shape['variants']): string => (v ? `${v.nodes.length} ${v.keyword} variants` : 'no variants');
    if (count(bv) !== count(av)) emit('variants-changed', n, `went from ${count(bv)} to ${count(av)}`);
  }
}

function lineOf(node: Node): { line?: number } {
  const line = node.source.lines.line(node.pointer);
  return line === undefined ? {} : { line };
}
