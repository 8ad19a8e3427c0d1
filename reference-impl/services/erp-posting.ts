import type { LaneSession } from '../resilience/lane.ts';
import { problemSlug } from '../resilience/outcome.ts';
import { toSalesOrderCreate, type ErpSchemas } from '../clients/erp.ts';
import { isTerminal } from '../domain/order-state.ts';
import { emit, iso, traceHeaders, type LayerContext } from './context.ts';
import { updateOrder, type OrderRecord } from './orders.ts';
import type { AttemptResult, CommandHandler } from './relay.ts';
import type { OutboxMessage } from './unit.ts';

/**
 * Books an order in the ERP (`erp.bookSalesOrder`) under its order id as external reference.
 * After an answer that may have been lost (timeout, reset, 5xx) the reference is looked up
 * before booking again, because some ERPs book a duplicate without complaint.
 */
export class BookingHandler implements CommandHandler {
  readonly operation = 'bookSalesOrder';

  constructor(private readonly ctx: LayerContext) {}

  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const order = await ctx.orders.get(ctx.store, msg.key);
    if (!order || isTerminal(order.status)) {
      await ctx.db.write((unit) => unit.finish(msg)); // cancelled or rejected meanwhile: the cancellation compensates
      return { kind: 'done' };
    }
    if (order.soNumber) return this.booked(msg, order, order.soNumber, undefined);
    const timeout = ctx.config.timeouts.downstreamMs;
    if (msg.lookupFirst) {
      const found = await session.call(timeout, (signal) => ctx.erp.GET('/sales-orders', { params: { query: { externalReference: order.id } }, headers: traceHeaders(ctx, msg.traceId), signal }));
      if (found.kind === 'transient' || found.kind === 'blocked') return { kind: 'retry', outcome: found };
      if (found.kind === 'ok') {
        const items = (found.data as ErpSchemas['SalesOrderList']).items;
        if (items.length > 1) ctx.log.error({ orderId: order.id, salesOrders: items.map((i) => i.salesOrderNumber) }, 'the ERP holds more than one sales order for this order');
        if (items[0]) return this.booked(msg, order, items[0].salesOrderNumber, items[0].total);
      }
      // Not booked (or the lookup was refused): booking is safe.
    }
    const body = toSalesOrderCreate({ id: order.id, customerId: order.customerId, currency: order.currency, dc: order.dc, createdAt: iso(order.createdAt), lines: order.doc.lines, shipTo: order.doc.shipTo });
    msg.lastRequest = body;
    const outcome = await session.call(timeout, (signal) => ctx.erp.POST('/sales-orders', { body, headers: traceHeaders(ctx, msg.traceId), signal }));
    if (outcome.kind === 'ok') {
      const so = outcome.data as ErpSchemas['SalesOrder'];
      return this.booked(msg, order, so.salesOrderNumber, so.total);
    }
    if (outcome.kind === 'refused') {
      const number = outcome.problem.salesOrderNumber;
      if (outcome.status === 409 && problemSlug(outcome.problem) === 'duplicate-external-reference' && typeof number === 'string') return this.booked(msg, order, number, undefined);
      return { kind: 'fail', reason: `ERP refused the booking (${outcome.status} ${problemSlug(outcome.problem) || 'error'}): ${outcome.problem.detail ?? ''}`.trim(), status: outcome.status, payload: body };
    }
    return { kind: 'retry', outcome };
  }

  private async booked(msg: OutboxMessage, order: OrderRecord, salesOrderNumber: string, total: ErpSchemas['Money'] | undefined): Promise<AttemptResult> {
    const ctx = this.ctx;
    const dc = ctx.dcs.get(order.dc);
    await ctx.db.write(async (unit) => {
      const { changed } = await updateOrder(unit, order, { to: 'posted', detail: `Booked in the ERP as ${salesOrderNumber}.`, columns: { so_number: salesOrderNumber } });
      if (changed) {
        emit(ctx, unit, 'order.posted', order.id, order.traceId, {
          orderId: order.id,
          salesOrderNumber,
          customerId: order.customerId,
          channel: order.channel,
          distributionCenter: order.dc,
          total: total ?? order.doc.totals.subtotal,
          attempts: Math.max(1, msg.attempts + 1),
        });
        const createdAt = order.createdAt;
        unit.after.push(() => {
          ctx.stats.orders.posted++;
          ctx.metrics.orderToPosted.observe((unit.now - createdAt) / 1000);
        });
      }
      if (order.status === 'posted' && dc) await unit.advance(msg, { kind: 'carrier.buyLabel', system: dc.carrier, payload: {} });
      else await unit.finish(msg);
    });
    return { kind: 'done' };
  }
}

/**
 * Cancels an order's sales order in the ERP (compensation of a cancellation). Without a known
 * number it looks the order id up (a booking may have happened without our knowing).
 */
export class CancelSalesOrderHandler implements CommandHandler {
  readonly operation = 'cancelSalesOrder';

  constructor(private readonly ctx: LayerContext) {}

  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const order = await ctx.orders.get(ctx.store, msg.key);
    if (!order || order.shipmentConfirmedAt !== undefined) {
      // The goods left before the cancellation reached the warehouse: a return, not a cancel.
      await ctx.db.write((unit) => unit.finish(msg));
      return { kind: 'done' };
    }
    const timeout = ctx.config.timeouts.downstreamMs;
    let numbers = order.soNumber ? [order.soNumber] : [];
    if (numbers.length === 0) {
      const found = await session.call(timeout, (signal) => ctx.erp.GET('/sales-orders', { params: { query: { externalReference: order.id } }, headers: traceHeaders(ctx, msg.traceId), signal }));
      if (found.kind === 'transient' || found.kind === 'blocked') return { kind: 'retry', outcome: found };
      if (found.kind === 'ok') numbers = (found.data as ErpSchemas['SalesOrderList']).items.filter((i) => i.status !== 'cancelled').map((i) => i.salesOrderNumber);
    }
    for (const salesOrderNumber of numbers) {
      msg.lastRequest = { salesOrderNumber };
      const outcome = await session.call(timeout, (signal) => ctx.erp.POST('/sales-orders/{salesOrderNumber}/cancel', { params: { path: { salesOrderNumber } }, headers: traceHeaders(ctx, msg.traceId), signal }));
      if (outcome.kind === 'transient' || outcome.kind === 'blocked') return { kind: 'retry', outcome };
      if (outcome.kind === 'refused') {
        if (outcome.status === 404) continue;
        if (outcome.status === 422 && problemSlug(outcome.problem) === 'document-locked') return { kind: 'retry', outcome: { kind: 'transient', reason: `sales order ${salesOrderNumber} is locked in the ERP`, indeterminate: false, throttled: false } };
        return { kind: 'fail', reason: `ERP refused to cancel ${salesOrderNumber} (${outcome.status} ${problemSlug(outcome.problem)}): ${outcome.problem.detail ?? ''}`.trim(), status: outcome.status, payload: { salesOrderNumber } };
      }
    }
    await ctx.db.write((unit) => unit.finish(msg));
    return { kind: 'done' };
  }
}
