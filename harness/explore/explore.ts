import fc from 'fast-check';
import { stringify } from 'yaml';
import type { DefectName } from '../../reference-impl/defects.ts';
import type { ScenarioResult } from '../../reports/result.ts';
import type { FaultSpec } from '../../simulators/faults/kinds.ts';
import { checkFaultList } from '../../simulators/faults/plan.ts';
import { replayCommand, runScenario } from '../run/run-scenario.ts';
import type { Scenario } from '../scenario/model.ts';
import { faultPlan, type ExploreSpace } from './arbitraries.ts';

export interface ExploreOptions {
  runs: number;
  /** Seed of the search (fast-check's seed). */
  seed: number;
  maxFaults: number;
  defects: DefectName[];
  /** Runs spent shrinking a failure before settling for the smallest found so far. */
  shrinkBudget?: number;
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

/**
 * Searches fault plans and workload seeds around a scenario with fast-check: each run builds a
 * world with the scenario's topology and workload, a generated plan and seed, and checks every
 * invariant. A failure is shrunk (fewer, gentler faults) within a budget of runs.
 */
export async function explore(scenario: Scenario, options: ExploreOptions): Promise<ExploreOutcome> {
  const space: ExploreSpace = {
    durationMs: scenario.durationMs,
    distributionCenters: scenario.topology.distributionCenters.map((d) => d.code),
    carriers: [...new Set(scenario.topology.distributionCenters.map((d) => d.carrier))],
  };
  const budget = options.shrinkBudget ?? 60;
  let index = 0;
  let firstFailureAt: number | undefined;
  let best: { faults: FaultSpec[]; worldSeed: number; failed: string[]; result: ScenarioResult } | undefined;

  const property = fc.asyncProperty(faultPlan(space, options.maxFaults), fc.noShrink(fc.integer({ min: 0, max: 0xffffffff })), async (faults, worldSeed) => {
    index++;
    // Past the shrink budget, keep the smallest failure found so far.
    if (firstFailureAt !== undefined && index - firstFailureAt > budget) return true;
    const result = await runOnce(scenario, faults, worldSeed, options.defects);
    const failed = result.invariants.filter((i) => i.status === 'fail').map((i) => i.id);
    options.onRun?.({ index, phase: firstFailureAt === undefined ? 'search' : 'shrink', faults, worldSeed, failed, wallMs: 0 });
    if (failed.length === 0) return true;
    firstFailureAt ??= index;
    best = { faults, worldSeed, failed, result };
    return false;
  });
  const details = await fc.check(property, { numRuns: options.runs, seed: options.seed, endOnFailure: false });
  if (!details.failed || !best) return { found: false, runs: index };
  const found = best as { faults: FaultSpec[]; worldSeed: number; failed: string[]; result: ScenarioResult };
  return {
    found: true,
    runs: firstFailureAt ?? index,
    shrinks: details.numShrinks,
    invariant: found.failed[0]!,
    failing: found.failed,
    faults: found.faults,
    worldSeed: found.worldSeed,
    path: details.counterexamplePath ?? '',
    result: found.result,
  };
}

/** Runs the scenario once with a generated plan and seed. */
export async function runOnce(scenario: Scenario, faults: FaultSpec[], worldSeed: number, defects: DefectName[]): Promise<ScenarioResult> {
  const compiled = checkFaultList(faults, '/faults', { mode: 'in-process' });
  if (compiled.problems.length > 0) throw new Error(`generated an invalid plan: ${compiled.problems.map((p) => p.message).join('; ')}`);
  const variant: Scenario = { ...scenario, seed: worldSeed, faults: compiled.faults, raw: { ...scenario.raw, seed: worldSeed, faults } };
  return runScenario(variant, { seed: worldSeed, defects });
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
  const replay = ['npx faultline run', file, ...defects.map((d) => `--defect ${d}`)].join(' ');
  return `# Written by faultline explore. Replays the violation with:\n#   ${replay}\n${stringify(doc, { lineWidth: 100 })}`;
}

export { replayCommand };
