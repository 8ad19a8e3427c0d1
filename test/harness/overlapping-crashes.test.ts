import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { scenarioFromSource } from '../../harness/scenario/load.ts';
import { parseSource } from '../../runtime/files/yaml-source.ts';

// Explore generates crash faults that overlap: a second crash while the layer is still down from
// the first (found by chaos:defects: two instances booted and the second could not subscribe).
const yaml = `
title: Overlapping crashes
description: The layer crashes again while it is down, and again just as it restarts.
seed: 3
duration: 10m
drain: 4h
workload: { ordersPerSecond: 1 }
faults:
  - { id: crash-1, kind: crash, target: layer, from: 2m, downFor: 3m }
  - { id: crash-2, kind: crash, target: layer, from: 3m, downFor: 1m }
  - { id: crash-3, kind: crash, target: layer, from: 5m, downFor: 30s }
`;

describe('crash faults that overlap', () => {
  it('keep one instance at a time: the layer stays down until every outage is over, then recovers with every invariant holding', async () => {
    const scenario = scenarioFromSource(parseSource(yaml, 'overlapping-crashes.yaml'));
    const result = await runScenario(scenario, { seed: 3, defects: [] });
    expect(result.settings.crashes).toBe(3);
    expect(result.invariants.filter((i) => i.status !== 'pass').map((i) => `${i.id}: ${i.summary}`)).toEqual([]);
    expect(result.counts.ordersAcknowledged).toBeGreaterThan(300);
    // Each crash's window ends when its outage does (the plan is cleared on heal; the windows were read before).
    expect(result.faults.map((f) => [f.id, f.fromMs, f.toMs])).toEqual([
      ['crash-1', 120_000, 300_000],
      ['crash-2', 180_000, 240_000],
      ['crash-3', 300_000, 330_000],
    ]);
    for (const f of result.faults) expect(f.recoveryMs).not.toBeNull();
  }, 120_000);
});
