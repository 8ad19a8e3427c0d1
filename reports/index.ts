import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from './result.ts';
import { renderHtml } from './render/html.ts';
import { renderJunit } from './render/junit.ts';
import { renderMarkdown } from './render/markdown.ts';
import type { RenderContext, Reporter } from './render/types.ts';

/** Every built-in reporter, by the name `--format` uses. */
export const REPORTERS = {
  json: { name: 'json', file: 'result.json', render: (result) => `${JSON.stringify(result, null, 2)}\n` },
  md: { name: 'md', file: 'summary.md', render: renderMarkdown },
  junit: { name: 'junit', file: 'junit.xml', render: renderJunit },
  html: { name: 'html', file: 'report.html', render: renderHtml },
} satisfies Record<string, Reporter>;

export type ReporterName = keyof typeof REPORTERS;

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(REPORTERS, name);
}

export interface WriteOutcome {
  written: string[];
  failed: Array<{ reporter: string; error: string }>;
}

/**
 * Renders and writes each requested report. Every write goes to a temporary file renamed into
 * place, so a reader never sees half a report; one reporter that throws does not stop the others.
 */
export async function writeReports(result: RunResult, names: readonly ReporterName[], outDir: string, ctx: RenderContext = {}): Promise<WriteOutcome> {
  await mkdir(outDir, { recursive: true });
  const outcome: WriteOutcome = { written: [], failed: [] };
  for (const name of names) {
    const reporter: Reporter = REPORTERS[name];
    try {
      const text = reporter.render(result, ctx);
      const target = join(outDir, reporter.file);
      const temp = `${target}.${process.pid}.tmp`;
      await writeFile(temp, text, 'utf8');
      await rename(temp, target);
      outcome.written.push(target);
    } catch (error) {
      outcome.failed.push({ reporter: name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcome;
}
