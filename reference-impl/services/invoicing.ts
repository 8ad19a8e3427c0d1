import type { LaneSession } from '../resilience/lane.ts';
import { problemSlug } from '../resilience/outcome.ts';
import type { ErpSchemas } from '../clients/erp.ts';
import { emit, iso, traceHeaders, type LayerContext } from './context.ts';
import { updateOrder, type OrderRecord } from './orders.ts';
import type { AttemptResult, CommandHandler } from './relay.ts';
import type { OutboxMessage } from './unit.ts';

/**
 * Invoices a shipped order exactly once (`erp.postInvoice`, external reference = order id).
 * The order's recorded invoice, a lookup after an indeterminate answer, and the ERP's duplicate
 * and nothing-to-invoice answers (which name the existing invoice) all end in the same place.
 */
export class InvoiceHandler implements CommandHandler {
  readonly operation = 'postInvoice';

  constructor(private readonly ctx: LayerContext) {}

  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const order = await ctx.orders.get(ctx.store, msg.key);
    if (!order) return { kind: 'fail', reason: `order ${msg.key} is not on record`, payload: msg.payload };
    // DEFECT(no-event-dedup): the invoice of a repeated shipment is posted again.
    const dedup = !ctx.defects.has('no-event-dedup');
    if (order.invoice && dedup) {
      await ctx.db.write((unit) => unit.finish(msg));
      return { kind: 'done' };
    }
    const salesOrderNumber = order.soNumber;
    if (!salesOrderNumber) return { kind: 'retry', outcome: { kind: 'transient', reason: `order ${order.id} has no sales order number yet`, indeterminate: false, throttled: false } };
    const timeout = ctx.config.timeouts.downstreamMs;
    const lookup = async (): Promise<AttemptResult | ErpSchemas['Invoice'] | undefined> => {
      const found = await session.call(timeout, (signal) => ctx.erp.GET('/invoices', { params: { query: { salesOrderNumber } }, headers: traceHeaders(ctx, msg.traceId), signal }));
      if (found.kind === 'transient' || found.kind === 'blocked') return { kind: 'retry', outcome: found };
      return found.kind === 'ok' ? (found.data as ErpSchemas['InvoiceList']).items[0] : undefined;
    };
    if (msg.lookupFirst && dedup) {
      const found = await lookup();
      if (found && 'kind' in found) return found;
      if (found) return this.invoiced(msg, order, found);
    }
    const body: ErpSchemas['InvoiceCreate'] = { externalReference: order.id, salesOrderNumber, invoiceDate: iso(ctx.clock.now()).slice(0, 10) };
    msg.lastRequest = body;
    const outcome = await session.call(timeout, (signal) => ctx.erp.POST('/invoices', { body, headers: traceHeaders(ctx, msg.traceId), signal }));
    if (outcome.kind === 'ok') return this.invoiced(msg, order, outcome.data as ErpSchemas['Invoice']);
    if (outcome.kind === 'refused') {
      const slug = problemSlug(outcome.problem);
      if (outcome.status === 409 && (slug === 'duplicate-external-reference' || (slug === 'nothing-to-invoice' && typeof outcome.problem.invoiceNumber === 'string'))) {
        const found = await lookup();
        if (found && 'kind' in found) return found;
        if (found) return this.invoiced(msg, order, found);
      }
      return { kind: 'fail', reason: `ERP refused the invoice (${outcome.status} ${slug}): ${outcome.problem.detail ?? ''}`.trim(), status: outcome.status, payload: body };
    }
    return { kind: 'retry', outcome };
  }

  private async invoiced(msg: OutboxMessage, order: OrderRecord, invoice: ErpSchemas['Invoice']): Promise<AttemptResult> {
    const ctx = this.ctx;
    await ctx.db.write(async (unit) => {
      const summary = { invoiceNumber: invoice.invoiceNumber, total: invoice.total, postedAt: invoice.postedAt };
      await updateOrder(unit, order, { columns: { invoice: JSON.stringify(summary) } });
      emit(ctx, unit, 'invoice.posted', invoice.invoiceNumber, order.traceId, {
        invoiceNumber: invoice.invoiceNumber,
        orderId: order.id,
        salesOrderNumber: invoice.salesOrderNumber,
        shipmentId: String(msg.payload.shipmentId),
        customerId: order.customerId,
        total: invoice.total,
      });
      await unit.finish(msg);
      unit.after.push(() => ctx.stats.orders.invoiced++);
    });
    return { kind: 'done' };
  }
}
