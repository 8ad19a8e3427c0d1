import type { Delivery } from '../../runtime/ports.ts';
import { tolerantContractValidator } from '../../contracts/load.ts';
import type { SqlValue } from '../ports.ts';
import type { LaneSession } from '../resilience/lane.ts';
import { problemSlug } from '../resilience/outcome.ts';
import { ERP, type ErpSchemas } from '../clients/erp.ts';
import type { WmsSchemas } from '../clients/wms.ts';
import { carrierCode, mergeShipmentStatus, normaliseCarrierStatus, type ShipmentStatus } from '../domain/shipment-status.ts';
import { emit, iso, traceHeaders, type LayerContext } from './context.ts';
import { decodeShipment, type TrackedShipment } from './fulfillment.ts';
import type { InventoryService } from './inventory.ts';
import { updateOrder } from './orders.ts';
import type { AttemptResult, CommandHandler } from './relay.ts';
import { SeenIds } from './seen-ids.ts';
import type { OutboxMessage, Unit } from './unit.ts';

interface TrackingObservation {
  eventId: string;
  trackingNumber: string;
  status: ShipmentStatus;
  occurredAt: number;
  detail?: string;
}

/**
 * Shipments: the WMS's shipment confirmation (order `shipped`, `shipment.dispatched`, then the
 * goods issue and the invoice in the ERP, each exactly once) and the carriers' tracking,
 * normalised to canonical statuses that never move backwards.
 */
export class ShipmentService {
  private readonly seen = new SeenIds(200_000);
  private readonly validateShipment = tolerantContractValidator('wms', '/components/schemas/ShipmentConfirmed');
  private readonly validateSwift = tolerantContractValidator('carrier-swift', '/components/schemas/TrackingEvent');
  private readonly validatePelican = tolerantContractValidator('carrier-pelican', '/components/schemas/TrackingBatch');

  constructor(
    private readonly ctx: LayerContext,
    private readonly inventory: InventoryService,
  ) {}

  private get dedup(): boolean {
    // DEFECT(no-event-dedup): shipment and tracking events are applied however often they arrive.
    return !this.ctx.defects.has('no-event-dedup');
  }

  /** `wms.shipment`: a fulfillment order shipped. */
  async onShipmentConfirmed(delivery: Delivery): Promise<void> {
    const ctx = this.ctx;
    const payload = this.parse<WmsSchemas['ShipmentConfirmed']>(delivery, this.validateShipment, 'wms.yaml ShipmentConfirmed');
    if (!payload) return;
    if (this.dedup && this.seen.has(payload.eventId)) {
      this.inventory.dedupHit(delivery.channel);
      return;
    }
    const order = await ctx.orders.get(ctx.store, payload.fulfillmentOrderId);
    if (!order) {
      ctx.log.warn({ fulfillmentOrderId: payload.fulfillmentOrderId, dc: payload.distributionCenter }, 'shipment confirmed for an unknown order; ignored');
      return;
    }
    if (this.dedup && order.shipmentConfirmedAt !== undefined) {
      this.seen.add(payload.eventId);
      this.inventory.dedupHit(delivery.channel);
      return;
    }
    const shippedAt = Date.parse(payload.shippedAt);
    const shipmentId = ctx.random.uuid();
    const applied = await ctx.db.write(async (unit) => {
      // The fulfillment order ships at most once: the mark is set with a compare-and-set.
      const marked = await unit.tx.execute(`UPDATE orders SET shipment_confirmed_at = ? WHERE id = ?${this.dedup ? ' AND shipment_confirmed_at IS NULL' : ''}`, [unit.now, order.id]);
      if (marked === 0) return false;
      order.shipmentConfirmedAt = unit.now;
      let shipment = this.cached(payload.trackingNumber);
      if (!shipment) {
        const [row] = await unit.tx.query<Record<string, SqlValue>>('SELECT * FROM shipments WHERE tracking_number = ?', [payload.trackingNumber]);
        if (row) {
          shipment = decodeShipment(row);
        } else {
          // The label's answer was lost but the WMS shipped with it: record the shipment now.
          shipment = { id: shipmentId, orderId: order.id, carrier: payload.carrier, trackingNumber: payload.trackingNumber, status: 'label_created' };
          await unit.tx.execute('INSERT INTO shipments (id, order_id, carrier, tracking_number, label_id, service_level, status, gi_number, shipped_at, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, NULL, ?, ?)', [
            shipment.id,
            order.id,
            shipment.carrier,
            shipment.trackingNumber,
            ctx.dcs.get(order.dc)?.serviceLevel ?? 'STANDARD',
            'label_created',
            unit.now,
            unit.now,
          ]);
          const created = { ...shipment };
          unit.after.push(() => ctx.shipments.put(created));
        }
      }
      const handed = `Handed to ${payload.carrier}, tracking ${payload.trackingNumber}.`;
      await updateOrder(unit, order, { to: 'shipped', detail: order.status === 'cancelled' ? `The cancellation reached the warehouse too late: ${handed} Return it instead.` : handed });
      if (!(await this.advanceShipment(unit, shipment, 'dispatched', shippedAt, order.traceId, order.dc))) {
        // The cached status lagged behind the store: decide again from the row.
        const [row] = await unit.tx.query<Record<string, SqlValue>>('SELECT * FROM shipments WHERE id = ?', [shipment.id]);
        shipment = decodeShipment(row!);
        await this.advanceShipment(unit, shipment, 'dispatched', shippedAt, order.traceId, order.dc);
      }
      await unit.tx.execute('UPDATE shipments SET shipped_at = ? WHERE id = ?', [shippedAt, shipment.id]);
      await unit.command({
        kind: 'erp.postGoodsIssue',
        key: order.id,
        system: ERP,
        traceId: order.traceId,
        payload: { shipmentId: shipment.id, shippedAt: payload.shippedAt, carrier: payload.carrier, trackingNumber: payload.trackingNumber, lines: payload.lines.map((l) => ({ itemNumber: l.sku, qty: l.quantity.value, uom: l.quantity.uom })) },
      });
      unit.after.push(() => ctx.stats.orders.shipped++);
      return true;
    });
    if (!applied) this.inventory.dedupHit(delivery.channel);
    this.seen.add(payload.eventId);
  }

