import { describe, expect, it } from 'vitest';
import { mapAtMost } from '../../harness/run/at-most.ts';

describe('mapAtMost', () => {
  it('keeps at most `jobs` calls in flight and returns results in the order of the items', async () => {
    let inFlight = 0;
    let most = 0;
    const delays = [30, 5, 20, 1, 10, 2];
    const results = await mapAtMost(delays, 2, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return `${i}:${ms}`;
    });
    expect(most).toBe(2);
    expect(results).toEqual(delays.map((ms, i) => `${i}:${ms}`));
    expect(await mapAtMost([], 4, async () => 1)).toEqual([]);
  });
});
