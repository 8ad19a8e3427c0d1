import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFECT_NAMES, isDefectName, type DefectName } from '../../reference-impl/defects.ts';
import { explore, reproYaml } from '../explore/explore.ts';
import { runScenario } from '../run/run-scenario.ts';
import { listScenarioFiles, loadScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/model.ts';
import { DEFECT_EXPECTATIONS } from './expectations.ts';
import { mapAtMost } from '../run/at-most.ts';

/**
 * npm run chaos:defects — the proof that faultline catches bugs. For every defect switch of the
 * reference implementation: run the catalog with the defect until a scenario shows one of the
 * expected invariants failing (scenarios most likely to show it first; `--full` runs them all),
 * then let `explore` search from baseline-steady-state (≤ 200 runs, ≤ 3 faults) and check that it
 * finds an expected invariant and shrinks to at most 3 faults. Defects run in parallel worker
 * processes (`--jobs N`, default: the cores). Prints the table, writes reports/out/defects.md and
 * the repro files, exits 1 if any defect escapes.
 */

interface Row {
  defect: DefectName;
  expected: string[];
  catalog: { scenario: string; invariants: string[] } | undefined;
  scenariosTried: string[];
  explore: { runs: number; faults: number; invariant: string; repro: string } | { runs: number; none: true };
  seconds: number;
}

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const maxRuns = Number(value('--runs') ?? 200);
const shrinkBudget = Number(value('--shrink-budget') ?? 30);

async function runDefect(defect: DefectName, log: (line: string) => void): Promise<Row> {
  const started = process.hrtime.bigint();
  const catalog = new Map<string, Scenario>();
  for (const f of listScenarioFiles(['scenarios'])) if (!f.includes('/regressions/')) catalog.set(loadScenario(f).id, loadScenario(f));
  const expect = DEFECT_EXPECTATIONS[defect];
  const order = [...expect.scenarios, ...[...catalog.keys()].filter((id) => !expect.scenarios.includes(id))];
  let caught: Row['catalog'];
  const tried: string[] = [];
  for (const id of order) {
    const scenario = catalog.get(id)!;
    const result = await runScenario(scenario, { seed: scenario.seed, defects: [defect] });
    tried.push(id);
    const failing = result.invariants.filter((i) => i.status === 'fail').map((i) => i.id);
    const hit = failing.filter((i) => expect.invariants.includes(i));
    log(`${defect}: catalog ${id} ${failing.length ? `fails ${failing.join(', ')}` : 'holds'}`);
    if (hit.length > 0 && !caught) caught = { scenario: id, invariants: hit };
    if (caught && !flag('--full')) break;
  }
  const baseline = catalog.get('baseline-steady-state')!;
  const outcome = await explore(baseline, { runs: maxRuns, seed: 1, maxFaults: 3, defects: [defect], shrinkBudget });
  let exploreRow: Row['explore'];
  if (outcome.found) {
    const dir = join('reports', 'out', 'defects');
    await mkdir(dir, { recursive: true });
    const repro = join(dir, `repro-${defect}-${outcome.invariant}-${outcome.worldSeed}.yaml`);
    await writeFile(repro, reproYaml(baseline, outcome, repro, [defect]), 'utf8');
    exploreRow = { runs: outcome.runs, faults: outcome.faults.length, invariant: outcome.invariant, repro };
  } else {
    exploreRow = { runs: outcome.runs, none: true };
  }
  log(`${defect}: explore ${'none' in exploreRow ? `found nothing in ${exploreRow.runs} runs` : `broke ${exploreRow.invariant} after ${exploreRow.runs} run(s), shrunk to ${exploreRow.faults} fault(s)`}`);
  return { defect, expected: expect.invariants, catalog: caught, scenariosTried: tried, explore: exploreRow, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function escaped(r: Row): string[] {
  const why: string[] = [];
  if (!r.catalog) why.push('no catalog scenario shows an expected invariant failing');
  if ('none' in r.explore) why.push(`explore found nothing in ${r.explore.runs} runs`);
  else {
    if (!r.expected.includes(r.explore.invariant)) why.push(`explore broke ${r.explore.invariant}, not an expected invariant`);
    if (r.explore.faults > 3) why.push(`explore's repro needs ${r.explore.faults} faults (> 3)`);
  }
  return why;
}

/** Runs one defect in a worker process (its own heap), which prints its row as the last JSON line. */
function inWorker(defect: DefectName): Promise<Row> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../bin/tsnode.js', import.meta.url)), fileURLToPath(import.meta.url), '--worker', defect, '--runs', String(maxRuns), '--shrink-budget', String(shrinkBudget), ...(flag('--full') ? ['--full'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (;;) {
        const i = out.indexOf('\n');
        if (i < 0) break;
        const line = out.slice(0, i);
        out = out.slice(i + 1);
        if (line.startsWith('{')) resolve(JSON.parse(line) as Row);
        else process.stdout.write(`${line}\n`);
      }
    });
    child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`the worker for ${defect} exited with ${code}`))));
  });
}

if (flag('--worker')) {
  const defect = value('--worker') as DefectName;
  const row = await runDefect(defect, (line) => process.stdout.write(`   ${line}\n`));
  process.stdout.write(`${JSON.stringify(row)}\n`);
} else {
  const only = args.flatMap((a, i) => (a === '--defect' ? [args[i + 1]!] : []));
  const unknown = only.filter((d) => !isDefectName(d));
  if (unknown.length > 0) {
    process.stderr.write(`chaos:defects: unknown defect ${unknown.map((d) => `"${d}"`).join(', ')}; known: ${DEFECT_NAMES.join(', ')}\n`);
    process.exit(2);
  }
  const defects = (only.length ? only : DEFECT_NAMES) as DefectName[];
  const jobs = Math.max(1, Number(value('--jobs') ?? availableParallelism()));
  process.stdout.write(`chaos:defects: ${defects.length} defect(s), ${jobs} at a time; explore from baseline-steady-state with ≤ ${maxRuns} runs, ≤ 3 faults\n`);
  const started = process.hrtime.bigint();
  const rows = await mapAtMost(defects, jobs, inWorker);
  rows.sort((a, b) => DEFECT_NAMES.indexOf(a.defect) - DEFECT_NAMES.indexOf(b.defect));
  const table = [
    '| defect | expected invariant | caught by (catalog) | explore from baseline-steady-state | verdict |',
    '|---|---|---|---|---|',
    ...rows.map((r) => {
      const e = r.explore;
      const exploreCell = 'none' in e ? `nothing in ${e.runs} runs` : `\`${e.invariant}\` after ${e.runs} run(s), shrunk to ${e.faults} fault(s)`;
      const why = escaped(r);
      return `| \`${r.defect}\` | ${r.expected.map((i) => `\`${i}\``).join(' or ')} | ${r.catalog ? `${r.catalog.scenario}: \`${r.catalog.invariants.join('`, `')}\`` : '—'} | ${exploreCell} | ${why.length ? `ESCAPED: ${why.join('; ')}` : 'caught'} |`;
    }),
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  await mkdir(join('reports', 'out'), { recursive: true });
  await writeFile(join('reports', 'out', 'defects.md'), `# Defects caught by faultline\n\n${table}\n`, 'utf8');
  const escapes = rows.filter((r) => escaped(r).length > 0);
  const minutes = (Number(process.hrtime.bigint() - started) / 6e10).toFixed(1);
  process.stdout.write(escapes.length ? `\n${escapes.length} defect(s) escaped (${minutes} min).\n` : `\nEvery defect caught (${rows.length}, ${minutes} min).\n`);
  process.exitCode = escapes.length ? 1 : 0;
}
