// The canonical event schemas (contracts/events/schemas/*.json): read, checked for the conventions
// every event follows, and compiled with ajv in strict mode.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { AnySchemaObject } from 'ajv';
import { addEventSchemas, createEventAjv } from './ajv.ts';
import { type Layout, commonSchemaFile, listEventSchemaSources, rel } from './layout.ts';
import { type Position, type Problem, SourcePositions, formatProblem, toPointer } from './problems.ts';

export const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
export const EVENT_ID_BASE = 'https://faultline.dev/contracts/events/schemas/';
/** CloudEvents required attributes plus the ones every canonical event carries. */
const ENVELOPE = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'data'];

export function cloudEventType(eventType: string): string {
  return `dev.faultline.${eventType}.v1`;
}

export interface SchemaFile {
  /** Event type, or `common` for the shared definitions. */
  type: string;
  file: string;
  text: string;
  positions: SourcePositions;
  schema: AnySchemaObject | undefined;
}

function readSchemaFile(type: string, file: string): SchemaFile | { file: string; error: Position & { message: string } } {
  const text = readFileSync(file, 'utf8');
  const positions = new SourcePositions(text);
  try {
    return { type, file, text, positions, schema: JSON.parse(text) as AnySchemaObject };
  } catch (err) {
    const message = (err as Error).message;
    const offset = /at position (\d+)/.exec(message)?.[1];
    const at = offset === undefined ? positions.atOffset(Math.max(0, text.length - 1)) : positions.atOffset(Number(offset));
    return { file, error: { ...at, message: `JSON syntax: ${message.replace(/ in JSON at position \d+.*$/, '')}` } };
  }
}

export interface EventSchemaSet {
  files: SchemaFile[];
  problems: Problem[];
}

/** Reads common.json and every event schema; syntax errors become problems. */
export function readEventSchemas(layout: Layout): EventSchemaSet {
  const problems: Problem[] = [];
  const files: SchemaFile[] = [];
  const sources = [{ type: 'common', file: commonSchemaFile(layout) }, ...listEventSchemaSources(layout)];
  for (const { type, file } of sources) {
    let read;
    try {
      read = readSchemaFile(type, file);
    } catch (err) {
      if (type === 'common' && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if ('error' in read) {
      problems.push({ file: rel(layout, file), line: read.error.line, col: read.error.col, message: read.error.message, rule: 'json-syntax', severity: 'error' });
    } else {
      files.push(read);
    }
  }
  return { files, problems };
}

function conventions(layout: Layout, f: SchemaFile): Problem[] {
  const problems: Problem[] = [];
  const schema = f.schema ?? {};
  const add = (pointer: string, message: string, rule: string, on: 'key' | 'value' = 'value'): void => {
    const at = f.positions.locate(pointer, on);
    problems.push({ file: rel(layout, f.file), ...at, message, rule, severity: 'error' });
  };
  if (schema.$schema !== DIALECT) add('/$schema', `"$schema" must be "${DIALECT}"`, 'schema-dialect');
  const expectedId = EVENT_ID_BASE + basename(f.file);
  if (schema.$id !== expectedId) add('/$id', `"$id" must be "${expectedId}" (base + file name)`, 'schema-id');
  for (const key of ['title', 'description']) {
    if (typeof schema[key] !== 'string' || schema[key] === '') add('', `"${key}" is required: a short name and what the event means`, 'schema-metadata');
  }
  if (f.type === 'common') return problems;

  if (!Array.isArray(schema.examples) || schema.examples.length === 0) {
    add('', 'an event schema needs at least one realistic entry in "examples"', 'schema-examples');
  }
  const required: unknown = schema.required;
  const missing = ENVELOPE.filter((k) => !Array.isArray(required) || !required.includes(k));
  if (missing.length > 0) add('/required', `the CloudEvents envelope must require ${missing.map((m) => `"${m}"`).join(', ')}`, 'cloudevents-envelope');
  const typeConst = (schema.properties as Record<string, { const?: unknown }> | undefined)?.type?.const;
  if (typeConst !== cloudEventType(f.type)) {
    add(toPointer(['properties', 'type']), `"type" must be const "${cloudEventType(f.type)}" (from the file name)`, 'event-type');
  }
  return problems;
}

/**
 * Turns an ajv compile error into a position: the $ref or keyword it names, searched in the schema
 * being compiled and then in the others (a bad keyword in common.json surfaces while compiling an
 * event that uses it); 1:1 of the compiled file if it is nowhere.
 */
function compileProblem(layout: Layout, f: SchemaFile, all: readonly SchemaFile[], err: unknown): Problem {
  const message = (err as Error).message.split('\n')[0] ?? String(err);
  const ref = /can't resolve reference (\S+) from id/.exec(message)?.[1];
  const token = ref ?? /"([^"]+)"/.exec(message)?.[1];
  const rule = ref ? 'ajv-ref' : 'ajv-strict';
  for (const candidate of [f, ...all.filter((o) => o !== f)]) {
    const at = token ? candidate.positions.findToken(token) : undefined;
    if (at) return { file: rel(layout, candidate.file), ...at, message, rule, severity: 'error' };
  }
  return { file: rel(layout, f.file), line: 1, col: 1, message, rule, severity: 'error' };
}

/** Conventions, meta-schema validation and strict compilation of every event schema. */
export function lintEventSchemas(layout: Layout, set: EventSchemaSet = readEventSchemas(layout)): Problem[] {
  const problems = [...set.problems];
  const ajv = createEventAjv();
  const valid: SchemaFile[] = [];
  for (const f of set.files) {
    problems.push(...conventions(layout, f));
    if (!ajv.validateSchema(f.schema ?? {})) {
      for (const e of ajv.errors ?? []) {
        const at = f.positions.locate(e.instancePath);
        problems.push({ file: rel(layout, f.file), ...at, message: `not a valid JSON Schema: ${e.instancePath || '(root)'} ${e.message ?? ''}`, rule: 'json-schema', severity: 'error' });
      }
      continue;
    }
    valid.push(f);
  }
  try {
    addEventSchemas(ajv, valid.map((f) => f.schema ?? {}));
  } catch (err) {
    problems.push({ file: rel(layout, layout.schemasDir), line: 1, col: 1, message: (err as Error).message, rule: 'ajv-strict', severity: 'error' });
    return problems;
  }
  // Shared definitions one by one first, so their errors are reported once, against common.json.
  const targets: [SchemaFile, string][] = [];
  for (const f of valid) {
    const id = String(f.schema?.$id);
    if (f.type === 'common') for (const def of Object.keys((f.schema?.$defs as object | undefined) ?? {})) targets.push([f, `${id}#/$defs/${def}`]);
    else targets.push([f, id]);
  }
  const seen = new Set<string>();
  for (const [f, ref] of targets) {
    try {
      ajv.getSchema(ref);
    } catch (err) {
      const problem = compileProblem(layout, f, valid, err);
      const key = formatProblem(problem);
      if (!seen.has(key)) problems.push(problem);
      seen.add(key);
    }
  }
  return problems;
}
