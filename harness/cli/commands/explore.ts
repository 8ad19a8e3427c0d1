import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { explore, reproYaml } from '../../explore/explore.ts';
import { loadScenario, ScenarioError } from '../../scenario/load.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { prepareOutDir } from '../options.ts';
import { parseCommon } from './run.ts';
import { runCommand } from '../../run/replay-command.ts';
import type { FaultSpec } from '../../../simulators/faults/kinds.ts';

export interface ExploreFlags {
  runs: string;
  seed?: string;
  maxFaults: string;
  defect: string[];
  jobs: string;
  out: string;
}

const positive = (flag: string, value: string, max: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} ${value}: expected an integer from 1 to ${max}`);
  return n;
};

/** `faultline explore SCENARIO`: searches fault plans that break an invariant, shrinks the failure, writes a repro. */
export default async function exploreCommand(file: string, flags: ExploreFlags): Promise<number> {
  const { seed, defects } = parseCommon(flags);
  const runs = positive('--runs', flags.runs, 100_000);
  const maxFaults = positive('--max-faults', flags.maxFaults, 20);
  const jobs = positive('--jobs', flags.jobs, 64);
  let scenario;
  try {
    scenario = loadScenario(file);
    for (const n of scenario.notes) process.stderr.write(`${n}\n`);
  } catch (error) {
    if (error instanceof ScenarioError) throw new UsageError(`invalid scenario, nothing was explored:\n${error.message}`);
    throw error;
  }
  await prepareOutDir(flags.out);
  const searchSeed = seed ?? scenario.seed;
  const out = process.stdout;
  out.write(`faultline explore ${file}: up to ${runs} run(s), at most ${maxFaults} fault(s) per plan, search seed ${searchSeed}${defects.length ? `, defects ${defects.join(', ')}` : ''}${jobs > 1 ? `, ${jobs} runs at a time` : ''}\n`);
  const started = process.hrtime.bigint();
  let tried = 0;
  const outcome = await explore(scenario, {
    runs,
    seed: searchSeed,
    maxFaults,
    defects,
    jobs,
    onRun: (r) => {
      if (r.phase === 'shrink') tried++;
      out.write(`${r.phase === 'search' ? 'run' : 'shrink'} ${r.index}: ${r.faults.length} fault(s)${r.faults.length ? ` [${r.faults.map(describeFault).join(', ')}]` : ''}, seed ${r.worldSeed} → ${r.failed.length ? `FAILS ${r.failed.join(', ')}` : 'holds'} (${(r.wallMs / 1000).toFixed(1)} s)\n`);
    },
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (!outcome.found) {
    out.write(`\nNo violation in ${outcome.runs} run(s) (${(wall / 1000).toFixed(1)} s). Search seed ${searchSeed}: rerun with --seed ${searchSeed} to repeat this search.\n`);
    return EXIT.ok;
  }
  await mkdir(flags.out, { recursive: true });
  const target = join(flags.out, `repro-${outcome.invariant}-${outcome.worldSeed}.yaml`);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, reproYaml(scenario, outcome, target, defects), 'utf8');
  await rename(temp, target);
  const replay = runCommand(target, defects);
  out.write(
    `\nProperty failed after ${outcome.runs} run(s); shrinking tried ${tried} smaller plan(s), ${outcome.shrinks} of which still failed (${(wall / 1000).toFixed(1)} s)\n` +
      // fast-check's replay token: the search seed and the path to the shrunk case.
      `Search: { seed: ${searchSeed}, path: "${outcome.path}" } (fast-check replay parameters)\n` +
      `Invariant ${outcome.invariant} breaks${outcome.failing.length > 1 ? ` (also ${outcome.failing.slice(1).join(', ')})` : ''} ` +
      (outcome.faults.length === 0
        ? `with no fault at all, world seed ${outcome.worldSeed}: the workload alone breaks it\n`
        : `with ${outcome.faults.length} fault(s), world seed ${outcome.worldSeed}:\n${outcome.faults.map((f) => `  - ${JSON.stringify(f)}\n`).join('')}`) +
      `Wrote ${target}\nReplay: ${replay}\n`,
  );
  return EXIT.failed;
}

/** One fault in a log line: kind@target, its window and its other settings (shrink steps differ only there). */
function describeFault(f: FaultSpec): string {
  const { kind, target, from, to, id: _id, description: _d, ...rest } = f as FaultSpec & Record<string, unknown>;
  const window = from !== undefined || to !== undefined ? ` ${String(from ?? '0m')}–${String(to ?? 'end')}` : '';
  const settings = Object.entries(rest).map(([k, v]) => ` ${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return `${kind}@${target}${window}${settings.join('')}`;
}
