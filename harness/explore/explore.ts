import fc from 'fast-check';
import { stringify } from 'yaml';
import type { DefectName } from '../../reference-impl/defects.ts';
import type { ScenarioResult } from '../../reports/result.ts';
import type { FaultSpec } from '../../simulators/faults/kinds.ts';
import { mapAtMost } from '../run/at-most.ts';
import { replayCommand } from '../run/run-scenario.ts';
import { ScenarioPool } from '../run/scenario-process.ts';
import type { Scenario } from '../scenario/model.ts';
import { faultPlan, type ExploreSpace } from './arbitraries.ts';
import { runWithPlan } from './run-with-plan.ts';
import { runCommand } from '../run/replay-command.ts';

export interface ExploreOptions {
  runs: number;
  /** Seed of the search (fast-check's seed). */
  seed: number;
  maxFaults: number;
  defects: DefectName[];
  /** Runs spent shrinking a failure before settling for the smallest found so far. */
  shrinkBudget?: number;
  /**
   * Worker processes for the search (default 1: runs in this process). The outcome is the same
   * for any number: the search reports the lowest-numbered failing run, and shrinking is sequential.
   */
  jobs?: number;
  /** Called once per run, in run order. */
  onRun?: (r: { index: number; phase: 'search' | 'shrink'; faults: FaultSpec[]; worldSeed: number; failed: string[]; wallMs: number }) => void;
}

/** What a search found: nothing, or a minimal failing fault plan and world seed. */
export type ExploreOutcome =
  | { found: false; runs: number }
  | {
      found: true;
      runs: number;
      shrinks: number;
      /** The invariant the minimal plan breaks (the first failing, in catalog order). */
      invariant: string;
      failing: string[];
      faults: FaultSpec[];
      worldSeed: number;
      /** fast-check's replay path of the counterexample. */
      path: string;
      result: ScenarioResult;
    };

type Plan = [faults: FaultSpec[], worldSeed: number];
interface Evaluated {
  result: ScenarioResult;
  failed: string[];
  wallMs: number;
}

/**
 * Searches fault plans and workload seeds around a scenario with fast-check: each run builds a
 * world with the scenario's topology and workload, a generated plan and seed, and checks every
 * invariant. A failure is shrunk (fewer, gentler faults) within a budget of runs.
 *
 * The search runs the plans fast-check would try, in its order, `jobs` at a time (a run is a
 * whole simulated world, seconds of CPU); the first failure is the lowest-numbered failing run,
 * whatever order runs finish in. fast-check then shrinks it exactly as a sequential search would
 * have, the next candidates starting early.
 */
export async function explore(scenario: Scenario, options: ExploreOptions): Promise<ExploreOutcome> {
  const space: ExploreSpace = {
    durationMs: scenario.durationMs,
    distributionCenters: scenario.topology.distributionCenters.map((d) => d.code),
    carriers: [...new Set(scenario.topology.distributionCenters.map((d) => d.carrier))],
  };
  const budget = options.shrinkBudget ?? 60;
  const jobs = options.jobs ?? 1;
  const pool = jobs > 1 ? new ScenarioPool(jobs) : undefined;
  const evaluate = async ([faults, worldSeed]: Plan): Promise<Evaluated> => {
    const started = process.hrtime.bigint();
    const result = pool
      ? await pool.run({ kind: 'plan', file: scenario.file, raw: scenario.raw, faults, worldSeed, defects: options.defects })
      : await runWithPlan(scenario, faults, worldSeed, options.defects);
    return { result, failed: result.invariants.filter((i) => i.status === 'fail').map((i) => i.id), wallMs: Number(process.hrtime.bigint() - started) / 1e6 };
  };
  try {
    // 1. Search: the runs fast-check would make, numbered from 0.
    const plans = await searchPlans(space, options.maxFaults, options.seed, options.runs);
    const done: Array<Evaluated | undefined> = [];
    let failingAt: number | undefined;
    let reported = 0;
    const report = (): void => {
      for (; reported < plans.length && done[reported] && (failingAt === undefined || reported <= failingAt); reported++) {
        const e = done[reported]!;
        options.onRun?.({ index: reported + 1, phase: 'search', faults: plans[reported]![0], worldSeed: plans[reported]![1], failed: e.failed, wallMs: e.wallMs });
      }
    };
    await mapAtMost(plans, jobs, async (plan, i) => {
      if (failingAt !== undefined && i > failingAt) return; // a lower-numbered run already failed
      const e = await evaluate(plan);
      done[i] = e;
      if (e.failed.length > 0 && (failingAt === undefined || i < failingAt)) failingAt = i;
      report();
    });
    if (failingAt === undefined) return { found: false, runs: plans.length };

    // 2. Shrink: the same check again, answered from the search up to run `failingAt` (those held,
    // that one fails), so fast-check shrinks it exactly as a sequential search would have: smaller
    // plans, one at a time; past the budget it keeps the smallest failure found so far. With more
    // than one process, the candidates after the one being tried start early (below).
    const first = done[failingAt]!;
    const known = JSON.stringify(plans[failingAt]);
    let best = { faults: plans[failingAt]![0], worldSeed: plans[failingAt]![1], ...first };
    let shrinkRuns = 0;
    const early = new Map<string, Promise<Evaluated>>();
    const start = (plan: Plan): void => {
      const key = JSON.stringify(plan);
      if (shrinkRuns >= budget || key === known || early.has(key)) return;
      const run = evaluate(plan);
      run.catch(() => undefined); // a run nobody asks for may end with the pool
      early.set(key, run);
    };
    let replayed = 0;
    const shrinking = searchProperty(space, options.maxFaults, async (faults, worldSeed) => {
      if (replayed <= failingAt!) return replayed++ < failingAt!;
      const key = JSON.stringify([faults, worldSeed]);
      if (key === known) return false;
      if (++shrinkRuns > budget) return true;
      const e = await (early.get(key) ?? evaluate([faults, worldSeed]));
      early.delete(key);
      options.onRun?.({ index: failingAt! + 1 + shrinkRuns, phase: 'shrink', faults, worldSeed, failed: e.failed, wallMs: e.wallMs });
      if (e.failed.length === 0) return true;
      best = { faults, worldSeed, ...e };
      return false;
    });
    const details = await fc.check(jobs > 1 ? withLookahead(shrinking, jobs - 1, start) : shrinking, { seed: options.seed, numRuns: options.runs, endOnFailure: false });
    return {
      found: true,
      runs: failingAt + 1,
      shrinks: details.numShrinks,
      invariant: best.failed[0]!,
      failing: best.failed,
      faults: best.faults,
      worldSeed: best.worldSeed,
      path: details.counterexamplePath ?? String(failingAt),
      result: best.result,
    };
  } finally {
    pool?.close();
  }
}

