// npm run contracts:gen    validate every contract, then (re)write contracts/generated/
// npm run contracts:check  validate, regenerate in memory, compare with contracts/generated/
//
// Exit codes: 0 done / up to date, 1 drift (check only), 2 a contract is broken or bad usage,
// 70 internal error. `--root DIR` runs over another tree (a copy of the repo in tests).
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { renderEventTypes } from './event-types.ts';
import type { ExampleSources } from './examples.ts';
import { type Layout, layoutFor } from './layout.ts';
import { lintContracts, reportProblems } from './lint.ts';
import { renderOpenApi } from './openapi-types.ts';
import { type GeneratedFile, diffGenerated, writeGenerated } from './output.ts';

const USAGE = 'usage: generate.ts [--check] [--root DIR]';

/** Every generated file, sorted by path; a pure function of the contract files. */
export async function renderContracts(layout: Layout, sources: ExampleSources): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (const source of sources.openapi) files.push(...(await renderOpenApi(layout, source, source.doc)));
  files.push(...(await renderEventTypes(layout, sources.events.files)));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface RunOptions {
  root?: string | undefined;
  check: boolean;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export async function runGenerate({ root, check, out = console.log, err = console.error }: RunOptions): Promise<number> {
  const layout = layoutFor(root);
  const { problems, sources } = await lintContracts(layout);
  if (reportProblems(problems, err) || !sources) return 2;

  const files = await renderContracts(layout, sources);
  if (check) {
    const drift = diffGenerated(layout, files);
    for (const d of drift) err(d.message);
    if (drift.length > 0) return 1;
    out(`contracts/generated is up to date (${files.length} files)`);
    return 0;
  }
  const touched = writeGenerated(layout, files);
  const removed = touched.filter((d) => d.kind === 'stale').length;
  out(`contracts/generated: ${files.length} files, ${touched.length - removed} written, ${removed} removed`);
  return 0;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { check: { type: 'boolean', default: false }, root: { type: 'string' }, help: { type: 'boolean', default: false } } }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  try {
    process.exitCode = await runGenerate({ root: args.root, check: args.check });
  } catch (e) {
    console.error('internal error in contracts generation:', e);
    process.exitCode = 70;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
