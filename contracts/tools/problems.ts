// Problems found in contract files, and where they are: `file:line:col: message (rule)`.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Node } from 'yaml';

export type Severity = 'error' | 'warning';

export interface Problem {
  /** Path relative to the tool's root directory, e.g. `contracts/openapi/erp.yaml`. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  message: string;
  /** Which check found it, e.g. `struct` (redocly), `asyncapi-document-resolved`, `ajv-strict`, `example-valid`. */
  rule: string;
  severity: Severity;
}

export interface Position {
  line: number;
  col: number;
}

export function formatProblem(p: Problem): string {
  const where = `${p.file}:${p.line}:${p.col}`;
  return p.severity === 'error' ? `${where}: ${p.message} (${p.rule})` : `${where}: warning: ${p.message} (${p.rule})`;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Sorts by file, line, column, so output does not depend on the order checks ran in. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
}

/** RFC 6901: `['paths', '/v1/orders', 'post']` becomes `/paths/~1v1~1orders/post`. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

export function fromPointer(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  const body = pointer.startsWith('#') ? decodeURIComponent(pointer.slice(1)) : pointer;
  if (!body.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return body.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * Positions inside one YAML or JSON text (JSON is parsed as YAML, which keeps node ranges).
 * Parsed lazily and once, because a file may need many lookups.
 */
export class SourcePositions {
  readonly #text: string;
  #parsed: { root: Node | null; lines: LineCounter } | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  #doc(): { root: Node | null; lines: LineCounter } {
    if (!this.#parsed) {
      const lines = new LineCounter();
      const doc = parseDocument(this.#text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
      this.#parsed = { root: doc.contents as Node | null, lines };
    }
    return this.#parsed;
  }

  #at(offset: number): Position {
    const { line, col } = this.#doc().lines.linePos(offset);
    return { line, col };
  }

  /**
   * Where the node at `pointer` is. With `on: 'key'` the position of its key in the parent map
   * (where an "unexpected property" belongs). If the pointer leaves the text (say it points into a
   * part that came from another file), the deepest node found on the way; 1:1 if none.
   */
  locate(pointer: string, on: 'key' | 'value' = 'value'): Position {
    let node: Node | null = this.#doc().root;
    let keyNode: Node | null = null;
    let best: Position = { line: 1, col: 1 };
    if (node?.range) best = this.#at(node.range[0]);
    for (const segment of fromPointer(pointer)) {
      let next: Node | null = null;
      keyNode = null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
        if (pair) {
          keyNode = pair.key as Node;
          next = (pair.value as Node | null) ?? null;
        }
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        next = (item as Node | undefined) ?? null;
      }
      if (!next && !keyNode) return best;
      node = next;
      const anchor = next?.range ? next : keyNode;
      if (anchor?.range) best = this.#at(anchor.range[0]);
    }
    if (on === 'key' && keyNode?.range) return this.#at(keyNode.range[0]);
    return best;
  }

  /** First map key equal to `token`, else first scalar value equal to it. */
  findToken(token: string): Position | undefined {
    let keyAt: number | undefined;
    let valueAt: number | undefined;
    visit(this.#doc().root as Node, {
      Pair: (_, pair) => {
        if (keyAt === undefined && isPair(pair) && isScalar(pair.key) && String(pair.key.value) === token) {
          keyAt = pair.key.range?.[0];
        }
      },
      Scalar: (key, scalar) => {
        if (valueAt === undefined && key !== 'key' && String(scalar.value) === token) valueAt = scalar.range?.[0];
      },
    });
    const at = keyAt ?? valueAt;
    return at === undefined ? undefined : this.#at(at);
  }

  /** 1-based line and column of a character offset. */
  atOffset(offset: number): Position {
    return this.#at(offset);
  }
}
