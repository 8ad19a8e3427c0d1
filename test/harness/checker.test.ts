import { describe, expect, it } from 'vitest';
import { checkSafe, resultOf } from '../../harness/invariants/checker.ts';
import { verdictOf } from '../../reports/result.ts';

describe('checker results', () => {
  it('adds outcomes up as fail > unknown > pass (Jepsen\'s merge-valid)', () => {
    expect(verdictOf(['pass', 'pass'])).toBe('pass');
    expect(verdictOf(['pass', 'unknown', 'pass'])).toBe('unknown');
    expect(verdictOf(['unknown', 'fail', 'pass'])).toBe('fail');
    expect(verdictOf([])).toBe('pass');
  });

  it('a checker that throws gives unknown with the reason, never a pass', () => {
    const r = checkSafe('no-oversell', () => {
      throw new Error('stock timeline missing for DC-WEST');
    });
    expect(r.valid).toBe('unknown');
    expect(r.reason).toBe('stock timeline missing for DC-WEST');
  });

  it('keeps every anomaly and counts them (the run keeps the first --violations, see engine.test.ts)', () => {
    const anomalies = Array.from({ length: 25 }, (_, i) => ({ type: i % 2 ? 'b' : 'a', message: `m${i}`, subject: {}, traceIds: [], excerpt: [] }));
    const r = resultOf('no-lost-orders', anomalies, 'ok', (n) => `${n} lost`);
    expect(r).toMatchObject({ valid: false, summary: '25 lost', anomalyCount: 25, anomalyTypes: ['a', 'b'] });
    expect(r.anomalies.map((a) => a.message)).toEqual(anomalies.map((a) => a.message));
  });
});