/** explore's property: a fault plan and a world seed. */
function searchProperty(space: ExploreSpace, maxFaults: number, predicate: (faults: FaultSpec[], worldSeed: number) => Promise<boolean>) {
  return fc.asyncProperty(faultPlan(space, maxFaults), fc.noShrink(fc.integer({ min: 0, max: 0xffffffff })), predicate);
}

/**
 * The plans a sequential search tries, in its order: read off a check whose predicate only
 * records them (fc.sample draws differently from fc.check after a few runs).
 */
export async function searchPlans(space: ExploreSpace, maxFaults: number, seed: number, runs: number): Promise<Array<[faults: FaultSpec[], worldSeed: number]>> {
  const plans: Plan[] = [];
  await fc.check(
    searchProperty(space, maxFaults, async (faults, worldSeed) => {
      plans.push([faults, worldSeed]);
      return true;
    }),
    { seed, numRuns: runs },
  );
  return plans;
}

/**
 * Shrinking with look-ahead: fast-check's runner tries one shrink candidate at a time and moves to
 * the next only when it holds (the common case). While it runs one, the next `ahead` candidates of
 * the same stream start in the other processes, so a candidate that holds costs no wait for the
 * next. The runner still decides, in its own order, from the same results: the outcome is the one
 * a single process finds.
 */
function withLookahead<Ts>(base: fc.IAsyncProperty<Ts>, ahead: number, start: (value: Ts) => void): fc.IAsyncProperty<Ts> {
  return {
    isAsync: () => true,
    generate: (mrng, runId) => base.generate(mrng, runId),
    shrink: (value) => fc.stream(lookahead(base.shrink(value), ahead, start)),
    run: (v) => base.run(v),
    runBeforeEach: () => base.runBeforeEach(),
    runAfterEach: () => base.runAfterEach(),
  };
}

function* lookahead<Ts>(candidates: Iterable<fc.Value<Ts>>, ahead: number, start: (value: Ts) => void): Generator<fc.Value<Ts>> {
  const source = candidates[Symbol.iterator]();
  const buffer: Array<fc.Value<Ts>> = [];
  for (;;) {
    while (buffer.length <= ahead) {
      const next = source.next();
      if (next.done) break;
      buffer.push(next.value);
      start(next.value.value_);
    }
    const head = buffer.shift();
    if (!head) return;
    yield head;
  }
}

/** The scenario file that replays a found failure: the original with the minimal plan and seed. */
export function reproYaml(scenario: Scenario, outcome: Extract<ExploreOutcome, { found: true }>, file: string, defects: readonly string[]): string {
  const { faults: _old, seed: _seed, title, description, ...rest } = scenario.raw as Record<string, unknown>;
  const doc = {
    title: `Repro: ${outcome.invariant} (from ${scenario.id})`,
    description: `${String(description).trim()}\n\nFound by faultline explore: breaks ${outcome.failing.join(', ')} with ${outcome.faults.length} fault(s).`,
    seed: outcome.worldSeed,
    ...rest,
    faults: outcome.faults,
  };
  void title;
  const replay = runCommand(file, defects);
  return `# Written by faultline explore. Replays the violation with:\n#   ${replay}\n${stringify(doc, { lineWidth: 100 })}`;
}

export { replayCommand };
