import { isDefectName, DEFECT_NAMES, type DefectName } from '../../../reference-impl/defects.ts';
import { isReporterName, REPORTERS, writeReports, type ReporterName } from '../../../reports/index.ts';
import { RESULT_SCHEMA, verdictOf, type RunResult, type ScenarioResult } from '../../../reports/result.ts';
import { parseSeed } from '../../../runtime/random/seed.ts';
import { contractHashes } from '../../run/contract-hashes.ts';
import { runScenario } from '../../run/run-scenario.ts';
import { mapAtMost } from '../../run/at-most.ts';
import { ScenarioPool } from '../../run/scenario-process.ts';
import { isFaultPlan, listScenarioFiles, scenarioFromSource, ScenarioError } from '../../scenario/load.ts';
import { readSource } from '../../../runtime/files/yaml-source.ts';
import type { Scenario } from '../../scenario/model.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { prepareOutDir } from '../options.ts';
import { Progress } from '../progress.ts';
import { VERSION } from '../program.ts';

export interface RunFlags {
  seed?: string;
  out: string;
  defect: string[];
  format: string;
  progress: boolean;
  jobs: string;
  violations: string;
}

/** Parses and checks the flags shared by run and explore. */
export function parseCommon(flags: { seed?: string; defect: string[] }): { seed: number | undefined; defects: DefectName[] } {
  let seed: number | undefined;
  if (flags.seed !== undefined) {
    seed = parseSeed(flags.seed);
    if (seed === undefined) throw new UsageError(`--seed ${flags.seed}: expected an integer 0…4294967295 or a git commit hash`);
  }
  const unknown = flags.defect.filter((d) => !isDefectName(d));
  if (unknown.length > 0) throw new UsageError(`unknown defect ${unknown.map((d) => `"${d}"`).join(', ')}; known: ${DEFECT_NAMES.join(', ')}`);
  return { seed, defects: [...new Set(flags.defect)] as DefectName[] };
}

