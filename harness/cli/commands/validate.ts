import { EXIT, UsageError } from '../exit-codes.ts';
import { isFaultPlan, listScenarioFiles, scenarioFromSource, ScenarioError } from '../../scenario/load.ts';
import { readSource } from '../../../runtime/files/yaml-source.ts';
import { FaultPlanError, planFromSource } from '../../../simulators/faults/plan.ts';

/**
 * `faultline validate FILES|DIRS`: checks scenario files and fault plans (what `sim --faults` and
 * `proxy --faults` read) without running them. A file whose only top-level field is `faults` is a
 * fault plan; anything else is checked as a scenario.
 */
export default async function validate(paths: string[]): Promise<number> {
  const files = listScenarioFiles(paths);
  if (files.length === 0) throw new UsageError(`no scenario or fault files (*.yaml, *.yml, *.json) in ${paths.join(', ')}`);
  let bad = 0;
  for (const file of files) {
    try {
      const source = readSource(file);
      if (isFaultPlan(source)) {
        const plan = planFromSource(source);
        process.stdout.write(`ok  ${file}: fault plan (${plan.faults.length} fault(s))\n`);
        continue;
      }
      const s = scenarioFromSource(source);
      process.stdout.write(`ok  ${file}: ${s.title} (${s.faults.length} fault(s), ${s.slos.length} SLO(s), ${s.invariants.length} invariant(s))\n`);
      for (const n of s.notes) process.stderr.write(`${n}\n`);
    } catch (error) {
      if (!(error instanceof ScenarioError) && !(error instanceof FaultPlanError)) throw error;
      bad++;
      process.stderr.write(`${error.message}\n`);
    }
  }
  if (bad > 0) {
    process.stderr.write(`${bad} of ${files.length} file(s) invalid\n`);
    return EXIT.usage;
  }
  return EXIT.ok;
}
