// contracts/openapi/<name>.yaml -> contracts/generated/openapi/<name>.ts (openapi-typescript 7)
//                                 + contracts/generated/openapi/<name>.json (the bundled document)
import openapiTS, { astToString } from 'openapi-typescript';
import { banner, type GeneratedFile } from './output.ts';
import { type Layout, type OpenApiSource, rel } from './layout.ts';
import type { OpenApiDocument } from './openapi-source.ts';

/**
 * The JSON keeps `components` and internal `$ref`s (bundled, not dereferenced): recursive schemas
 * stay finite, and `openApiValidator` (contracts/tools/ajv.ts) compiles the schema at any pointer
 * with its refs resolved against the document. Its first key, `x-generated`, is the banner (JSON
 * has no comments; an `x-` key is legal at the root of an OpenAPI document).
 */
export async function renderOpenApi(layout: Layout, source: OpenApiSource, doc: OpenApiDocument): Promise<GeneratedFile[]> {
  const from = rel(layout, source.file);
  const ast = await openapiTS(structuredClone(doc) as unknown as Parameters<typeof openapiTS>[0], { silent: true });
  const types = banner(from) + astToString(ast);
  const json = JSON.stringify({ 'x-generated': banner(from, 'text'), ...doc }, null, 2) + '\n';
  return [
    { path: `contracts/generated/openapi/${source.name}.ts`, from, content: types },
    { path: `contracts/generated/openapi/${source.name}.json`, from, content: json },
  ];
}
