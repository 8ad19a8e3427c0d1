import { resultOf, type Anomaly, type CheckResult } from './checker.ts';
import { TERMINAL, type CheckContext } from './context.ts';
import { fmt } from './no-lost-orders.ts';

const TERMINAL_STATUS = { cancelled: true, rejected: true };

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
  // A transaction that failed for good must be in the queue: an order stuck after drain, or an ERP
  // posting the layer attempted that never took effect, must be traceable to an exception.
  const text = exceptions.map((e) => `${e.traceId} ${JSON.stringify(e.payload)}`).join('\n');
  const erp = ctx.obs.erp;
  const posted = new Set<string>([...erp.salesOrders, ...erp.goodsIssues, ...erp.invoices, ...erp.creditMemos].map((d) => d.externalReference));
  for (const [reference, p] of ctx.obs.recorder.postings.entries()) {
    if (posted.has(reference) || text.includes(reference)) continue;
    if (p.operation === 'bookSalesOrder' && (ctx.obs.finalOrders.get(reference)?.status ?? '') in TERMINAL_STATUS) continue; // cancelled or rejected before it was booked
    const sf = ctx.storefrontOrder(reference);
    anomalies.push({
      type: 'failed-not-queued',
      message: `${p.operation} for ${reference} was attempted ${p.attempts} time(s) from ${fmt(p.firstAt)} (last answer: ${p.lastStatus}) and never took effect in the ERP, and no exception names it: the failure went silently away`,
      subject: { reference, operation: p.operation },
      traceIds: sf ? [sf.traceId] : [],
      at: p.firstAt,
      excerpt: ctx.excerpt(sf),
    });
  }
  for (const order of ctx.acknowledged()) {
    for (const orderId of new Set(order.acks.map((a) => a.orderId))) {
      const view = ctx.obs.finalOrders.get(orderId);
      if (!view || TERMINAL.has(view.status) || ctx.salesOrders(orderId).length > 0) continue;
      if (text.includes(orderId) || text.includes(order.traceId) || ctx.obs.recorder.postings.has(orderId)) continue; // postings are judged above
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
  return resultOf('exceptions-replayable', anomalies, exceptions.length === 0 ? 'no exception raised: no transaction failed for good' : `${exceptions.length} exception(s) raised, each with reason and trace id; all resolved after replay`, (n) => `${n} problem(s) with the exception queue`);
}
