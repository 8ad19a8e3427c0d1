// ajv (JSON Schema 2020-12 + formats) set up for the two kinds of contract:
// - event schemas: strict in every respect (they are plain JSON Schema);
// - OpenAPI 3.1 documents: strict about unknown keywords, but OpenAPI's own keywords (`example`,
//   `discriminator`, `xml`, `externalDocs`) and `x-*` extensions are annotations, and formats ajv
//   does not know (`decimal`, ...) are accepted as such. The whole bundled document is registered
//   as one schema, so a validator for any schema inside it is `openApiValidator(ajv, name, pointer)`
//   and its `#/components/...` refs resolve against the document.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

// ajv-formats is CommonJS whose `module.exports` is the plugin; NodeNext types it as the namespace.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

const OPENAPI_ROOT_KEYWORDS = ['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags'];
const OPENAPI_SCHEMA_KEYWORDS = ['example', 'discriminator', 'xml', 'externalDocs'];

export function createEventAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv;
}

/**
 * `tolerant`: properties a schema closes with `additionalProperties: false` are dropped from the
 * instance instead of failing it (a tolerant reader: a producer that adds fields breaks nothing).
 */
export function createOpenApiAjv(options: { tolerant?: boolean } = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, strictTypes: false, strictTuples: false, strictRequired: false, allErrors: true, ...(options.tolerant ? { removeAdditional: true } : {}) });
  addFormats(ajv);
  ajv.addVocabulary([...OPENAPI_ROOT_KEYWORDS, ...OPENAPI_SCHEMA_KEYWORDS]);
  return ajv;
}

export function openApiSchemaId(name: string): string {
  return `https://faultline.dev/contracts/openapi/${name}.json`;
}

function collect(node: unknown, extensions: Set<string>, formats: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, extensions, formats);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-')) extensions.add(key);
      if (key === 'format' && typeof value === 'string') formats.add(value);
      collect(value, extensions, formats);
    }
  }
}

/** Registers a bundled OpenAPI document under `openApiSchemaId(name)`. Idempotent per name. */
export function addOpenApiDocument(ajv: Ajv2020, name: string, doc: Record<string, unknown>): void {
  const id = openApiSchemaId(name);
  if (ajv.schemas[id]) return;
  const extensions = new Set<string>();
  const formats = new Set<string>();
  collect(doc, extensions, formats);
  for (const keyword of [...extensions].sort()) if (!ajv.RULES.keywords[keyword]) ajv.addKeyword(keyword);
  for (const format of [...formats].sort()) if (!ajv.formats[format]) ajv.addFormat(format, true);
  ajv.addSchema(doc as AnySchemaObject, id);
}

/** A JSON pointer as a URI fragment (`{orderId}` in a path must be percent-encoded). */
function fragment(pointer: string): string {
  return pointer.split('/').map(encodeURIComponent).join('/');
}

/** Validator for the schema at `pointer` (e.g. a media type's `/schema`) in a registered document. */
export function openApiValidator(ajv: Ajv2020, name: string, pointer: string): ValidateFunction {
  const ref = `${openApiSchemaId(name)}#${fragment(pointer)}`;
  const validate = ajv.getSchema(ref);
  if (!validate) throw new Error(`no schema at ${name}#${pointer} (is the document registered?)`);
  return validate;
}

/** Registers the event schemas (common definitions first); each is then `ajv.getSchema(schema.$id)`. */
export function addEventSchemas(ajv: Ajv2020, schemas: readonly AnySchemaObject[]): void {
  for (const schema of schemas) {
    if (typeof schema.$id !== 'string') throw new Error(`event schema "${String(schema.title)}" has no $id`);
    if (!ajv.schemas[schema.$id]) ajv.addSchema(schema);
  }
}

/** One line per error: where in the instance, what was expected. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = e.instancePath === '' ? '(root)' : e.instancePath;
    const params = e.params as Record<string, unknown>;
    let detail = '';
    if (e.keyword === 'additionalProperties') detail = `: '${String(params.additionalProperty)}'`;
    else if (e.keyword === 'enum') detail = `: ${JSON.stringify(params.allowedValues)}`;
    else if (e.keyword === 'const') detail = `: ${JSON.stringify(params.allowedValue)}`;
    return `${at} ${e.message ?? e.keyword}${detail}`;
  });
}
