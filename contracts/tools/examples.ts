// Checks every example of every contract against the schema it belongs to (ajv 2020 + formats).
import { readFileSync } from 'node:fs';
import type { AnySchemaObject, ValidateFunction } from 'ajv';
import { type ContractExample, describeExample, eventExamples, openApiExamples } from '../examples.ts';
import { addEventSchemas, addOpenApiDocument, createEventAjv, createOpenApiAjv, describeErrors, openApiValidator } from './ajv.ts';
import type { EventSchemaSet } from './event-schemas.ts';
import { type Layout, type OpenApiSource, rel } from './layout.ts';
import { bundleOpenApi, type OpenApiDocument } from './openapi-source.ts';
import { type Position, type Problem, SourcePositions } from './problems.ts';

export interface ExampleCheck {
  example: ContractExample;
  /** `erp createOrder 202 application/json "accepted"`. */
  title: string;
  /** File the example is written in, relative to the root, and where. */
  file: string;
  position: Position;
  /** Empty when the example is valid; else one line per violation (or the compile error). */
  errors: string[];
}

export interface ExampleSources {
  openapi: readonly (OpenApiSource & { doc: OpenApiDocument })[];
  events: EventSchemaSet;
}

/** Bundles each OpenAPI contract (they must lint clean first) and pairs it with the event schemas. */
export async function loadExampleSources(layout: Layout, openapi: readonly OpenApiSource[], events: EventSchemaSet): Promise<ExampleSources> {
  const docs = [];
  for (const source of openapi) docs.push({ ...source, doc: await bundleOpenApi(layout, source.file) });
  return { openapi: docs, events };
}

interface Outcome {
  errors: string[];
  /** Instance path of the first violation, to point at it in the file. */
  at: string;
}

function check(validator: () => ValidateFunction, value: unknown): Outcome {
  let validate: ValidateFunction;
  try {
    validate = validator();
  } catch (err) {
    return { errors: [`cannot compile its schema: ${(err as Error).message.split('\n')[0]}`], at: '' };
  }
  if (validate(value)) return { errors: [], at: '' };
  return { errors: describeErrors(validate.errors), at: validate.errors?.[0]?.instancePath ?? '' };
}

export function checkExamples(layout: Layout, sources: ExampleSources): ExampleCheck[] {
  const results: ExampleCheck[] = [];

  const openApiAjv = createOpenApiAjv();
  for (const { name, file, doc } of sources.openapi) {
    addOpenApiDocument(openApiAjv, name, doc);
    const positions = new SourcePositions(readFileSync(file, 'utf8'));
    for (const example of openApiExamples(name, doc)) {
      const { errors, at } = check(() => openApiValidator(openApiAjv, name, example.schemaPointer), example.value);
      results.push({ example, title: describeExample(example), file: rel(layout, file), position: positions.locate(example.examplePointer + at), errors });
    }
  }

  const eventAjv = createEventAjv();
  const files = sources.events.files.filter((f) => f.schema);
  addEventSchemas(eventAjv, files.map((f) => f.schema as AnySchemaObject));
  for (const f of files) {
    if (f.type === 'common') continue;
    const schema = f.schema as AnySchemaObject;
    for (const example of eventExamples(new Map([[f.type, schema]]))) {
      const validator = (): ValidateFunction => {
        const validate = eventAjv.getSchema(String(schema.$id));
        if (!validate) throw new Error(`schema ${String(schema.$id)} is not registered`);
        return validate;
      };
      const { errors, at } = check(validator, example.value);
      results.push({ example, title: describeExample(example), file: rel(layout, f.file), position: f.positions.locate(example.examplePointer + at), errors });
    }
  }
  return results;
}

export function exampleProblems(checks: readonly ExampleCheck[]): Problem[] {
  return checks
    .filter((c) => c.errors.length > 0)
    .map((c) => ({
      file: c.file,
      ...c.position,
      message: `example ${c.title} does not match its schema (${c.example.schemaPointer || '/'}): ${c.errors.join('; ')}`,
      rule: 'example-valid',
      severity: 'error',
    }));
}