/** Every scenario under `paths` with the file it was read from; all must be valid, or none runs. */
function loadAll(paths: string[]): Array<{ file: string; scenario: Scenario }> {
  const sources = listScenarioFiles(paths).map((file) => ({ file, source: readSource(file) }));
  // Fault plans pass `validate` too; they are inputs of sim and proxy, not scenarios to run.
  const plans = sources.filter((s) => isFaultPlan(s.source)).map((s) => s.file);
  const files = sources.filter((s) => !isFaultPlan(s.source));
  for (const plan of plans) process.stderr.write(`faultline: skipping ${plan}: a fault plan (for sim or proxy --faults), not a scenario\n`);
  if (files.length === 0) throw new UsageError(`no scenario files (*.yaml, *.yml, *.json) in ${paths.join(', ')}${plans.length ? ` (only fault plans: ${plans.join(', ')})` : ''}`);
  const scenarios: Array<{ file: string; scenario: Scenario }> = [];
  const problems: string[] = [];
  for (const { file, source } of files) {
    try {
      scenarios.push({ file, scenario: scenarioFromSource(source) });
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new UsageError(`invalid scenario file(s), nothing was run:\n${problems.join('\n')}`);
  for (const { scenario } of scenarios) for (const n of scenario.notes) process.stderr.write(`${n}\n`);
  // Results, JUnit suites and report anchors are keyed by the scenario id (the file's name).
  const byId = new Map<string, string[]>();
  for (const { file, scenario } of scenarios) byId.set(scenario.id, [...(byId.get(scenario.id) ?? []), file]);
  const clashes = [...byId].filter(([, list]) => list.length > 1);
  if (clashes.length > 0) {
    throw new UsageError(
      `scenario ids must be unique in one run (results, JUnit suites and the report are keyed by the file's name), nothing was run:\n${clashes.map(([id, list]) => `  "${id}": ${list.join(', ')}`).join('\n')}\nrename one of each, or run them separately`,
    );
  }
  return scenarios;
}

/**
 * For each invariant that does not hold: its one-line finding and the first violation with its
 * trace id (result.json keeps up to 20, with history excerpts), so a CI log says what broke
 * without opening a file.
 */
function whatBroke(result: ScenarioResult): string {
  const lines: string[] = [];
  for (const i of result.invariants) {
    if (i.status === 'pass') continue;
    lines.push(`  ${i.id}: ${i.status === 'unknown' ? `could not decide: ${i.reason ?? i.summary}` : i.summary}`);
    const first = i.anomalies[0];
    if (first) lines.push(`    first: ${first.message}${first.traceIds.length ? ` (trace ${first.traceIds[0]})` : ''}${i.anomalyCount > 1 ? `; ${i.anomalyCount - 1} more (result.json lists ${i.anomalies.length === i.anomalyCount ? 'all' : `the first ${i.anomalies.length}; --violations all lists every one`})` : ''}`);
  }
  return lines.length ? `\n${lines.join('\n')}` : '';
}

/** `faultline run [FILES|DIRS]`: runs scenarios and writes result.json, summary.md, junit.xml, report.html. */
export default async function run(paths: string[], flags: RunFlags): Promise<number> {
  const { seed, defects } = parseCommon(flags);
  const formats = flags.format.split(',').map((f) => f.trim()).filter(Boolean);
  const bad = formats.filter((f) => !isReporterName(f));
  if (bad.length > 0 || formats.length === 0) throw new UsageError(`--format ${flags.format}: expected a comma-separated list of ${Object.keys(REPORTERS).join(', ')}`);
  const jobs = Number(flags.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs ${flags.jobs}: expected a whole number of processes from 1 to 64`);
  const violations = flags.violations === 'all' ? Infinity : /^\d+$/.test(flags.violations) ? Number(flags.violations) : NaN;
  if (!(violations >= 1)) throw new UsageError(`--violations ${flags.violations}: expected how many violations of each invariant to keep, a whole number from 1, or "all"`);
  const loaded = loadAll(paths);
  await prepareOutDir(flags.out);
  const scenarios = loaded.map((l) => l.scenario);
  // Several scenarios at once share the terminal: plain lines then.
  const interactive = flags.progress && jobs === 1 && process.stderr.isTTY === true && !process.env.CI;
  const progress = new Progress(interactive);
  const out = process.stdout;
  out.write(
    `faultline ${VERSION} run: ${scenarios.length} scenario(s)${seed !== undefined ? `, seed ${seed}` : ', each with its own seed'}${defects.length ? `, defects ${defects.join(', ')}` : ''}${jobs > 1 ? `, ${Math.min(jobs, scenarios.length)} at a time` : ''}\n`,
  );

  const wall: Record<string, number> = {};
  // More than one job: worker processes, each running one scenario at a time.
  const pool = jobs > 1 ? new ScenarioPool(Math.min(jobs, loaded.length)) : undefined;
  const started = process.hrtime.bigint();
  const runOne = async ({ file, scenario }: { file: string; scenario: Scenario }): Promise<ScenarioResult> => {
    const s = seed ?? scenario.seed;
    const t = process.hrtime.bigint();
    const onStart = (settings: Record<string, string | number | boolean>, replay: string): void => {
      out.write(`\n== ${scenario.id}: ${scenario.title}\nSEED=${s} ${Object.entries(settings).filter(([k]) => k !== 'seed').map(([k, v]) => `${k}=${v}`).join(' ')}\nreplay: ${replay}\n`);
      progress.start(scenario.id, scenario.durationMs + scenario.drainMs);
    };
    const result =
      jobs === 1
        ? await runScenario(scenario, { seed: s, defects, violations, onStart, onProgress: (p) => progress.update(p) })
        : await pool!.run({ kind: 'file', file, seed: s, defects, violations: Number.isFinite(violations) ? violations : 'all' }, onStart);
    progress.stop();
    wall[scenario.id] = Number(process.hrtime.bigint() - t) / 1e6;
    const failing = result.invariants.filter((i) => i.status !== 'pass').map((i) => `${i.id}=${i.status}`);
    const slos = result.slos.filter((x) => x.status !== 'pass').map((x) => `${x.expression}=${x.status}`);
    out.write(
      `${result.verdict.toUpperCase()} ${scenario.id}${result.defects.length ? ` (defect: ${result.defects.join(', ')})` : ''}: ${result.counts.ordersAcknowledged} orders acknowledged, ack p99 ${result.metrics.orderAckLatencyMs.p99} ms, ${(wall[scenario.id]! / 1000).toFixed(1)} s wall` +
        (result.settings.still_moving_at_end ? `\n  the drain bound passed before the world settled: ${result.settings.still_moving_at_end}` : '') +
        (failing.length || slos.length ? `\n  not holding: ${[...failing, ...slos].join(', ')}` : '') +
        whatBroke(result) +
        (result.verdict !== 'pass' ? `\n  replay: ${result.replay}` : '') +
        '\n',
    );
    return result;
  };
  // Results keep the order of the files, whatever order the scenarios finish in.
  const results = await mapAtMost(loaded, jobs, runOne).finally(() => pool?.close());
  const verdict = verdictOf(results.map((r) => r.verdict));
  const runResult: RunResult = { schema: RESULT_SCHEMA, faultline: { version: VERSION }, contracts: contractHashes(), verdict, scenarios: results };
  const written = await writeReports(runResult, formats as ReporterName[], flags.out, { wallMs: Number(process.hrtime.bigint() - started) / 1e6, scenarioWallMs: wall });
  for (const f of written.failed) process.stderr.write(`faultline: the ${f.reporter} report could not be written: ${f.error}\n`);
  out.write(`\n${verdict.toUpperCase()}: ${results.filter((r) => r.verdict === 'pass').length}/${results.length} scenario(s) pass · reports: ${written.written.join(', ')}\n`);
  if (written.failed.length > 0 && verdict === 'pass') return EXIT.internal;
  return verdict === 'pass' ? EXIT.ok : verdict === 'fail' ? EXIT.failed : EXIT.unknown;
}
