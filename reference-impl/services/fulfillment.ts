import type { SqlValue } from '../ports.ts';
import type { LaneSession } from '../resilience/lane.ts';
import { problemSlug } from '../resilience/outcome.ts';
import { toFulfillmentOrder } from '../clients/wms.ts';
import type { LabelRequest } from '../clients/carriers.ts';
import { isTerminal } from '../domain/order-state.ts';
import { cancelSalesOrderCommand } from './cancellation.ts';
import { traceHeaders, wmsSystem, type LayerContext } from './context.ts';
import { updateOrder } from './orders.ts';
import type { AttemptResult, CommandHandler } from './relay.ts';
import type { OutboxMessage } from './unit.ts';
import { BoundedMap } from './bounded-map.ts';

export interface ShipmentRow {
  id: string;
  orderId: string;
  carrier: string;
  trackingNumber: string;
  labelId?: string;
  serviceLevel: string;
  status: string;
  giNumber?: string;
  updatedAt: number;
}

export function decodeShipment(row: Record<string, SqlValue>): ShipmentRow {
  const s: ShipmentRow = {
    id: String(row.id),
    orderId: String(row.order_id),
    carrier: String(row.carrier),
    trackingNumber: String(row.tracking_number),
    serviceLevel: String(row.service_level),
    status: String(row.status),
    updatedAt: Number(row.updated_at),
  };
  if (row.label_id) s.labelId = String(row.label_id);
  if (row.gi_number) s.giNumber = String(row.gi_number);
  return s;
}

/** What tracking needs of a shipment: kept in memory by `ShipmentCache`. */
export type TrackedShipment = Pick<ShipmentRow, 'id' | 'orderId' | 'carrier' | 'trackingNumber' | 'status'>;

/**
 * Shipments by tracking number, as last committed by this instance, so carrier tracking (several
 * events per parcel, most of them repeating a status already known) does not read the row every
 * time. A cached status is never ahead of the store (entries change only after a commit, and only
 * forwards), so "this status is not news" is safe to decide from it; a change is still a
 * compare-and-set on the status it was computed from. Bounded: the oldest entries go first.
 */
export class ShipmentCache {
  private readonly entries: BoundedMap<string, TrackedShipment>;

  constructor(
    private readonly rank: (status: string) => number,
    capacity = 50_000,
  ) {
    this.entries = new BoundedMap(capacity);
  }

  get(trackingNumber: string): TrackedShipment | undefined {
    return this.entries.get(trackingNumber);
  }

  /** Records a committed state; a status older than the one held is ignored. */
  put(s: TrackedShipment): void {
    const held = this.entries.get(s.trackingNumber);
    if (held && held.id === s.id) {
      if (this.rank(s.status) >= this.rank(held.status)) held.status = s.status;
      return;
    }
    this.entries.set(s.trackingNumber, { id: s.id, orderId: s.orderId, carrier: s.carrier, trackingNumber: s.trackingNumber, status: s.status });
  }
}

/**
 * Buys the label for an order from its distribution center's carrier. Labels are not idempotent
 * at the carrier, so what was bought is persisted before anything else can fail, and a label
 * already on record is never bought again.
 */
export class LabelHandler implements CommandHandler {
  constructor(private readonly ctx: LayerContext) {}

  operation = (msg: OutboxMessage): string => (msg.system === 'carrier-pelican' ? 'createLabel' : 'createShipment');

  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const order = await ctx.orders.get(ctx.store, msg.key);
    const dc = order && ctx.dcs.get(order.dc);
    if (!order || !dc || isTerminal(order.status)) {
      await ctx.db.write((unit) => unit.finish(msg));
      return { kind: 'done' };
    }
    if (msg.lookupFirst || msg.attempts > 0 || msg.exceptionId) {
      // A label bought by an earlier attempt (or instance) is on record: never buy a second one.
      const [existing] = await ctx.store.query<Record<string, SqlValue>>('SELECT * FROM shipments WHERE order_id = ? ORDER BY created_at DESC LIMIT 1', [order.id]);
      if (existing) {
        const s = decodeShipment(existing);
        await ctx.db.write((unit) => unit.advance(msg, { kind: 'wms.releaseFulfillmentOrder', system: wmsSystem(ctx, order.dc), payload: { shipmentId: s.id, trackingNumber: s.trackingNumber, labelId: s.labelId, serviceLevel: s.serviceLevel } }));
        return { kind: 'done' };
      }
    }
    const request: LabelRequest = { reference: order.id, serviceLevel: dc.serviceLevel, shipFrom: dc.address, shipTo: order.doc.shipTo, weightKg: dc.parcel?.weightKg ?? 2 };
    msg.lastRequest = ctx.carriers.payloadOf(dc.carrier, request);
    const outcome = await session.call(ctx.config.timeouts.downstreamMs, (signal) => ctx.carriers.buyLabel(dc.carrier, request, { headers: traceHeaders(ctx, msg.traceId), signal }) as never);
    if (outcome.kind === 'refused') {
      return { kind: 'fail', reason: `${dc.carrier} refused the label (${outcome.status} ${problemSlug(outcome.problem)}): ${outcome.problem.detail ?? ''}`.trim(), status: outcome.status, payload: msg.lastRequest };
    }
    if (outcome.kind !== 'ok') return { kind: 'retry', outcome };
    const label = ctx.carriers.labelOf(dc.carrier, outcome.data);
    if (!label) return { kind: 'retry', outcome: { kind: 'transient', reason: `${dc.carrier} answered ${outcome.status} without a tracking number`, indeterminate: true, throttled: false } };
    const shipmentId = ctx.random.uuid();
    await ctx.db.write(async (unit) => {
      const inserted = await unit.tx.execute('INSERT INTO shipments (id, order_id, carrier, tracking_number, label_id, service_level, status, gi_number, shipped_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?) ON CONFLICT (tracking_number) DO NOTHING', [
        shipmentId,
        order.id,
        dc.carrier,
        label.trackingNumber,
        label.labelId,
        dc.serviceLevel,
        'label_created',
        unit.now,
        unit.now,
      ]);
      if (inserted > 0) unit.after.push(() => ctx.shipments.put({ id: shipmentId, orderId: order.id, carrier: dc.carrier, trackingNumber: label.trackingNumber, status: 'label_created' }));
      await unit.advance(msg, { kind: 'wms.releaseFulfillmentOrder', system: wmsSystem(ctx, order.dc), payload: { shipmentId, trackingNumber: label.trackingNumber, labelId: label.labelId, serviceLevel: dc.serviceLevel } });
    });
    return { kind: 'done' };
  }
}

