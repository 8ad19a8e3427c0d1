// Breaking changes between two versions of a contract: an OpenAPI 3.x document (YAML or JSON) or
// an event JSON Schema. Written here rather than taken from npm: see the commit that added it.
//
//   const result = diffContracts('old/erp.yaml', 'contracts/openapi/erp.yaml');
//   if (result.counts.breaking > 0) console.log(renderText(result));
import { orderChanges, KINDS, type Change, type Severity } from './changes.ts';
import { DiffInputError, Documents, kindOf, type DocumentKind } from './documents.ts';
import { diffOpenApi } from './openapi.ts';
import { compareSchemas } from './schema.ts';

export { KINDS, type Change, type ChangeKind, type Severity } from './changes.ts';
export { DiffInputError, type DocumentKind } from './documents.ts';

export interface DiffResult {
  old: string;
  new: string;
  kind: DocumentKind;
  /** Breaking first, then warnings, then compatible changes. */
  changes: Change[];
  counts: Record<Severity, number>;
}

/** Compares two files. Throws DiffInputError (one sentence naming the file) for bad input. */
export function diffContracts(oldPath: string, newPath: string): DiffResult {
  const docs = new Documents();
  const before = docs.read(oldPath);
  const after = docs.read(newPath);
  const kind = kindOf(before);
  const newKind = kindOf(after);
  if (kind !== newKind) {
    throw new DiffInputError(`${oldPath} is ${article(kind)} but ${newPath} is ${article(newKind)}; compare two versions of the same kind of document`);
  }
  const raw: Change[] = [];
  if (kind === 'openapi') {
    raw.push(...diffOpenApi(docs, before, after));
  } else {
    const root = (source: typeof before) => ({ source, pointer: '', value: source.root });
    compareSchemas({ docs, side: 'event', part: 'event', emit: (c) => raw.push(c) }, root(before), root(after));
  }
  const changes = orderChanges(raw);
  const counts: Record<Severity, number> = { breaking: 0, warning: 0, info: 0 };
  for (const c of changes) counts[c.severity]++;
  return { old: oldPath, new: newPath, kind, changes, counts };
}

const article = (kind: DocumentKind): string => (kind === 'openapi' ? 'an OpenAPI document' : 'a JSON Schema');

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function renderChange(c: Change): string {
  const where = `${c.location.file}${c.location.line ? `:${c.location.line}` : ''} ${c.location.pointer}`;
  return `  ${c.kind}: ${c.message}\n      at ${where}\n`;
}

/** The report a person reads: breaking changes, warnings, then what changed compatibly. */
export function renderText(result: DiffResult): string {
  const by = (s: Severity): Change[] => result.changes.filter((c) => c.severity === s);
  const what = result.kind === 'openapi' ? 'OpenAPI' : 'JSON Schema';
  let out = `${what} ${result.old} -> ${result.new}\n`;
  const breaking = by('breaking');
  out += breaking.length > 0 ? `${plural(breaking.length, 'breaking change')}:\n${breaking.map(renderChange).join('')}` : 'no breaking changes\n';
  const warnings = by('warning');
  if (warnings.length > 0) out += `${plural(warnings.length, 'warning')} (breaks only clients that reject values they do not know):\n${warnings.map(renderChange).join('')}`;
  const info = by('info');
  if (info.length > 0) out += `${plural(info.length, 'compatible change')}:\n${info.map(renderChange).join('')}`;
  return out;
}

/** The machine-readable report (`--json`). */
export function renderJson(result: DiffResult): string {
  return `${JSON.stringify({ ...result, kinds: Object.fromEntries([...new Set(result.changes.map((c) => c.kind))].map((k) => [k, KINDS[k]])) }, null, 2)}\n`;
}
