import { describe, expect, it } from 'vitest';
import type { DefectName } from '../../reference-impl/defects.ts';
import { DEFECT_EXPECTATIONS } from '../../harness/defects/expectations.ts';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { loadScenario } from '../../harness/scenario/load.ts';

/**
 * The fast subset of `npm run chaos:defects`: short scenarios where a defect switch must make one
 * of its expected invariants fail, and the same scenario must pass without it (so the catch is
 * the defect's, not the scenario's).
 */
const CASES: Array<[DefectName, string]> = [
  ['no-idempotency', 'test/harness/fixtures/short-erp-outage.yaml'],
  ['no-event-dedup', 'test/harness/fixtures/short-duplicates.yaml'],
  ['non-monotonic-status', 'test/harness/fixtures/short-duplicates.yaml'],
  ['stale-atp', 'test/harness/fixtures/short-tight-stock.yaml'],
];

const failing = async (file: string, defects: DefectName[]) => {
  const scenario = loadScenario(file);
  const result = await runScenario(scenario, { seed: scenario.seed, defects });
  return result.invariants.filter((i) => i.status === 'fail').map((i) => i.id);
};

describe('defects are caught by their expected invariants (fast subset of chaos:defects)', () => {
  for (const file of [...new Set(CASES.map(([, f]) => f))]) {
    it(`${file} holds without defects`, async () => {
      expect(await failing(file, [])).toEqual([]);
    }, 180_000);
  }
  for (const [defect, file] of CASES) {
    it(`${defect} breaks ${DEFECT_EXPECTATIONS[defect].invariants.join(' or ')} in ${file}`, async () => {
      const broken = await failing(file, [defect]);
      expect(broken.some((id) => DEFECT_EXPECTATIONS[defect].invariants.includes(id)), `failing: ${broken.join(', ') || 'nothing'}`).toBe(true);
    }, 180_000);
  }
});
