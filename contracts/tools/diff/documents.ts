// Reading the two versions to compare: YAML or JSON, OpenAPI 3.x or JSON Schema, with `$ref`s
// followed inside a document and into sibling files (`common.json#/$defs/Money`).
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, YAMLParseError, isMap, isNode, isScalar, isSeq, parse, parseDocument } from 'yaml';

/** Bad input: one sentence naming the file. The CLI turns it into exit code 2. */
export class DiffInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiffInputError';
  }
}

export type DocumentKind = 'openapi' | 'json-schema';

export interface SourceFile {
  /** As the user named it (relative paths stay relative in messages). */
  file: string;
  root: unknown;
  /** Line numbers of pointers, for messages. */
  lines: LineIndex;
}

/** A node of a document: where it is, and its value. */
export interface Node {
  source: SourceFile;
  /** JSON pointer inside `source` (`''` is the root). */
  pointer: string;
  value: unknown;
}

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export const token = (s: string | number): string => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1');

/** Reads and parses files once each; resolves references between them. */
export class Documents {
  private readonly files = new Map<string, SourceFile>();

  /** Reads a document; DiffInputError for a missing or unparsable file. */
  read(file: string): SourceFile {
    const key = resolve(file);
    const known = this.files.get(key);
    if (known) return known;
    let text: string;
    try {
      if (statSync(file).isDirectory()) throw new DiffInputError(`${file} is a directory, not a contract file`);
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (error instanceof DiffInputError) throw error;
      const code = (error as { code?: string }).code;
      throw new DiffInputError(code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read (${code ?? (error as Error).message})`);
    }
    let root: unknown;
    try {
      root = parse(text, { prettyErrors: true, uniqueKeys: true });
    } catch (error) {
      if (error instanceof YAMLParseError) {
        const at = error.linePos?.[0];
        const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        throw new DiffInputError(`${file}${at ? `:${at.line}:${at.col}` : ''}: cannot be parsed as YAML or JSON: ${reason}`);
      }
      throw new DiffInputError(`${file}: cannot be parsed as YAML or JSON: ${(error as Error).message}`);
    }
    const source: SourceFile = { file, root, lines: new LineIndex(text) };
    this.files.set(key, source);
    return source;
  }

  /** The node a `$ref` points to, relative to the node that holds it. */
  private target(from: Node, ref: string): Node {
    const hash = ref.indexOf('#');
    const filePart = hash === -1 ? ref : ref.slice(0, hash);
    const fragment = hash === -1 ? '' : decodeURIComponent(ref.slice(hash + 1));
    if (/^[a-z][a-z0-9+.-]*:/i.test(filePart)) {
      throw new DiffInputError(`${from.source.file}: $ref "${ref}" at #${from.pointer} points outside the local files; only local references are followed`);
    }
    const source = filePart === '' ? from.source : this.read(join(dirname(from.source.file), filePart));
    if (fragment !== '' && !fragment.startsWith('/')) {
      throw new DiffInputError(`${from.source.file}: $ref "${ref}" at #${from.pointer} is not a JSON pointer; anchors are not supported`);
    }
    const value = at(source.root, fragment);
    if (value === undefined) throw new DiffInputError(`${from.source.file}: $ref "${ref}" at #${from.pointer} points to nothing`);
    return { source, pointer: fragment, value };
  }

  /** Follows `$ref`s until a node that is not a reference. */
  deref(node: Node): Node {
    let current = node;
    for (let i = 0; i < 32 && isObject(current.value) && typeof current.value.$ref === 'string'; i++) {
      current = this.target(current, current.value.$ref);
    }
    return current;
  }

  /** A child of a node (no deref). */
  child(node: Node, ...keys: (string | number)[]): Node {
    let value: unknown = node.value;
    let pointer = node.pointer;
    for (const k of keys) {
      value = isObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[k] : undefined;
      pointer += token(k);
    }
    return { source: node.source, pointer, value };
  }
}

/** The value at a JSON pointer, or undefined. */
export function at(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[raw.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node;
}

/** What kind of document this is; DiffInputError if it is neither OpenAPI 3.x nor a JSON Schema. */
export function kindOf(source: SourceFile): DocumentKind {
  const root = source.root;
  if (!isObject(root)) throw new DiffInputError(`${source.file} is not an OpenAPI document or a JSON Schema (its top level is not an object)`);
  if (typeof root.swagger === 'string') throw new DiffInputError(`${source.file} is Swagger ${root.swagger}; only OpenAPI 3.x documents are compared`);
  if (typeof root.asyncapi === 'string') {
    throw new DiffInputError(`${source.file} is an AsyncAPI document; compare the event JSON Schemas it references instead (contracts/events/schemas/*.json)`);
  }
  if ('openapi' in root) {
    if (typeof root.openapi === 'string' && /^3\.\d+/.test(root.openapi)) return 'openapi';
    throw new DiffInputError(`${source.file} declares openapi: ${JSON.stringify(root.openapi)}; only OpenAPI 3.x documents are compared`);
  }
  const schemaWords = ['$schema', 'type', 'properties', '$defs', 'definitions', '$ref', 'allOf', 'oneOf', 'anyOf', 'enum', 'const', 'items'];
  if (schemaWords.some((w) => w in root)) return 'json-schema';
  throw new DiffInputError(`${source.file} is neither an OpenAPI 3.x document (no "openapi" field) nor a JSON Schema (no "$schema", "type" or "properties")`);
}

/** Line numbers of JSON pointers in one file (YAML and JSON alike), parsed lazily and once. */
export class LineIndex {
  private parsed: { root: unknown; lines: LineCounter } | undefined;

  constructor(private readonly text: string) {}

  /** 1-based line of the node at `pointer` (of its key, for a map entry), or undefined. */
  line(pointer: string): number | undefined {
    if (!this.parsed) {
      const lines = new LineCounter();
      this.parsed = { root: parseDocument(this.text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false }).contents, lines };
    }
    let node = this.parsed.root;
    let offset = isNode(node) ? node.range?.[0] : undefined;
    for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
      const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      if (isSeq(node)) {
        node = node.items[Number(key)];
        offset = isNode(node) ? node.range?.[0] : undefined;
      } else if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
        node = pair?.value;
        offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
      } else {
        return undefined;
      }
      if (offset === undefined) return undefined;
    }
    return offset === undefined ? undefined : this.parsed.lines.linePos(offset).line;
  }
}
