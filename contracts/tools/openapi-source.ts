// OpenAPI contracts through @redocly/openapi-core: lint (recommended ruleset, or the root's
// redocly.yaml) and bundle (external $refs pulled into `components`, internal $refs kept).
import { YamlParseError, bundle, createConfig, getLineColLocation, lint, loadConfig, type Config } from '@redocly/openapi-core';
import { type Layout, rel } from './layout.ts';
import type { Problem } from './problems.ts';

const configs = new Map<string, Promise<Config>>();

function configFor(layout: Layout): Promise<Config> {
  const key = layout.redoclyConfig ?? '';
  let config = configs.get(key);
  if (!config) {
    config = layout.redoclyConfig ? loadConfig({ configPath: layout.redoclyConfig }) : createConfig({ extends: ['recommended'] });
    configs.set(key, config);
  }
  return config;
}

/** A YAML syntax error has no lint result, only a position: report it as a problem. */
function syntaxProblem(layout: Layout, file: string, err: unknown): Problem | undefined {
  if (!(err instanceof YamlParseError)) return undefined;
  const reason = (err.originalError as { reason?: string } | undefined)?.reason ?? err.message.split(' in "')[0] ?? err.message;
  return { file: rel(layout, file), line: err.line, col: err.col, message: `YAML syntax: ${reason}`, rule: 'yaml-syntax', severity: 'error' };
}

export async function lintOpenApi(layout: Layout, file: string): Promise<Problem[]> {
  let found;
  try {
    found = await lint({ ref: file, config: await configFor(layout) });
  } catch (err) {
    const syntax = syntaxProblem(layout, file, err);
    if (syntax) return [syntax];
    throw err;
  }
  return found
    .filter((p) => !p.ignored)
    .map((p) => {
      const where = p.location[0];
      const loc = where ? getLineColLocation(where) : undefined;
      const suggest = p.suggest.length > 0 ? ` Did you mean: ${p.suggest.join(', ')}?` : '';
      return {
        file: loc ? rel(layout, loc.source.absoluteRef) : rel(layout, file),
        line: loc?.start.line ?? 1,
        col: loc?.start.col ?? 1,
        message: p.message + suggest,
        rule: p.ruleId,
        severity: p.severity === 'error' ? 'error' : 'warning',
      } satisfies Problem;
    });
}

export type OpenApiDocument = Record<string, unknown>;

/**
 * The contract as one document: external `$ref`s are bundled into `components`, internal ones
 * (`#/components/schemas/Money`) stay, so recursive schemas survive and ajv resolves them against
 * the document root. Call after `lintOpenApi` found no errors.
 */
export async function bundleOpenApi(layout: Layout, file: string): Promise<OpenApiDocument> {
  const result = await bundle({ ref: file, config: await configFor(layout), dereference: false });
  const errors = result.problems.filter((p) => p.severity === 'error' && !p.ignored);
  if (errors.length > 0) {
    throw new Error(`${rel(layout, file)}: cannot bundle: ${errors.map((e) => e.message).join('; ')}`);
  }
  return result.bundle.parsed as OpenApiDocument;
}
