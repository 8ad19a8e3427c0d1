import { resultOf, type Anomaly, type CheckResult } from './checker.ts';
import type { CheckContext } from './context.ts';
import { fmt } from './no-lost-orders.ts';

/** `invoice-for-every-shipment`: every shipped order has exactly one invoice in the ERP after drain. */
export function checkInvoiceForEveryShipment(ctx: CheckContext): CheckResult {
  const invoicesBySo = new Map<string, number>();
  for (const inv of ctx.obs.erp.invoices) invoicesBySo.set(inv.salesOrderNumber, (invoicesBySo.get(inv.salesOrderNumber) ?? 0) + 1);
  const anomalies: Anomaly[] = [];
  let shipped = 0;
  for (const [dc, truth] of ctx.obs.wms) {
    for (const fo of truth.fulfillmentOrders) {
      if (fo.status !== 'shipped') continue;
      shipped++;
      const orderId = fo.orderReference;
      const shippedAbs = fo.reachedAt('shipped');
      const shippedAt = shippedAbs === undefined ? undefined : shippedAbs - ctx.obs.epoch;
      const sos = ctx.salesOrders(orderId);
      const count = sos.reduce((n, so) => n + (invoicesBySo.get(so.salesOrderNumber) ?? 0), 0);
      if (count === 1) continue;
      const sf = ctx.storefrontOrder(orderId);
      anomalies.push({
        type: count === 0 ? 'missing-invoice' : 'duplicate-invoice',
        message: `order ${orderId} shipped from ${dc}${shippedAt !== undefined ? ` at ${fmt(shippedAt)}` : ''} has ${count} invoices in the ERP after drain${sos.length === 0 ? ' (it was never booked)' : ''}`,
        subject: { orderId, distributionCenter: dc },
        traceIds: sf ? [sf.traceId] : [],
        ...(shippedAt !== undefined ? { at: shippedAt } : {}),
        excerpt: ctx.excerpt(sf),
      });
    }
  }
  return resultOf('invoice-for-every-shipment', anomalies, `${shipped} shipped order(s), each invoiced exactly once`, (n) => `${n} shipped order(s) without exactly one invoice`);
}
