import { describe, expect, it, vi } from 'vitest';

// The policy is a V8 flag; what a test can observe is whether and when it is set.
const setFlagsFromString = vi.hoisted(() => vi.fn());
vi.mock('node:v8', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:v8')>()), setFlagsFromString }));

const { HEAP_GROWING_PERCENT, LARGE_RUN_ORDERS, sizeHeapGrowthFor } = await import('../../harness/run/heap-growth.ts');

describe('the heap growth policy', () => {
  it('leaves V8 its default for small runs, then sets small steps once, from the first large run on', () => {
    sizeHeapGrowthFor(3_600);
    sizeHeapGrowthFor(LARGE_RUN_ORDERS - 1);
    expect(setFlagsFromString).not.toHaveBeenCalled();
    sizeHeapGrowthFor(LARGE_RUN_ORDERS);
    sizeHeapGrowthFor(100_000);
    sizeHeapGrowthFor(10);
    expect(setFlagsFromString.mock.calls).toEqual([[`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]]);
  });
});
