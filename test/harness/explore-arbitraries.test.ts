import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXPLORED_KINDS, faultPlan, type ExploreSpace } from '../../harness/explore/arbitraries.ts';
import { searchPlans } from '../../harness/explore/explore.ts';
import { checkFaultList } from '../../simulators/faults/plan.ts';
import type { FaultSpec } from '../../simulators/faults/kinds.ts';

const space: ExploreSpace = { durationMs: 3_600_000, distributionCenters: ['DC-EAST', 'DC-WEST'], carriers: ['carrier-swift', 'carrier-pelican'] };

describe('fault-plan arbitraries', () => {
  it('generate only valid in-process fault plans, of every explored kind', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(faultPlan(space, 4), (plan) => {
        plan.forEach((f) => seen.add(f.kind));
        const { problems } = checkFaultList(plan, '/faults', { mode: 'in-process' });
        expect(problems).toEqual([]);
        for (const f of plan) if (f.kind !== 'crash') expect(f.to).toBeDefined();
      }),
      { seed: 42, numRuns: 300 },
    );
    expect([...seen].sort()).toEqual([...EXPLORED_KINDS].sort());
  });

  it('shrink a failing plan to the fewest, gentlest faults that still fail', () => {
    // The "bug": any downtime of the ERP that lasts 10 minutes or more.
    const failing = (plan: FaultSpec[]) => plan.some((f) => f.kind === 'downtime' && f.target === 'erp' && (parseInt(f.to!) - parseInt(f.from!)) >= 10);
    const details = fc.check(fc.property(faultPlan(space, 4), (plan) => !failing(plan)), { seed: 7, numRuns: 2000 });
    expect(details.failed).toBe(true);
    expect(details.counterexample![0]).toEqual([{ kind: 'downtime', target: 'erp', from: '0m', to: '10m', mode: 'unavailable' }]);
  });

  it('a hand-written plan seeds the search and still shrinks (mapper/unmapper)', () => {
    const written: FaultSpec[] = [
      { kind: 'latency', target: 'wms@DC-WEST', from: '5m', to: '25m', distribution: 'lognormal', median: 1000, sigma: 0.5 },
      { kind: 'downtime', target: 'erp', from: '20m', to: '50m', mode: 'refused' },
    ];
    const failing = (plan: FaultSpec[]) => plan.some((f) => f.kind === 'downtime' && f.target === 'erp');
    const details = fc.check(fc.property(faultPlan(space, 4), (plan) => !failing(plan)), { seed: 1, numRuns: 1, examples: [[written]] });
    expect(details.failed).toBe(true);
    expect(details.counterexample![0]).toEqual([{ kind: 'downtime', target: 'erp', from: '0m', to: '1m', mode: 'unavailable' }]);
  });


  it('explore searches the plans in the order a sequential fast-check run tries them (fc.sample would diverge after a few runs)', async () => {
    const seen: string[] = [];
    await fc.check(
      fc.asyncProperty(faultPlan(space, 3), fc.noShrink(fc.integer({ min: 0, max: 0xffffffff })), async (plan, seed) => {
        seen.push(JSON.stringify([plan, seed]));
        return true;
      }),
      { seed: 1, numRuns: 40 },
    );
    expect((await searchPlans(space, 3, 1, 40)).map((p) => JSON.stringify(p))).toEqual(seen);
  });
});
