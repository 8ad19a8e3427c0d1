import type { DefectName } from '../../reference-impl/defects.ts';
import type { ScenarioResult } from '../../reports/result.ts';
import type { FaultSpec } from '../../simulators/faults/kinds.ts';
import { checkFaultList } from '../../simulators/faults/plan.ts';
import { runScenario } from '../run/run-scenario.ts';
import type { Scenario } from '../scenario/model.ts';

/** Runs the scenario once with a generated fault plan and world seed in place of its own. */
export async function runWithPlan(scenario: Scenario, faults: FaultSpec[], worldSeed: number, defects: DefectName[]): Promise<ScenarioResult> {
  const compiled = checkFaultList(faults, '/faults', { mode: 'in-process' });
  if (compiled.problems.length > 0) throw new Error(`generated an invalid plan: ${compiled.problems.map((p) => p.message).join('; ')}`);
  const variant: Scenario = { ...scenario, seed: worldSeed, faults: compiled.faults, raw: { ...scenario.raw, seed: worldSeed, faults } };
  return runScenario(variant, { seed: worldSeed, defects });
}
