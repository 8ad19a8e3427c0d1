import { resultOf, type Anomaly, type CheckResult } from './checker.ts';
import { CheckContext, TERMINAL } from './context.ts';

/**
 * `no-lost-orders`: every order acknowledged to a storefront ends, after drain, booked in the ERP
 * or in a terminal state the storefront can see (rejected with a reason, cancelled): never
 * missing (the layer forgot it), never stuck (known but neither booked nor terminal).
 */
export function checkNoLostOrders(ctx: CheckContext): CheckResult {
  const anomalies: Anomaly[] = [];
  let acknowledged = 0;
  for (const order of ctx.acknowledged()) {
    for (const orderId of new Set(order.acks.map((a) => a.orderId))) {
      acknowledged++;
      const ack = order.acks.find((a) => a.orderId === orderId)!;
      const view = ctx.obs.finalOrders.get(orderId);
      const subject = { orderId, channel: order.channel, idempotencyKey: order.idempotencyKey };
      const booked = ctx.salesOrders(orderId);
      if (view === null || view === undefined) {
        anomalies.push({
          type: 'lost',
          message: `order ${orderId} was acknowledged with 202 at ${fmt(ack.at)} but the layer has no record of it after drain (404)${booked.length ? `; the ERP booked it as ${booked[0]!.document.salesOrderNumber}` : ' and the ERP never booked it'}`,
          subject,
          traceIds: [order.traceId],
          at: ack.at,
          excerpt: ctx.excerpt(order),
        });
        continue;
      }
      if (view.status === 'rejected' && !view.rejection?.reason) {
        anomalies.push({ type: 'rejected-without-reason', message: `order ${orderId} ended rejected without a reason the storefront can read`, subject, traceIds: [order.traceId], at: ack.at, excerpt: ctx.excerpt(order) });
        continue;
      }
      if (TERMINAL.has(view.status) || booked.length > 0) continue;
      anomalies.push({
        type: 'stuck',
        message: `order ${orderId} was acknowledged at ${fmt(ack.at)} and is still "${view.status}" after drain: never booked in the ERP, not cancelled or rejected`,
        subject,
        traceIds: [order.traceId],
        at: ack.at,
        excerpt: ctx.excerpt(order, view.timeline.map((t) => ({ at: ctx.rel(t.at), actor: 'layer', type: 'state', what: t.status }))),
      });
    }
  }
  return resultOf('no-lost-orders', anomalies, `${acknowledged} acknowledged order(s): every one booked in the ERP or visibly cancelled/rejected`, (n) => `${n} of ${acknowledged} acknowledged order(s) lost or stuck`);
}

export const fmt = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
