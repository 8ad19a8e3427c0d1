import { describe, expect, it } from 'vitest';
import { evaluateSlo, parseSlo } from '../../harness/metrics/slo.ts';

describe('SLO expressions', () => {
  it('parses the forms scenarios use, with units', () => {
    expect(parseSlo('order_ack_p99_ms < 300')).toMatchObject({ id: 'order_ack_p99_ms', comparator: '<', threshold: 300, unit: 'ms' });
    expect(parseSlo('erp_posting_lag_p95 < 10m')).toMatchObject({ threshold: 600_000, unit: 'ms' });
    expect(parseSlo('recovery_time <= 15m')).toMatchObject({ comparator: '<=', threshold: 900_000 });
    expect(parseSlo('exception_rate < 1%')).toMatchObject({ threshold: 0.01, unit: 'ratio' });
    expect(parseSlo('inventory_accuracy >= 0.99')).toMatchObject({ comparator: '>=', threshold: 0.99 });
  });

  it('says what was expected when an expression is wrong', () => {
    expect(() => parseSlo('order_ack_p99_ms 300')).toThrow(/expected "<metric> <\|<=\|>\|>= <value>"/);
    expect(() => parseSlo('order_latency < 3')).toThrow(/unknown SLO metric "order_latency"; known: order_ack_p\{50,90,95,99,max\}\[_ms\]/);
    expect(() => parseSlo('erp_posting_lag_p95 < 10 parsecs')).toThrow();
    expect(() => parseSlo('erp_posting_lag_p95 < 10w')).toThrow(/use ms, s, m, h or d/);
    expect(parseSlo('recovery_time < 1d')).toMatchObject({ threshold: 86_400_000 });
    // A bare number is milliseconds only where the name says so.
    expect(() => parseSlo('erp_posting_lag_p95 < 45')).toThrow('"erp_posting_lag_p95 < 45": erp_posting_lag_p95 is a duration; give 45 a unit: 45ms, 45s, 45m or 45h');
    expect(parseSlo('order_ack_p99_ms < 300')).toMatchObject({ threshold: 300 });
    expect(() => parseSlo('exception_rate < 1m')).toThrow(/ratio/);
    // A bare 1 reads like 1 % but is 100 %: refused, saying both ways to write it.
    expect(() => parseSlo('exception_rate < 1')).toThrow('"exception_rate < 1": a bare 1 is 100% for the ratio exception_rate; write 1% if you meant percent, or 100% if you meant that');
    expect(parseSlo('exception_rate < 100%')).toMatchObject({ threshold: 1 });
    expect(parseSlo('inventory_accuracy >= 0.5')).toMatchObject({ threshold: 0.5 });
  });

  it('evaluates pass, fail, and unknown when nothing was measured', () => {
    const spec = parseSlo('order_ack_p99_ms < 300');
    expect(evaluateSlo(spec, 299).status).toBe('pass');
    expect(evaluateSlo(spec, 300).status).toBe('fail');
    expect(evaluateSlo(spec, null, 'no orders').status).toBe('unknown');
    expect(evaluateSlo(parseSlo('inventory_accuracy >= 0.99'), 0.99).status).toBe('pass');
  });
});
