import { describe, expect, it, vi } from 'vitest';

// runScenario sizes the heap policy from the orders its scenario's workload is expected to take.
const sizeHeapGrowthFor = vi.hoisted(() => vi.fn());
vi.mock('../../harness/run/heap-growth.ts', async (importOriginal) => ({ ...(await importOriginal<typeof import('../../harness/run/heap-growth.ts')>()), sizeHeapGrowthFor }));

const { runScenario } = await import('../../harness/run/run-scenario.ts');
const { scenarioFromSource } = await import('../../harness/scenario/load.ts');
const { parseSource } = await import('../../runtime/files/yaml-source.ts');

describe('runScenario and the heap growth policy', () => {
  it('asks for it once per run, with the orders the workload is expected to take', async () => {
    const yaml = 'title: Two quiet minutes\ndescription: Enough of a run to start a world.\nseed: 1\nduration: 2m\ndrain: 30m\nworkload: { ordersPerSecond: 0.2 }\n';
    await runScenario(scenarioFromSource(parseSource(yaml, 'quiet.yaml')), { seed: 1, defects: [] });
    expect(sizeHeapGrowthFor).toHaveBeenCalledTimes(1);
    expect(sizeHeapGrowthFor.mock.calls[0]![0]).toBeCloseTo(0.2 * 120, 6); // 0.2 orders/s for 120 s
  }, 60_000);
});
