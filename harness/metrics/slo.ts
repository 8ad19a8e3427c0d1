import type { SloOutcome } from '../../reports/result.ts';

/**
 * SLO expressions as written in scenarios: `<metric> <comparator> <value>`, e.g.
 * `order_ack_p99_ms < 300`, `erp_posting_lag_p95 < 10m`, `recovery_time < 15m`,
 * `exception_rate < 1%`. Each metric has a unit; values may carry a unit suffix.
 */

export type Comparator = '<' | '<=' | '>' | '>=';

export interface SloSpec {
  id: string;
  expression: string;
  comparator: Comparator;
  threshold: number;
  unit: 'ms' | 'ratio' | 'count';
}

/** The metrics an SLO may name, with their unit and a description for error messages and docs. */
export const SLO_METRICS: Record<string, { unit: SloSpec['unit']; description: string }> = {};
for (const [base, what] of [
  ['order_ack', 'order acknowledgement latency'],
  ['erp_posting_lag', 'acknowledgement → booked in the ERP'],
  ['invoice_delay', 'shipment → invoice posted'],
] as const) {
  for (const p of ['p50', 'p90', 'p95', 'p99', 'max']) {
    SLO_METRICS[`${base}_${p}`] = { unit: 'ms', description: `${what}, ${p}` };
    SLO_METRICS[`${base}_${p}_ms`] = { unit: 'ms', description: `${what}, ${p}` };
  }
}
Object.assign(SLO_METRICS, {
  recovery_time: { unit: 'ms', description: "longest time from a fault's end until the layer had no work left for the system it hit" },
  exception_rate: { unit: 'ratio', description: 'exceptions raised per order submitted' },
  inventory_accuracy: { unit: 'ratio', description: 'share of samples where channels saw the true availability' },
  retries: { unit: 'count', description: 'downstream calls retried' },
  circuit_opens: { unit: 'count', description: 'times a circuit breaker opened' },
  lost_orders: { unit: 'count', description: 'acknowledged orders neither booked nor visibly terminal' },
});

const KNOWN_METRICS =
  'order_ack_p{50,90,95,99,max}[_ms], erp_posting_lag_p{…}[_ms], invoice_delay_p{…}[_ms], ' +
  Object.keys(SLO_METRICS)
    .filter((k) => !/_(p\d+|max)(_ms)?$/.test(k))
    .join(', ');

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses one SLO expression; throws an Error whose message says what was expected. */
export function parseSlo(expression: string): SloSpec {
  const m = /^\s*([a-z0-9_]+)\s*(<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z%]*)\s*$/.exec(expression);
  if (!m) throw new Error(`"${expression}" is not an SLO: expected "<metric> <|<=|>|>= <value>", e.g. "order_ack_p99_ms < 300"`);
  const [, id, comparator, number, suffix] = m as unknown as [string, string, Comparator, string, string];
  const metric = SLO_METRICS[id];
  if (!metric) throw new Error(`unknown SLO metric "${id}"; known: ${KNOWN_METRICS}`);
  let threshold = Number(number);
  if (metric.unit === 'ms') {
    // Only a name that says `_ms` may leave the unit out: `erp_posting_lag_p95 < 45` meant 45 minutes, not ms.
    if (suffix === '' && !id.endsWith('_ms')) throw new Error(`"${expression}": ${id} is a duration; give ${number} a unit: ${number}ms, ${number}s, ${number}m or ${number}h`);
    const factor = suffix === '' ? 1 : DURATION_UNITS[suffix];
    if (factor === undefined) throw new Error(`"${expression}": ${id} is a duration; use ms, s, m, h or d (got "${suffix}")`);
    threshold *= factor;
  } else if (metric.unit === 'ratio') {
    if (suffix === '%') threshold /= 100;
    else if (suffix !== '') throw new Error(`"${expression}": ${id} is a ratio; write 0.01 or 1%`);
    // `exception_rate < 1` reads like 1 % but means 100 %: a whole share must be written so.
    else if (threshold >= 1) throw new Error(`"${expression}": a bare ${number} is ${threshold * 100}% for the ratio ${id}; write ${number}% if you meant percent, or ${threshold * 100}% if you meant that`);
  } else if (suffix !== '') {
    throw new Error(`"${expression}": ${id} is a count and takes no unit`);
  }
  return { id, expression: expression.trim(), comparator, threshold, unit: metric.unit };
}

/** Evaluates an SLO against an observed value (null: could not be measured → unknown). */
export function evaluateSlo(spec: SloSpec, observed: number | null, detail?: string): SloOutcome {
  let status: SloOutcome['status'] = 'unknown';
  if (observed !== null && Number.isFinite(observed)) {
    const ok =
      spec.comparator === '<' ? observed < spec.threshold : spec.comparator === '<=' ? observed <= spec.threshold : spec.comparator === '>' ? observed > spec.threshold : observed >= spec.threshold;
    status = ok ? 'pass' : 'fail';
  }
  const outcome: SloOutcome = { id: spec.id, expression: spec.expression, status, observed, threshold: spec.threshold, comparator: spec.comparator, unit: spec.unit };
  if (detail !== undefined) outcome.detail = detail;
  return outcome;
}
