import { resultOf, type Anomaly, type CheckResult, type HistoryExcerpt } from './checker.ts';
import type { CheckContext } from './context.ts';
import { fmt } from './no-lost-orders.ts';

type Doc = { at: number; externalReference: string };

/**
 * `no-duplicate-erp-postings`: no order, shipment, invoice or credit takes effect twice in the ERP,
 * whether through the same external reference (a retried posting) or through one storefront
 * order (one Idempotency-Key) becoming two orders that were both booked.
 */
export function checkNoDuplicateErpPostings(ctx: CheckContext): CheckResult {
  const anomalies: Anomaly[] = [];
  const erp = ctx.obs.erp;
  const rel = (d: Doc) => d.at - ctx.obs.epoch;
  const truthLine = (d: Doc, what: string, id: string): HistoryExcerpt => ({ at: rel(d), actor: 'erp', type: 'truth', what, detail: `${id} ref ${d.externalReference}` });
  const twice = <D extends Doc>(docs: readonly D[], key: (d: D) => string, type: string, noun: string, idOf: (d: D) => string) => {
    const groups = new Map<string, D[]>();
    for (const d of docs) {
      const k = key(d);
      const g = groups.get(k);
      if (g) g.push(d);
      else groups.set(k, [d]);
    }
    for (const [k, g] of groups) {
      if (g.length < 2) continue;
      const orderId = ctx.storefrontOrder(k) ? k : undefined;
      const order = orderId ? ctx.storefrontOrder(orderId) : undefined;
      anomalies.push({
        type,
        message: `${noun} ${k} took effect ${g.length} times in the ERP: ${g.map((d) => `${idOf(d)} at ${fmt(rel(d))}`).join(', ')}`,
        subject: { reference: k },
        traceIds: order ? [order.traceId] : [],
        at: rel(g[1]!),
        excerpt: ctx.excerpt(order, g.map((d) => truthLine(d, type, idOf(d)))),
      });
    }
  };
  twice(erp.salesOrders, (d) => d.externalReference, 'duplicate-sales-order', 'order', (d) => d.salesOrderNumber);
  twice(erp.goodsIssues, (d) => d.salesOrderNumber, 'duplicate-goods-issue', 'the shipment of sales order', (d) => d.goodsIssueNumber);
  twice(erp.invoices, (d) => d.salesOrderNumber, 'duplicate-invoice', 'the invoice of sales order', (d) => d.invoiceNumber);
  twice(erp.creditMemos, (d) => d.externalReference, 'duplicate-credit-memo', 'return', (d) => d.creditMemoNumber);

  // One storefront order (one Idempotency-Key) must not become two booked orders.
  for (const order of ctx.acknowledged()) {
    const ids = [...new Set(order.acks.map((a) => a.orderId))];
    if (ids.length < 2) continue;
    const booked = ids.filter((id) => ctx.salesOrders(id).length > 0);
    if (booked.length < 2) continue;
    anomalies.push({
      type: 'duplicate-order',
      message: `one storefront order (${order.channel}, Idempotency-Key ${order.idempotencyKey}) was acknowledged as ${ids.length} different orders and ${booked.length} were booked in the ERP: ${booked.map((id) => `${id} as ${ctx.salesOrders(id)[0]!.salesOrderNumber}`).join(', ')}`,
      subject: { idempotencyKey: order.idempotencyKey, channel: order.channel },
      traceIds: [order.traceId],
      at: order.acks[1]!.at,
      excerpt: ctx.excerpt(order),
    });
  }
  const total = erp.salesOrders.length + erp.goodsIssues.length + erp.invoices.length + erp.creditMemos.length;
  return resultOf('no-duplicate-erp-postings', anomalies, `${total} ERP posting(s), none taking effect twice`, (n) => `${n} posting(s) took effect twice in the ERP`);
}
