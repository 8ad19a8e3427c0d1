import { describe, expect, it } from 'vitest';
import { checkSafe, mergeValid, resultOf } from '../../harness/invariants/checker.ts';

describe('checker results', () => {
  it('merges validity as false > unknown > true', () => {
    expect(mergeValid([true, true])).toBe(true);
    expect(mergeValid([true, 'unknown', true])).toBe('unknown');
    expect(mergeValid(['unknown', false, true])).toBe(false);
    expect(mergeValid([])).toBe(true);
  });

  it('a checker that throws gives unknown with the reason, never a pass', () => {
    const r = checkSafe('no-oversell', () => {
      throw new Error('stock timeline missing for DC-WEST');
    });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toBe('stock timeline missing for DC-WEST');
  });

  it('keeps at most 20 anomalies but counts them all', () => {
    const anomalies = Array.from({ length: 25 }, (_, i) => ({ type: i % 2 ? 'b' : 'a', message: `m${i}`, subject: {}, traceIds: [], excerpt: [] }));
    const r = resultOf('no-lost-orders', anomalies, 'ok', (n) => `${n} lost`);
    expect(r).toMatchObject({ valid: false, summary: '25 lost', anomalyCount: 25, anomalyTypes: ['a', 'b'] });
    expect(r.anomalies).toHaveLength(20);
  });
});
