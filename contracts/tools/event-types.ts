// contracts/events/schemas/*.json -> contracts/generated/events/<event-type>.ts (json-schema-to-typescript),
// common.ts (the shared definitions) and index.ts (CanonicalEvent union + type map).
import { compile, type Options } from 'json-schema-to-typescript';
import type { AnySchemaObject } from 'ajv';
import { banner, type GeneratedFile } from './output.ts';
import { type Layout, rel } from './layout.ts';
import { cloudEventType, type SchemaFile } from './event-schemas.ts';

const OUT = 'contracts/generated/events';

function options(layout: Layout, unreachableDefinitions: boolean): Partial<Options> {
  return { cwd: layout.schemasDir, bannerComment: '', format: true, declareExternallyReferenced: true, unreachableDefinitions };
}

/** The identifier json-schema-to-typescript derives from a title ("Order accepted" -> OrderAccepted). */
export function typeName(title: string): string {
  const words = title.replace(/[^a-zA-Z0-9_$]/g, ' ').split(/\s+/).filter(Boolean);
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function exportedNames(code: string): string[] {
  return [...code.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]!);
}

export async function renderEventTypes(layout: Layout, files: readonly SchemaFile[]): Promise<GeneratedFile[]> {
  const from = rel(layout, layout.schemasDir);
  const out: GeneratedFile[] = [];
  const events: { type: string; name: string; dataName: string | undefined; module: string }[] = [];
  let commonNames: string[] = [];

  for (const f of [...files].sort((a, b) => (a.type < b.type ? -1 : 1))) {
    const schema = structuredClone(f.schema) as AnySchemaObject;
    const title = String(schema.title);
    const isCommon = f.type === 'common';
    const code = await compile(schema as Parameters<typeof compile>[0], typeName(title), options(layout, isCommon));
    out.push({ path: `${OUT}/${f.type}.ts`, from: rel(layout, f.file), content: banner(rel(layout, f.file)) + code });
    const names = exportedNames(code);
    if (isCommon) {
      commonNames = names.filter((n) => n !== typeName(title)).sort();
      continue;
    }
    const name = typeName(title);
    if (!names.includes(name)) throw new Error(`${rel(layout, f.file)}: json-schema-to-typescript did not emit ${name} for title "${title}"`);
    const dataName = names.includes(`${name}Data`) ? `${name}Data` : undefined;
    events.push({ type: f.type, name, dataName, module: `./${f.type}.ts` });
  }

  const lines: string[] = [];
  for (const e of events) lines.push(`import type { ${e.name} } from '${e.module}';`);
  lines.push('');
  for (const e of events) lines.push(`export type { ${[e.name, e.dataName].filter(Boolean).join(', ')} } from '${e.module}';`);
  if (commonNames.length > 0) lines.push(`export type { ${commonNames.join(', ')} } from './common.ts';`);
  lines.push('', '/** Event type (the schema file name) to the type of its CloudEvent. */', 'export interface CanonicalEventMap {');
  for (const e of events) lines.push(`  '${e.type}': ${e.name};`);
  lines.push('}', '', 'export type CanonicalEventType = keyof CanonicalEventMap;');
  lines.push('', '/** Any canonical event the integration layer publishes; narrow on `type`. */');
  lines.push('export type CanonicalEvent = CanonicalEventMap[CanonicalEventType];');
  lines.push('', 'export type CanonicalEventData<T extends CanonicalEventType> = CanonicalEventMap[T][\'data\'];');
  lines.push('', '/** Event type to the CloudEvents `type` attribute it is published with. */', 'export const cloudEventTypes = {');
  for (const e of events) lines.push(`  '${e.type}': '${cloudEventType(e.type)}',`);
  lines.push('} as const satisfies Record<CanonicalEventType, string>;', '');
  out.push({ path: `${OUT}/index.ts`, from, content: banner(from) + lines.join('\n') });
  return out;
}
