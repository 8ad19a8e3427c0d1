// Contracts for runtime code (reference implementation, simulators, msw handlers, Pact): the
// generated OpenAPI documents as JSON (no YAML parsing at runtime) and the event schemas, plus
// ready ajv validators over them.
//
//   const commerce = loadOpenApi('commerce');
//   const validate = contractValidator('commerce', '/paths/~1v1~1orders/post/requestBody/content/application~1json/schema');
//   const isOrderAccepted = eventValidator('order.accepted');
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ValidateFunction } from 'ajv';
import { addEventSchemas, addOpenApiDocument, createEventAjv, createOpenApiAjv, openApiValidator } from './tools/ajv.ts';

export { openApiValidator, describeErrors } from './tools/ajv.ts';

const CONTRACTS = fileURLToPath(new URL('.', import.meta.url));
const GENERATED_OPENAPI = join(CONTRACTS, 'generated', 'openapi');
const SCHEMAS = join(CONTRACTS, 'events', 'schemas');

/** A bundled OpenAPI 3.1 document (internal `$ref`s kept; see contracts/tools/openapi-types.ts). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [k: string]: unknown };
  paths?: Record<string, unknown>;
  webhooks?: Record<string, unknown>;
  components?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface EventSchemas {
  /** The shared definitions (`common.json`). */
  common: AnySchemaObject;
  /** Event type (`order.accepted`) to its schema, sorted by type. */
  byType: ReadonlyMap<string, AnySchemaObject>;
}

/** Names of the OpenAPI contracts that have been generated (`carrier-swift`, `commerce`, `erp`, ...). */
export function listContracts(): string[] {
  if (!existsSync(GENERATED_OPENAPI)) return [];
  return readdirSync(GENERATED_OPENAPI)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

const documents = new Map<string, OpenApiDocument>();

/** The generated JSON of `contracts/openapi/<name>.yaml`; read once, then cached (do not mutate it). */
export function loadOpenApi(name: string): OpenApiDocument {
  let doc = documents.get(name);
  if (!doc) {
    const file = join(GENERATED_OPENAPI, `${name}.json`);
    if (!existsSync(file)) {
      throw new Error(`no generated contract "${name}" (${file}); known: ${listContracts().join(', ') || 'none'}. Run npm run contracts:gen`);
    }
    doc = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
    documents.set(name, doc);
  }
  return doc;
}

let eventSchemas: EventSchemas | undefined;

/** The canonical event schemas, read from `contracts/events/schemas/` once. */
export function loadEventSchemas(): EventSchemas {
  if (!eventSchemas) {
    const read = (f: string): AnySchemaObject => JSON.parse(readFileSync(join(SCHEMAS, f), 'utf8')) as AnySchemaObject;
    const files = readdirSync(SCHEMAS).filter((f) => f.endsWith('.json') && f !== 'common.json').sort();
    eventSchemas = { common: read('common.json'), byType: new Map(files.map((f) => [f.slice(0, -'.json'.length), read(f)])) };
  }
  return eventSchemas;
}

let sharedOpenApiAjv: Ajv2020 | undefined;

/** One ajv instance with every generated OpenAPI contract registered (compiled lazily per schema). */
export function openApiAjv(): Ajv2020 {
  if (!sharedOpenApiAjv) {
    sharedOpenApiAjv = createOpenApiAjv();
    for (const name of listContracts()) addOpenApiDocument(sharedOpenApiAjv, name, loadOpenApi(name));
  }
  return sharedOpenApiAjv;
}

let tolerantOpenApiAjv: Ajv2020 | undefined;

/** Validator for the schema at `pointer` in contract `name`, on the shared instance. */
export function contractValidator(name: string, pointer: string): ValidateFunction {
  return openApiValidator(openApiAjv(), name, pointer);
}

/**
 * Validator for a consumer of another system's messages (a tolerant reader): what the contract
 * requires must be there and well typed, but properties it does not know are removed from the
 * instance, not refused. Producers add fields without notice (a carrier's v2 payload); a strict
 * reader would drop every such event.
 */
export function tolerantContractValidator(name: string, pointer: string): ValidateFunction {
  if (!tolerantOpenApiAjv) {
    tolerantOpenApiAjv = createOpenApiAjv({ tolerant: true });
    for (const n of listContracts()) addOpenApiDocument(tolerantOpenApiAjv, n, loadOpenApi(n));
  }
  return openApiValidator(tolerantOpenApiAjv, name, pointer);
}

let sharedEventAjv: Ajv2020 | undefined;

/** Validator of a whole CloudEvent of the given type (`order.accepted`). */
export function eventValidator(type: string): ValidateFunction {
  const { common, byType } = loadEventSchemas();
  const schema = byType.get(type);
  if (!schema) throw new Error(`unknown event type "${type}"; known: ${[...byType.keys()].join(', ')}`);
  if (!sharedEventAjv) {
    sharedEventAjv = createEventAjv();
    addEventSchemas(sharedEventAjv, [common, ...byType.values()]);
  }
  const validate = sharedEventAjv.getSchema(String(schema.$id));
  if (!validate) throw new Error(`event schema ${String(schema.$id)} did not register`);
  return validate;
}
