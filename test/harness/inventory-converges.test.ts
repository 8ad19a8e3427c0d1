import { describe, expect, it } from 'vitest';
import { checkInventoryConverges } from '../../harness/invariants/inventory-converges.ts';
import { CheckContext } from '../../harness/invariants/context.ts';
import type { AvailabilitySample, Observations } from '../../harness/run/observations.ts';

const HOUR = 3_600_000;
const sample = (at: number, wrong: number): AvailabilitySample => ({ at, total: 10, matches: 10 - wrong, mismatches: wrong ? [{ sku: 'SKU-1', dc: 'DC-EAST', layer: 5, truth: 3 }] : [] });
const ctx = (samples: AvailabilitySample[]) =>
  new CheckContext({ healAtMs: 2 * HOUR, scenario: { inventoryConvergenceMs: 15 * 60_000 }, availability: samples } as unknown as Observations);

describe('inventory-converges', () => {
  it('counts from the end of the fault phase and says so with a clock time, the delay as a duration', () => {
    const r = checkInventoryConverges(ctx([sample(HOUR, 4), sample(2 * HOUR, 2), sample(2 * HOUR + 300_000, 0), sample(2 * HOUR + 600_000, 0)]));
    expect(r.valid).toBe(true);
    expect(r.summary).toBe('availability matched the WMS on every position from 2:05:00, 5.0 min after the fault phase ended at 2:00:00 (bound 15.0 min)');
  });

  it('fails when it matched only after the bound, naming a position that differed before', () => {
    const r = checkInventoryConverges(ctx([sample(2 * HOUR, 2), sample(2 * HOUR + 20 * 60_000, 1), sample(2 * HOUR + 25 * 60_000, 0)]));
    expect(r.valid).toBe(false);
    expect(r.anomalies[0]!.message).toBe('availability matched the WMS only at 2:25:00, 25.0 min after the fault phase ended at 2:00:00 (bound 15.0 min); at 2:20:00: SKU-1@DC-EAST shows 5, truth 3');
  });

  it('fails when a position still differs at the end, and cannot decide without a sample after the fault phase', () => {
    const r = checkInventoryConverges(ctx([sample(2 * HOUR, 0), sample(2 * HOUR + 60_000, 1)]));
    expect(r.valid).toBe(false);
    expect(r.anomalies[0]!.type).toBe('not-converged');
    const none = checkInventoryConverges(ctx([sample(HOUR, 0)]));
    expect(none).toMatchObject({ valid: 'unknown', summary: 'no availability sample after the fault phase ended at 2:00:00' });
  });
});