  /** `carrier.tracking`: SwiftShip single events, Pelican batches. */
  async onTracking(delivery: Delivery): Promise<void> {
    const source = delivery.headers.source ?? '';
    const raw = this.parseJson(delivery);
    if (raw === undefined) return;
    let carrier: 'carrier-swift' | 'carrier-pelican';
    let observations: TrackingObservation[];
    if (source === 'carrier-pelican' || (source === '' && typeof (raw as { batch_id?: unknown }).batch_id === 'string')) {
      if (!this.validatePelican(raw)) return this.invalid(delivery, this.validatePelican.errors, 'carrier-pelican.yaml TrackingBatch');
      carrier = 'carrier-pelican';
      const batch = raw as { events: Array<{ event_uid: string; tracking_code: string; code: string; ts_ms: number; facility?: string }> };
      observations = batch.events.flatMap((e) => {
        const status = normaliseCarrierStatus(carrier, e.code);
        return status ? [{ eventId: e.event_uid, trackingNumber: e.tracking_code, status, occurredAt: e.ts_ms, ...(e.facility ? { detail: e.facility } : {}) }] : [];
      });
      observations.sort((a, b) => a.occurredAt - b.occurredAt);
    } else {
      if (!this.validateSwift(raw)) return this.invalid(delivery, this.validateSwift.errors, 'carrier-swift.yaml TrackingEvent');
      carrier = 'carrier-swift';
      const e = raw as { eventId: string; trackingNumber: string; status: string; occurredAt: string; detail?: string };
      const status = normaliseCarrierStatus(carrier, e.status);
      observations = status ? [{ eventId: e.eventId, trackingNumber: e.trackingNumber, status, occurredAt: Date.parse(e.occurredAt), ...(e.detail ? { detail: e.detail } : {}) }] : [];
    }
    for (const o of observations) await this.applyTracking(carrier, o, delivery.channel);
  }

