import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';

/**
 * A YAML or JSON file read with source positions, so every problem found in it (a syntax error, a
 * JSON Schema violation, a semantic check) can be reported as `file:line:col: message`. JSON is
 * read by the same parser (YAML 1.2 is a superset of JSON), so both get the same positions.
 *
 *   const source = readSource('plan.yaml');
 *   if (source.problems.length) throw …;               // syntax errors, already located
 *   const where = source.locate('/faults/2/probability'); // { line, col } of that value
 */

/** A 1-based position in a file. */
export interface Position {
  line: number;
  col: number;
}

/** One problem with a file, located at the node it concerns. */
export interface LocatedProblem extends Position {
  file: string;
  /** JSON pointer of the node in the document (`''` for the whole document). */
  pointer: string;
  message: string;
}

export interface SourceDocument {
  file: string;
  text: string;
  /** The parsed value (plain JS: objects, arrays, strings, numbers, booleans, null). */
  value: unknown;
  /** Syntax problems (bad indentation, unterminated flow, duplicate keys): empty when it parsed. */
  problems: LocatedProblem[];
  /**
   * Where the node at `pointer` starts. `at: 'key'` gives the key of an object member instead of
   * its value (for "unknown field" problems). A pointer past the end of the document (a missing
   * member) gives the position of the deepest node that exists, so a "missing field" problem
   * points at the object that lacks it.
   */
  locate(pointer: string, at?: 'key' | 'value'): Position;
  /** A problem at `pointer`, located. */
  problem(pointer: string, message: string, at?: 'key' | 'value'): LocatedProblem;
}

/** Parses `text` (YAML or JSON) keeping positions; `file` is only used in the problems. */
export function parseSource(text: string, file: string): SourceDocument {
  const lineCounter = new LineCounter();
  // `merge`: `<<: *defaults` merges a mapping, as most YAML users expect (YAML 1.1's merge key).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false, merge: true });
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  // After the first syntax error the parser is lost and reports its consequences (one bad indent
  // gave 14 lines, one tab 27): keep the first, every duplicate key and every unclosed [ or {
  // (each of those is real).
  const real = (e: (typeof doc.errors)[number]) => e.code === 'DUPLICATE_KEY' || /end with an? [\]}]/.test(e.message);
  const firstSyntax = doc.errors.find((e) => !real(e));
  const kept = doc.errors.filter((e) => e === firstSyntax || real(e));
  const dropped = doc.errors.length - kept.length;
  const problems: LocatedProblem[] = kept.map((error) => {
    const message = yamlMessage(error.code, error.message, /\.json$/i.test(file) ? 'JSON' : 'YAML') + (error === firstSyntax && dropped > 0 ? ` (${dropped} more problem${dropped === 1 ? '' : 's'} after it, most likely caused by it: fix this one first)` : '');
    // The parser notices an unclosed [ or { where the file (or the block) ends: point at the opener.
    const close = /end with an? ([\]}])/.exec(error.message)?.[1] as ']' | '}' | undefined;
    const opener = close ? unclosedOpener(text, error.pos[0], close) : -1;
    if (opener < 0) return { file, pointer: '', ...position(error.pos[0]), message };
    return { file, pointer: '', ...position(opener), message: `${message} (the ${close === ']' ? '[' : '{'} here is never closed)` };
  });
  let value: unknown = undefined;
  if (problems.length === 0) {
    const aliasAt = (): Position => position(firstAliasOffset(doc));
    try {
      value = doc.toJS({ maxAliasCount: 100 });
      if (isCyclic(value)) {
        problems.push({ file, pointer: '', ...aliasAt(), message: 'an alias refers to a node that contains it, so the document never ends; write the value out' });
        value = undefined;
      }
    } catch (error) {
      // The yaml library's guard against alias bombs (an alias expanding to too many nodes).
      problems.push({ file, pointer: '', ...aliasAt(), message: `aliases expand to too many nodes (${(error as Error).message.toLowerCase()}); write the values out` });
    }
  }
  const locate = (pointer: string, at: 'key' | 'value' = 'value'): Position => position(offsetOf(doc, pointer, at));
  return {
    file,
    text,
    value: value === undefined ? null : value,
    problems,
    locate,
    problem: (pointer, message, at = 'value') => ({ file, pointer, ...locate(pointer, at), message }),
  };
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/** Whether a parsed value contains itself (a YAML alias inside its own anchor). */
function isCyclic(value: unknown, path = new Set<object>()): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (path.has(value)) return true;
  path.add(value);
  for (const child of Array.isArray(value) ? value : Object.values(value)) if (isCyclic(child, path)) return true;
  path.delete(value);
  return false;
}