/** Releases the fulfillment order to the distribution center's WMS (idempotent there on the order id). */
export class ReleaseHandler implements CommandHandler {
  readonly operation = 'releaseFulfillmentOrder';

  constructor(private readonly ctx: LayerContext) {}

  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const order = await ctx.orders.get(ctx.store, msg.key);
    const dc = order && ctx.dcs.get(order.dc);
    if (!order || !dc || isTerminal(order.status)) {
      await ctx.db.write((unit) => unit.finish(msg));
      return { kind: 'done' };
    }
    let label = msg.payload as { shipmentId: string; trackingNumber?: string; labelId?: string; serviceLevel?: string };
    if (!label.trackingNumber) {
      const [row] = await ctx.store.query<Record<string, SqlValue>>('SELECT * FROM shipments WHERE id = ?', [String(label.shipmentId)]);
      if (!row) return { kind: 'fail', reason: `shipment ${String(label.shipmentId)} of order ${order.id} is not on record`, payload: msg.payload };
      const s = decodeShipment(row);
      label = { shipmentId: s.id, trackingNumber: s.trackingNumber, ...(s.labelId ? { labelId: s.labelId } : {}), serviceLevel: s.serviceLevel };
    }
    const body = toFulfillmentOrder({
      id: order.id,
      lines: order.doc.lines,
      shipTo: order.doc.shipTo,
      carrier: dc.carrier,
      serviceLevel: label.serviceLevel ?? dc.serviceLevel,
      label: { trackingNumber: label.trackingNumber!, labelId: dc.carrier === 'carrier-pelican' ? label.labelId : undefined },
    });
    msg.lastRequest = body;
    const outcome = await session.call(ctx.config.timeouts.downstreamMs, (signal) => ctx.wms(order.dc).POST('/fulfillment-orders', { body, headers: traceHeaders(ctx, msg.traceId), signal }));
    if (outcome.kind === 'refused') {
      return { kind: 'fail', reason: `${msg.system} refused the fulfillment order (${outcome.status} ${problemSlug(outcome.problem)}): ${outcome.problem.detail ?? ''}`.trim(), status: outcome.status, payload: body };
    }
    if (outcome.kind !== 'ok') return { kind: 'retry', outcome };
    await ctx.db.write(async (unit) => {
      await updateOrder(unit, order, { to: 'released', detail: `Released to ${msg.system}.` });
      await unit.finish(msg);
    });
    return { kind: 'done' };
  }
}

/**
 * Cancels a released fulfillment order (compensation of a cancellation), then hands the ERP half
 * of the cancellation on. A `409 already-shipped` is an answer, not a failure: the goods left
 * first, the sales order stays booked (the shipment confirmation brings the goods issue and the
 * invoice), and there is nothing to replay.
 */
export class CancelFulfillmentHandler implements CommandHandler {
  readonly operation = 'cancelFulfillmentOrder';

  constructor(private readonly ctx: LayerContext) {}

  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const fulfillmentOrderId = msg.key;
    msg.lastRequest = { fulfillmentOrderId };
    const outcome = await session.call(ctx.config.timeouts.downstreamMs, (signal) =>
      ctx.wms(String(msg.payload.distributionCenter)).POST('/fulfillment-orders/{fulfillmentOrderId}/cancel', { params: { path: { fulfillmentOrderId } }, headers: traceHeaders(ctx, msg.traceId), signal }),
    );
    if (outcome.kind === 'transient' || outcome.kind === 'blocked') return { kind: 'retry', outcome };
    const tooLate = outcome.kind === 'refused' && outcome.status === 409 && problemSlug(outcome.problem) === 'already-shipped';
    if (outcome.kind === 'refused' && outcome.status !== 404 && !tooLate) {
      return { kind: 'fail', reason: `${msg.system} could not cancel fulfillment order ${fulfillmentOrderId} (${outcome.status} ${problemSlug(outcome.problem)}): ${outcome.problem.detail ?? ''}`.trim(), status: outcome.status, payload: msg.lastRequest };
    }
    if (tooLate) ctx.log.info({ orderId: fulfillmentOrderId, downstream: msg.system, traceId: msg.traceId }, 'cancellation came too late: the fulfillment order had shipped; the sales order stays booked');
    await ctx.db.write(async (unit) => {
      await unit.finish(msg);
      if (!tooLate && msg.payload.cancelSalesOrder === true) await unit.command(cancelSalesOrderCommand(fulfillmentOrderId, msg.traceId));
    });
    return { kind: 'done' };
  }
}
