// Where contracts and generated files live under a root directory (the repo, or a copy of it in a test).
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Layout {
  root: string;
  openapiDir: string;
  eventsDir: string;
  schemasDir: string;
  asyncapiFile: string;
  generatedDir: string;
  /** `redocly.yaml` at the root if there is one; otherwise the recommended ruleset applies. */
  redoclyConfig: string | undefined;
}

export interface OpenApiSource {
  /** `erp` for `contracts/openapi/erp.yaml`. */
  name: string;
  file: string;
}

export interface EventSchemaSource {
  /** `order.accepted` for `contracts/events/schemas/order.accepted.json`. */
  type: string;
  file: string;
}

/** Shared definitions beside the event schemas; not an event itself. */
export const COMMON_SCHEMA = 'common.json';

export function repoRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

export function layoutFor(root: string = repoRoot()): Layout {
  const contracts = join(root, 'contracts');
  const redocly = join(root, 'redocly.yaml');
  return {
    root,
    openapiDir: join(contracts, 'openapi'),
    eventsDir: join(contracts, 'events'),
    schemasDir: join(contracts, 'events', 'schemas'),
    asyncapiFile: join(contracts, 'events', 'asyncapi.yaml'),
    generatedDir: join(contracts, 'generated'),
    redoclyConfig: existsSync(redocly) ? redocly : undefined,
  };
}

/** Path relative to the root with forward slashes, as printed in messages and banners. */
export function rel(layout: Layout, file: string): string {
  return relative(layout.root, file).split(sep).join('/');
}

function filesIn(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => e.name)
    .sort();
}

/**
 * Every `contracts/openapi/*.yaml` is a contract. Fragments shared between contracts belong in a
 * subfolder (`contracts/openapi/shared/`), which is not listed.
 */
export function listOpenApiSources(layout: Layout): OpenApiSource[] {
  return filesIn(layout.openapiDir, '.yaml').map((f) => ({ name: f.slice(0, -'.yaml'.length), file: join(layout.openapiDir, f) }));
}

export function listEventSchemaSources(layout: Layout): EventSchemaSource[] {
  return filesIn(layout.schemasDir, '.json')
    .filter((f) => f !== COMMON_SCHEMA)
    .map((f) => ({ type: f.slice(0, -'.json'.length), file: join(layout.schemasDir, f) }));
}

export function commonSchemaFile(layout: Layout): string {
  return join(layout.schemasDir, COMMON_SCHEMA);
}