  private async applyTracking(carrier: string, o: TrackingObservation, channel: string): Promise<void> {
    const ctx = this.ctx;
    if (this.dedup && this.seen.has(o.eventId)) {
      this.inventory.dedupHit(channel);
      return;
    }
    // DEFECT(non-monotonic-status): the merge is told to accept any status, so late events move it backwards.
    const monotonic = !ctx.defects.has('non-monotonic-status');
    // A status no newer than the one last committed is not news: no transaction needed.
    const known = monotonic && this.dedup ? ctx.shipments.get(o.trackingNumber) : undefined;
    // Read and write in one transaction: batches of one tracking number can be handled concurrently.
    const outcome =
      known && !mergeShipmentStatus(known.status as ShipmentStatus, o.status)
        ? ('duplicate' as const)
        : await ctx.db.write(async (unit) => {
            let shipment = monotonic ? this.cached(o.trackingNumber) : undefined;
            for (;;) {
              if (!shipment) {
                const [row] = await unit.tx.query<Record<string, SqlValue>>('SELECT * FROM shipments WHERE tracking_number = ?', [o.trackingNumber]);
                if (!row) return 'unknown' as const;
                shipment = decodeShipment(row);
              }
              const next = mergeShipmentStatus(shipment.status as ShipmentStatus, o.status, monotonic);
              // DEFECT(no-event-dedup): without deduplication a repeated status is announced again.
              const apply = next ?? (this.dedup || o.status === 'label_created' ? undefined : o.status);
              if (!apply) return 'duplicate' as const;
              const order = await ctx.orders.get(unit.tx, shipment.orderId);
              // A cached status may lag behind the store: then the row is read and the decision made again.
              if (!(await this.advanceShipment(unit, shipment, apply, o.occurredAt, order?.traceId, order?.dc ?? '', o.detail))) {
                shipment = undefined;
                continue;
              }
              if (order && apply === 'delivered') {
                const { changed } = await updateOrder(unit, order, { to: 'delivered', detail: o.detail ? `Delivered (${o.detail}).` : 'Delivered.' });
                if (changed) unit.after.push(() => ctx.stats.orders.delivered++);
              } else if (order && apply !== 'label_created') {
                await updateOrder(unit, order, { to: 'shipped', detail: `Picked up by ${carrier}, tracking ${o.trackingNumber}.` });
              }
              return 'applied' as const;
            }
          });
    if (outcome === 'unknown') {
      if (o.status !== 'label_created') ctx.log.info({ carrier, trackingNumber: o.trackingNumber, status: o.status }, 'tracking for an unknown tracking number; ignored');
      return;
    }
    if (outcome === 'duplicate') this.inventory.dedupHit(channel);
    this.seen.add(o.eventId);
  }

  /** A copy of the cached shipment (no defect switched on), or undefined. */
  private cached(trackingNumber: string): TrackedShipment | undefined {
    if (!this.dedup || this.ctx.defects.has('non-monotonic-status')) return undefined;
    const s = this.ctx.shipments.get(trackingNumber);
    return s && { ...s };
  }

  /**
   * Sets the shipment's status and announces it (`shipment.dispatched` / `shipment.delivered`).
   * The change is a compare-and-set on `shipment.status`: false (nothing done) when the row holds
   * another status.
   */
  private async advanceShipment(unit: Unit, shipment: TrackedShipment, status: ShipmentStatus, occurredAt: number, traceId: string | undefined, dc: string, detail?: string): Promise<boolean> {
    const ctx = this.ctx;
    const monotonic = !ctx.defects.has('non-monotonic-status');
    const next = mergeShipmentStatus(shipment.status as ShipmentStatus, status, monotonic) ?? (this.dedup ? undefined : status);
    if (!next) return true;
    const changed = await unit.tx.execute('UPDATE shipments SET status = ?, updated_at = ? WHERE id = ? AND status = ?', [next, unit.now, shipment.id, shipment.status]);
    if (changed === 0) return false;
    shipment.status = next;
    const committed = { ...shipment };
    unit.after.push(() => ctx.shipments.put(committed));
    if (next === 'label_created') return true;
    const base = { shipmentId: shipment.id, orderId: shipment.orderId, distributionCenter: dc || 'DC-UNKNOWN', carrier: carrierCode(shipment.carrier), trackingNumber: shipment.trackingNumber, occurredAt: iso(occurredAt) };
    // Object.assign, not a leading spread: V8 gives each `{ ...x, more }` a hidden class of its own.
    if (next === 'delivered') emit(ctx, unit, 'shipment.delivered', shipment.id, traceId, Object.assign(base, { status: 'delivered' as const }, detail?.startsWith('Signed by: ') ? { receivedBy: detail.slice('Signed by: '.length) } : {}));
    else emit(ctx, unit, 'shipment.dispatched', shipment.id, traceId, Object.assign(base, { status: next }));
    return true;
  }

  private parseJson(delivery: Delivery): unknown {
    try {
      return JSON.parse(delivery.body) as unknown;
    } catch {
      this.ctx.log.warn({ channel: delivery.channel, id: delivery.id }, 'event is not JSON; dropped');
      return undefined;
    }
  }

  private parse<T>(delivery: Delivery, validate: ReturnType<typeof tolerantContractValidator>, what: string): T | undefined {
    const raw = this.parseJson(delivery);
    if (raw === undefined) return undefined;
    if (!validate(raw)) {
      this.invalid(delivery, validate.errors, what);
      return undefined;
    }
    return raw as T;
  }

