import { resultOf, type Anomaly, type CheckResult } from './checker.ts';
import { TERMINAL, type CheckContext } from './context.ts';

/**
 * `exceptions-replayable`: every failed transaction is in the exception queue with its reason and
 * trace id; replayed after the faults heal, the queue drains.
 */
export function checkExceptionsReplayable(ctx: CheckContext): CheckResult {
  const anomalies: Anomaly[] = [];
  const { exceptions } = ctx.obs;
  for (const e of exceptions) {
    const missing = [!e.reason && 'reason', !/^[0-9a-f]{32}$/.test(e.traceId) && 'trace id', !e.system && 'system', !e.operation && 'operation'].filter(Boolean);
    if (missing.length > 0) {
      anomalies.push({ type: 'incomplete-exception', message: `exception ${e.exceptionId} lacks its ${missing.join(', ')}`, subject: { exceptionId: e.exceptionId }, traceIds: e.traceId ? [e.traceId] : [], excerpt: [] });
    }
    if (e.status !== 'resolved') {
      anomalies.push({
        type: 'not-drained',
        message: `exception ${e.exceptionId} (${e.system} ${e.operation}: ${e.reason}) is still ${e.status} after the faults healed and the queue was replayed ${e.replayCount} time(s)`,
        subject: { exceptionId: e.exceptionId, system: e.system, operation: e.operation },
        traceIds: [e.traceId],
        excerpt: [],
      });
    }
  }
  // A transaction that failed for good must be in the queue: an order stuck after drain must be traceable to an exception.
  const text = exceptions.map((e) => `${e.traceId} ${JSON.stringify(e.payload)}`).join('\n');
  for (const order of ctx.acknowledged()) {
    for (const orderId of new Set(order.acks.map((a) => a.orderId))) {
      const view = ctx.obs.finalOrders.get(orderId);
      if (!view || TERMINAL.has(view.status) || ctx.salesOrders(orderId).length > 0) continue;
      if (text.includes(orderId) || text.includes(order.traceId)) continue;
      anomalies.push({
        type: 'failed-not-queued',
        message: `order ${orderId} never reached the ERP and nothing in the exception queue names it or its trace: the failure went silently away`,
        subject: { orderId },
        traceIds: [order.traceId],
        at: order.acks[0]!.at,
        excerpt: ctx.excerpt(order),
      });
    }
  }
  return resultOf('exceptions-replayable', anomalies, `${exceptions.length} exception(s) raised, each with reason and trace id; all resolved after replay`, (n) => `${n} problem(s) with the exception queue`);
}
