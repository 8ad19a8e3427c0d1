import { resultOf, type Anomaly, type CheckResult } from './checker.ts';
import type { CheckContext } from './context.ts';
import { formatMs } from '../../reports/render/format.ts';
import { fmt } from './no-lost-orders.ts';

/**
 * `inventory-converges`: after the last fault heals, the availability shown to channels equals
 * the WMS truth (on hand per sku and DC) within the scenario's bound, and stays equal.
 */
export function checkInventoryConverges(ctx: CheckContext): CheckResult {
  const { healAtMs, scenario } = ctx.obs;
  const bound = scenario.inventoryConvergenceMs;
  // The clock time the bound counts from: the fault phase's end, when the workload stops and every
  // fault is healed (a fault's own window may have closed earlier). Durations read as durations.
  const healed = `the fault phase ended at ${fmt(healAtMs)}`;
  const after = ctx.obs.availability.filter((s) => s.at >= healAtMs);
  const last = after.at(-1);
  if (!last) {
    return { id: 'inventory-converges', valid: 'unknown', summary: `no availability sample after ${healed}`, anomalyTypes: [], anomalies: [], anomalyCount: 0, reason: 'the run ended before a sample was taken' };
  }
  // The first sample from which every later sample matches the truth.
  let convergedAt: number | undefined;
  for (let i = after.length - 1; i >= 0 && after[i]!.matches === after[i]!.total; i--) convergedAt = after[i]!.at;
  const anomalies: Anomaly[] = [];
  const mismatchText = (s: (typeof after)[number]) => s.mismatches.slice(0, 5).map((m) => `${m.sku}@${m.dc} shows ${m.layer}, truth ${m.truth}`).join('; ');
  if (convergedAt === undefined) {
    anomalies.push({
      type: 'not-converged',
      message: `${last.total - last.matches} of ${last.total} stock positions still differ from the WMS at the end of the run (${fmt(last.at)}): ${mismatchText(last)}`,
      subject: {},
      traceIds: [],
      at: last.at,
      excerpt: last.mismatches.slice(0, 8).map((m) => ({ at: last.at, actor: 'layer', type: 'sample', what: `${m.sku}@${m.dc}`, detail: `layer ${m.layer}, WMS ${m.truth}` })),
    });
  } else if (convergedAt - healAtMs > bound) {
    const before = after.filter((s) => s.at < convergedAt!).at(-1)!;
    anomalies.push({
      type: 'converged-late',
      message: `availability matched the WMS only at ${fmt(convergedAt)}, ${formatMs(convergedAt - healAtMs)} after ${healed} (bound ${formatMs(bound)}); at ${fmt(before.at)}: ${mismatchText(before)}`,
      subject: {},
      traceIds: [],
      at: convergedAt,
      excerpt: [],
    });
  }
  return resultOf(
    'inventory-converges',
    anomalies,
    convergedAt !== undefined
      ? `availability matched the WMS on every position from ${fmt(convergedAt)}, ${formatMs(Math.max(0, convergedAt - healAtMs))} after ${healed} (bound ${formatMs(bound)})`
      : `availability still differed from the WMS at the end of the run, ${fmt(last.at)} (bound ${formatMs(bound)} after ${healed})`,
    () => 'availability did not converge to the WMS truth within the bound',
  );
}
