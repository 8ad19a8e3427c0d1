import { describe, expect, it, vi } from 'vitest';

// The policy is a V8 flag; what a test can observe is that it is set, once, by the engine itself.
const setFlagsFromString = vi.hoisted(() => vi.fn());
vi.mock('node:v8', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:v8')>()), setFlagsFromString }));

const { HEAP_GROWING_PERCENT } = await import('../../harness/run/heap-growth.ts');
const { runScenario } = await import('../../harness/run/run-scenario.ts');
const { scenarioFromSource } = await import('../../harness/scenario/load.ts');
const { parseSource } = await import('../../runtime/files/yaml-source.ts');

const yaml = `
title: Two quiet minutes
description: Enough of a run to start a world.
seed: 1
duration: 2m
drain: 30m
workload: { ordersPerSecond: 0.2 }
`;

describe('the heap growth policy of a run', () => {
  it('is set by runScenario, once per process however many worlds run', async () => {
    const scenario = scenarioFromSource(parseSource(yaml, 'quiet.yaml'));
    expect(setFlagsFromString).not.toHaveBeenCalled();
    await runScenario(scenario, { seed: 1, defects: [] });
    await runScenario(scenario, { seed: 2, defects: [] });
    expect(setFlagsFromString.mock.calls).toEqual([[`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]]);
    expect(HEAP_GROWING_PERCENT).toBeGreaterThan(0);
  }, 60_000);
});