/** Reads and parses a file; a missing or unreadable file is one located problem (line 1). */
export function readSource(file: string): SourceDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a YAML or JSON file' : (error as Error).message;
    const source = parseSource('', file);
    source.problems.push({ file, pointer: '', line: 1, col: 1, message: reason });
    return source;
  }
  return parseSource(text, file);
}

/** `file:line:col: message`, the one way located problems are printed. */
export function formatProblem(problem: LocatedProblem): string {
  return `${problem.file}:${problem.line}:${problem.col}: ${problem.message}`;
}

/** Problems sorted by position (then message), each formatted, one per line. */
export function formatProblems(problems: readonly LocatedProblem[]): string {
  return sortProblems(problems).map(formatProblem).join('\n');
}

export function sortProblems(problems: readonly LocatedProblem[]): LocatedProblem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.message.localeCompare(b.message));
}

/** Splits a JSON pointer (`/faults/0/target`) into its unescaped tokens. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Builds a JSON pointer from tokens. */
export function toPointer(tokens: ReadonlyArray<string | number>): string {
  return tokens.map((t) => `/${String(t).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** A pointer as a readable path: `/faults/2/probability` → `faults[2].probability`. */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const token of pointerTokens(pointer)) {
    if (/^\d+$/.test(token)) out += `[${token}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(token)) out += out === '' ? token : `.${token}`;
    else out += `[${JSON.stringify(token)}]`;
  }
  return out;
}

function offsetOf(doc: Document, pointer: string, at: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  const tokens = pointerTokens(pointer);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const last = i === tokens.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === token);
      if (!pair) return offset;
      if (last && at === 'key') return rangeStart(pair.key) ?? offset;
      // A key with no value (`kind:`) points at its key.
      node = pair.value ?? pair.key;
    } else if (isSeq(node)) {
      const item = /^\d+$/.test(token) ? node.items[Number(token)] : undefined;
      if (item === undefined) return offset;
      node = item;
    } else {
      return offset;
    }
    offset = rangeStart(node) ?? offset;
  }
  return offset;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** `language`: what the file claims to be (a .json file is read by the same YAML 1.2 parser). */
/** The offset of the `[` or `{` that `close` would end, searching back from `before`; -1 if none. */
function unclosedOpener(text: string, before: number, close: ']' | '}'): number {
  const open = close === ']' ? '[' : '{';
  let depth = 0;
  for (let i = Math.min(before, text.length) - 1; i >= 0; i--) {
    const c = text[i];
    if (c === close) depth++;
    else if (c === open && depth-- === 0) return i;
  }
  return -1;
}

function yamlMessage(code: string, message: string, language: 'JSON' | 'YAML'): string {
  // The library's message ends with "at line L, column C" (we print the position ourselves).
  const text = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
  if (code === 'DUPLICATE_KEY') return `duplicate key: a ${language === 'JSON' ? 'JSON object' : 'YAML mapping'} cannot repeat a key`;
  if (code === 'MULTIPLE_DOCS') return `a second document starts here (after \`---\`): a file holds one scenario or plan; put the next one in a file of its own`;
  // The library speaks YAML; a JSON file's reader knows objects and arrays.
  const said = language === 'JSON' ? text.replace(/ in block collection must be sufficiently indented and end/gi, ' must end').replace(/flow map/gi, 'object').replace(/flow sequence/gi, 'array') : text;
  return `invalid ${language}: ${said.charAt(0).toLowerCase()}${said.slice(1)}`;
}
