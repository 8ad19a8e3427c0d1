// Validates every contract: OpenAPI (redocly), AsyncAPI (@asyncapi/parser + cross-checks), event
// schemas (conventions + ajv strict), then, if all of that is clean, every example against its schema.
// CLI: `node bin/tsnode.js contracts/tools/lint.ts [--root DIR]`; exit 0 clean (warnings allowed),
// 2 when a contract has errors.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ExampleSources, checkExamples, exampleProblems, loadExampleSources } from './examples.ts';
import { readEventSchemas, lintEventSchemas } from './event-schemas.ts';
import { type Layout, layoutFor, listOpenApiSources } from './layout.ts';
import { lintAsyncApi } from './lint-asyncapi.ts';
import { lintOpenApi } from './openapi-source.ts';
import { type Problem, formatProblem, hasErrors, sortProblems } from './problems.ts';

export interface LintResult {
  problems: Problem[];
  /** Bundled documents and schemas, when every contract is valid (reused by generation). */
  sources: ExampleSources | undefined;
}

export async function lintContracts(layout: Layout): Promise<LintResult> {
  const openapi = listOpenApiSources(layout);
  const events = readEventSchemas(layout);
  const problems: Problem[] = [];
  for (const source of openapi) problems.push(...(await lintOpenApi(layout, source.file)));
  problems.push(...lintEventSchemas(layout, events));
  problems.push(...(await lintAsyncApi(layout, events)));
  if (hasErrors(problems)) return { problems: sortProblems(problems), sources: undefined };

  const sources = await loadExampleSources(layout, openapi, events);
  problems.push(...exampleProblems(checkExamples(layout, sources)));
  return { problems: sortProblems(problems), sources: hasErrors(problems) ? undefined : sources };
}

/** Prints problems to stderr; true when there are errors. */
export function reportProblems(problems: readonly Problem[], write: (line: string) => void = (l) => process.stderr.write(l + '\n')): boolean {
  for (const p of problems) write(formatProblem(p));
  const errors = problems.filter((p) => p.severity === 'error').length;
  if (errors > 0) write(`${errors} contract error(s), ${problems.length - errors} warning(s)`);
  return errors > 0;
}

async function main(): Promise<void> {
  let root: string | undefined;
  try {
    root = parseArgs({ options: { root: { type: 'string' } } }).values.root;
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: lint.ts [--root DIR]`);
    process.exitCode = 2;
    return;
  }
  const { problems } = await lintContracts(layoutFor(root));
  process.exitCode = reportProblems(problems) ? 2 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