  private invalid(delivery: Delivery, errors: unknown, what: string): void {
    this.ctx.log.warn({ channel: delivery.channel, id: delivery.id, errors }, `event does not match ${what}; dropped`);
  }
}

/** Posts the goods issue of a shipment (`erp.postGoodsIssue`), external reference = shipment id. */
export class GoodsIssueHandler implements CommandHandler {
  readonly operation = 'postGoodsIssue';

  constructor(private readonly ctx: LayerContext) {}

  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const p = msg.payload as { shipmentId: string; shippedAt: string; carrier: string; trackingNumber: string; lines: ErpSchemas['ItemQuantity'][] };
    const order = await ctx.orders.get(ctx.store, msg.key);
    if (!order) return { kind: 'fail', reason: `order ${msg.key} is not on record`, payload: p };
    // DEFECT(no-event-dedup): a repeated shipment confirmation posts its goods issue again.
    const dedup = !ctx.defects.has('no-event-dedup');
    if (dedup && (msg.lookupFirst || msg.attempts > 0 || msg.exceptionId)) {
      const [row] = await ctx.store.query<{ gi_number: SqlValue }>('SELECT gi_number FROM shipments WHERE id = ?', [p.shipmentId]);
      if (row?.gi_number) return this.posted(msg, String(row.gi_number));
    }
    const timeout = ctx.config.timeouts.downstreamMs;
    let salesOrderNumber = order.soNumber;
    if (!salesOrderNumber) {
      const found = await session.call(timeout, (signal) => ctx.erp.GET('/sales-orders', { params: { query: { externalReference: order.id } }, headers: traceHeaders(ctx, msg.traceId), signal }));
      if (found.kind === 'transient' || found.kind === 'blocked') return { kind: 'retry', outcome: found };
      salesOrderNumber = found.kind === 'ok' ? (found.data as ErpSchemas['SalesOrderList']).items[0]?.salesOrderNumber : undefined;
      if (!salesOrderNumber) return { kind: 'retry', outcome: { kind: 'transient', reason: `order ${order.id} shipped but is not booked in the ERP yet`, indeterminate: false, throttled: false } };
    }
    if (msg.lookupFirst && dedup) {
      const found = await session.call(timeout, (signal) => ctx.erp.GET('/goods-issues', { params: { query: { externalReference: p.shipmentId } }, headers: traceHeaders(ctx, msg.traceId), signal }));
      if (found.kind === 'transient' || found.kind === 'blocked') return { kind: 'retry', outcome: found };
      const existing = found.kind === 'ok' ? (found.data as ErpSchemas['GoodsIssueList']).items[0] : undefined;
      if (existing) return this.posted(msg, existing.goodsIssueNumber);
    }
    const body: ErpSchemas['GoodsIssueCreate'] = { externalReference: p.shipmentId, salesOrderNumber, warehouse: order.dc, shippedAt: p.shippedAt, carrier: p.carrier, trackingNumber: p.trackingNumber, lines: p.lines };
    msg.lastRequest = body;
    const outcome = await session.call(timeout, (signal) => ctx.erp.POST('/goods-issues', { body, headers: traceHeaders(ctx, msg.traceId), signal }));
    if (outcome.kind === 'ok') return this.posted(msg, (outcome.data as ErpSchemas['GoodsIssue']).goodsIssueNumber);
    if (outcome.kind === 'refused') {
      const number = outcome.problem.goodsIssueNumber;
      if (outcome.status === 409 && problemSlug(outcome.problem) === 'duplicate-external-reference' && typeof number === 'string') return this.posted(msg, number);
      return { kind: 'fail', reason: `ERP refused the goods issue (${outcome.status} ${problemSlug(outcome.problem)}): ${outcome.problem.detail ?? ''}`.trim(), status: outcome.status, payload: body };
    }
    return { kind: 'retry', outcome };
  }

  private async posted(msg: OutboxMessage, goodsIssueNumber: string): Promise<AttemptResult> {
    await this.ctx.db.write(async (unit) => {
      await unit.tx.execute('UPDATE shipments SET gi_number = ?, updated_at = ? WHERE id = ?', [goodsIssueNumber, unit.now, String(msg.payload.shipmentId)]);
      await unit.advance(msg, { kind: 'erp.postInvoice', system: ERP, payload: { shipmentId: msg.payload.shipmentId } });
    });
    return { kind: 'done' };
  }
}
