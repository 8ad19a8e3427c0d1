import { EXIT, UsageError } from '../exit-codes.ts';
import { listScenarioFiles, loadScenario, ScenarioError } from '../../scenario/load.ts';

/** `faultline validate FILES|DIRS`: checks scenario files without running them. */
export default async function validate(paths: string[]): Promise<number> {
  const files = listScenarioFiles(paths);
  if (files.length === 0) throw new UsageError(`no scenario files (*.yaml, *.yml, *.json) in ${paths.join(', ')}`);
  let bad = 0;
  for (const file of files) {
    try {
      const s = loadScenario(file);
      process.stdout.write(`ok  ${file}: ${s.title} (${s.faults.length} fault(s), ${s.slos.length} SLO(s), ${s.invariants.length} invariant(s))\n`);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      bad++;
      process.stderr.write(`${error.message}\n`);
    }
  }
  if (bad > 0) {
    process.stderr.write(`${bad} of ${files.length} scenario file(s) invalid\n`);
    return EXIT.usage;
  }
  return EXIT.ok;
}
