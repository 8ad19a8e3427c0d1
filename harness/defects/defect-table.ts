import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFECT_NAMES, isDefectName, type DefectName } from '../../reference-impl/defects.ts';
import { explore } from '../explore/explore.ts';
import { runScenario } from '../run/run-scenario.ts';
import { listScenarioFiles, loadScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/model.ts';
import { DEFECT_EXPECTATIONS } from './expectations.ts';

/**
 * npm run chaos:defects — the proof that faultline catches bugs. For every defect switch of the
 * reference implementation: run the catalog with the defect until a scenario shows one of the
 * expected invariants failing (scenarios most likely to show it first; `--full` runs them all),
 * then let `explore` search from baseline-steady-state (≤ 200 runs, ≤ 3 faults) and check that it
 * finds an expected invariant and shrinks to at most 3 faults. Prints the table, writes
 * reports/out/defects.md, exits 1 if any defect escapes.
 */

interface Row {
  defect: DefectName;
  expected: string[];
  catalog: { scenario: string; invariants: string[]; seconds: number } | undefined;
  scenariosTried: number;
  explore: { runs: number; faults: number; invariant: string; seconds: number; repro: string } | { runs: number; none: true; seconds: number };
}

const args = process.argv.slice(2);
const full = args.includes('--full');
const only = args.flatMap((a, i) => (a === '--defect' ? [args[i + 1]!] : []));
const maxRuns = Number(args[args.indexOf('--runs') + 1] ?? 200) || 200;
for (const d of only) {
  if (!isDefectName(d)) {
    process.stderr.write(`chaos:defects: unknown defect "${d}"; known: ${DEFECT_NAMES.join(', ')}\n`);
    process.exit(2);
  }
}
const defects = (only.length ? only : DEFECT_NAMES) as DefectName[];
const catalog = new Map<string, Scenario>(listScenarioFiles(['scenarios']).filter((f) => !f.includes('/regressions/')).map((f) => [loadScenario(f).id, loadScenario(f)]));
const baseline = catalog.get('baseline-steady-state')!;
const secs = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

const rows: Row[] = [];
for (const defect of defects) {
  const expect = DEFECT_EXPECTATIONS[defect];
  const order = [...expect.scenarios, ...[...catalog.keys()].filter((id) => !expect.scenarios.includes(id))];
  let caught: Row['catalog'];
  let tried = 0;
  process.stdout.write(`\n== ${defect}: expect ${expect.invariants.join(' or ')}\n`);
  for (const id of order) {
    const scenario = catalog.get(id)!;
    const t = process.hrtime.bigint();
    const result = await runScenario(scenario, { seed: scenario.seed, defects: [defect] });
    tried++;
    const failing = result.invariants.filter((i) => i.status === 'fail').map((i) => i.id);
    const hit = failing.filter((i) => expect.invariants.includes(i));
    process.stdout.write(`   catalog ${id}: ${failing.length ? `fails ${failing.join(', ')}` : 'holds'} (${secs(t).toFixed(1)} s)\n`);
    if (hit.length > 0 && !caught) caught = { scenario: id, invariants: hit, seconds: secs(t) };
    if (caught && !full) break;
  }
  const t = process.hrtime.bigint();
  const outcome = await explore(baseline, { runs: maxRuns, seed: 1, maxFaults: 3, defects: [defect], shrinkBudget: 40 });
  let exploreRow: Row['explore'];
  if (outcome.found) {
    const dir = join('reports', 'out', 'defects');
    await mkdir(dir, { recursive: true });
    const repro = join(dir, `repro-${defect}-${outcome.invariant}-${outcome.worldSeed}.yaml`);
    const { reproYaml } = await import('../explore/explore.ts');
    await writeFile(repro, reproYaml(baseline, outcome, repro, [defect]), 'utf8');
    exploreRow = { runs: outcome.runs, faults: outcome.faults.length, invariant: outcome.invariant, seconds: secs(t), repro };
  } else {
    exploreRow = { runs: outcome.runs, none: true, seconds: secs(t) };
  }
  process.stdout.write(`   explore: ${'none' in exploreRow ? `nothing in ${exploreRow.runs} runs` : `${exploreRow.invariant} after ${exploreRow.runs} run(s), shrunk to ${exploreRow.faults} fault(s)`} (${secs(t).toFixed(1)} s)\n`);
  rows.push({ defect, expected: expect.invariants, catalog: caught, scenariosTried: tried, explore: exploreRow });
}

const escaped = (r: Row): string[] => {
  const why: string[] = [];
  if (!r.catalog) why.push('no catalog scenario shows an expected invariant failing');
  if ('none' in r.explore) why.push(`explore found nothing in ${r.explore.runs} runs`);
  else {
    if (!r.expected.includes(r.explore.invariant)) why.push(`explore broke ${r.explore.invariant}, not an expected invariant`);
    if (r.explore.faults > 3) why.push(`explore's repro needs ${r.explore.faults} faults (> 3)`);
  }
  return why;
};
const lines = [
  '| defect | expected invariant | caught by (catalog) | explore from baseline | verdict |',
  '|---|---|---|---|---|',
  ...rows.map((r) => {
    const e = r.explore;
    const exploreCell = 'none' in e ? `nothing in ${e.runs} runs` : `\`${e.invariant}\` after ${e.runs} run(s), ${e.faults} fault(s)`;
    const why = escaped(r);
    return `| \`${r.defect}\` | ${r.expected.map((i) => `\`${i}\``).join(' or ')} | ${r.catalog ? `${r.catalog.scenario}: \`${r.catalog.invariants.join('`, `')}\`` : '—'} | ${exploreCell} | ${why.length ? `ESCAPED: ${why.join('; ')}` : 'caught'} |`;
  }),
];
const table = lines.join('\n');
process.stdout.write(`\n${table}\n`);
await mkdir(join('reports', 'out'), { recursive: true });
await writeFile(join('reports', 'out', 'defects.md'), `# Defects caught by faultline\n\n${table}\n`, 'utf8');
const escapes = rows.filter((r) => escaped(r).length > 0);
process.stdout.write(escapes.length ? `\n${escapes.length} defect(s) escaped.\n` : `\nEvery defect caught (${rows.length}).\n`);
process.exitCode = escapes.length ? 1 : 0;
