import type { Delivery } from '../../runtime/ports.ts';
import { tolerantContractValidator } from '../../contracts/load.ts';
import type { SqlValue } from '../ports.ts';
import { applyAdjustment, availableToPromise } from '../domain/inventory.ts';
import { shortfalls, type Demand } from '../domain/allocation.ts';
import { inventoryKey } from '../domain/events.ts';
import type { InitialStock } from '../config.ts';
import type { WmsSchemas } from '../clients/wms.ts';
import { emit, iso, type LayerContext } from './context.ts';
import { SeenIds } from './seen-ids.ts';
import type { Unit } from './unit.ts';

type Uom = 'EA' | 'CS' | 'PAL' | 'KG' | 'M';

interface StockRow {
  on_hand: SqlValue;
  reserved: SqlValue;
  version: SqlValue;
  revision: SqlValue;
  uom: SqlValue;
}

const levels = (row: StockRow, ignoreReservations: boolean) => {
  const uom = String(row.uom) as Uom;
  const onHand = Math.max(0, Number(row.on_hand));
  const reserved = Math.max(0, Number(row.reserved));
  return {
    onHand: { value: onHand, uom },
    reserved: { value: reserved, uom },
    available: { value: availableToPromise({ onHand, reserved }, ignoreReservations), uom },
  };
};

const ADJUSTMENT_REASON: Record<string, 'receipt' | 'cycle_count' | 'damage' | 'shipment' | 'return'> = {
  receipt: 'receipt',
  cycle_count: 'cycle_count',
  damage: 'damage',
  return_restock: 'return',
  shipment: 'shipment',
};

const RESERVE = 'UPDATE stock SET reserved = reserved + ?, revision = revision + 1 WHERE dc = ? AND sku = ? AND on_hand - reserved >= ? RETURNING on_hand, reserved, version, revision, uom';
// DEFECT(stale-atp): availability checked against on-hand alone, ignoring open reservations.
const RESERVE_STALE = 'UPDATE stock SET reserved = reserved + ?, revision = revision + 1 WHERE dc = ? AND sku = ? AND on_hand >= ? RETURNING on_hand, reserved, version, revision, uom';
const UNRESERVE = 'UPDATE stock SET reserved = CASE WHEN reserved > ? THEN reserved - ? ELSE 0 END, revision = revision + 1 WHERE dc = ? AND sku = ? RETURNING on_hand, reserved, version, revision, uom';
/** Takes back a reservation made earlier in the same transaction (nobody saw it: no revision). */
const UNDO_RESERVE = 'UPDATE stock SET reserved = reserved - ?, revision = revision - 1 WHERE dc = ? AND sku = ?';

const reservationInsertSql = new Map<number, string>();
const reservationInsert = (n: number): string => {
  let sql = reservationInsertSql.get(n);
  if (!sql) reservationInsertSql.set(n, (sql = `INSERT INTO reservations (order_id, sku, dc, qty, trace_id) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?)').join(', ')}`));
  return sql;
};

/**
 * The layer's stock view per distribution center: reservations at acceptance (checked and taken
 * in one conditional UPDATE per sku, so concurrent orders cannot oversell), releases on cancel
 * and reject, settlement when the stock leaves, and the WMS inventory events.
 */
export class InventoryService {
  private readonly seen = new SeenIds(200_000);
  private readonly validate = tolerantContractValidator('wms', '/components/schemas/InventoryAdjusted');

  constructor(private readonly ctx: LayerContext) {}

  private get staleAtp(): boolean {
    return this.ctx.defects.has('stale-atp');
  }

  async loadCatalogue(): Promise<void> {
    const rows = await this.ctx.store.query<{ sku: string; uom: string }>('SELECT DISTINCT sku, uom FROM stock');
    for (const r of rows) this.ctx.catalogue.set(String(r.sku), String(r.uom));
  }

  /** Seeds positions that have no figures yet, as if read from a snapshot. */
  async seed(initial: readonly InitialStock[]): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.store.transaction(async (tx) => {
      for (const s of initial) {
        await tx.execute('INSERT INTO stock (dc, sku, uom, on_hand, reserved, version, revision, as_of) VALUES (?, ?, ?, ?, 0, ?, 0, ?) ON CONFLICT (dc, sku) DO NOTHING', [s.distributionCenter, s.sku, s.uom, s.onHand, s.version ?? 0, now]);
      }
    });
    for (const s of initial) if (!this.ctx.catalogue.has(s.sku)) this.ctx.catalogue.set(s.sku, s.uom);
  }

  /**
   * Reserves `demand` at the first center (in `centers` order) that can serve all of it, in
   * `unit`. Returns the center, or undefined when none can (nothing stays reserved then).
   */
  async allocate(unit: Unit, orderId: string, demand: readonly Demand[], centers: readonly string[], traceId: string): Promise<string | undefined> {
    const sql = this.staleAtp ? RESERVE_STALE : RESERVE;
    for (const dc of centers) {
      const taken: Array<{ d: Demand; row: StockRow }> = [];
      for (const d of demand) {
        const [row] = await unit.tx.query<StockRow>(sql, [d.qty, dc, d.sku, d.qty]);
        if (!row) break;
        taken.push({ d, row });
      }
      if (taken.length === demand.length) {
        const params: SqlValue[] = [];
        for (const { d } of taken) params.push(orderId, d.sku, dc, d.qty, traceId);
        await unit.tx.execute(reservationInsert(taken.length), params);
        for (const { d, row } of taken) {
          const uom = String(row.uom) as Uom;
          emit(this.ctx, unit, 'inventory.reserved', inventoryKey(d.sku, dc), traceId, {
            sku: d.sku,
            distributionCenter: dc,
            levels: levels(row, this.staleAtp),
            delta: { value: d.qty, uom },
            reason: 'order_allocation',
            version: Number(row.revision),
            orderId,
          });
        }
        return dc;
      }
      for (const { d } of taken) await unit.tx.execute(UNDO_RESERVE, [d.qty, dc, d.sku]);
    }
    return undefined;
  }

  /** Releases every open reservation of an order (cancel, reject). */
  async releaseOrder(unit: Unit, orderId: string, reason: 'order_cancelled' | 'reservation_expired', traceId: string): Promise<void> {
    const rows = await unit.tx.query<{ sku: string; dc: string; qty: SqlValue }>('DELETE FROM reservations WHERE order_id = ? RETURNING sku, dc, qty', [orderId]);
    for (const r of rows) await this.unreserve(unit, orderId, String(r.dc), String(r.sku), Number(r.qty), reason, traceId);
  }

  /** The stock of `sku` left with the order's shipment: its reservation is settled. Returns the quantity settled. */
  async settle(unit: Unit, orderId: string, sku: string, traceId: string | undefined): Promise<number> {
    const rows = await unit.tx.query<{ dc: string; qty: SqlValue }>('DELETE FROM reservations WHERE order_id = ? AND sku = ? RETURNING dc, qty', [orderId, sku]);
    let settled = 0;
    for (const r of rows) {
      settled += Number(r.qty);
      await this.unreserve(unit, orderId, String(r.dc), sku, Number(r.qty), 'order_shipped', traceId);
    }
    if (settled > 0) unit.after.push(() => (this.ctx.stats.inventory.reservationsSettled += 1));
    return settled;
  }

  private async unreserve(unit: Unit, orderId: string, dc: string, sku: string, qty: number, reason: 'order_cancelled' | 'order_shipped' | 'reservation_expired', traceId: string | undefined): Promise<void> {
    const [row] = await unit.tx.query<StockRow>(UNRESERVE, [qty, qty, dc, sku]);
    if (!row) return;
    emit(this.ctx, unit, 'inventory.released', inventoryKey(sku, dc), traceId, {
      sku,
      distributionCenter: dc,
      levels: levels(row, this.staleAtp),
      delta: { value: -qty, uom: String(row.uom) as Uom },
      reason,
      version: Number(row.revision),
      orderId,
    });
  }

  /** `wms.inventory`: at least once, duplicated, out of order. */
  async onInventoryAdjusted(delivery: Delivery): Promise<void> {
    let payload: WmsSchemas['InventoryAdjusted'];
    try {
      payload = JSON.parse(delivery.body) as WmsSchemas['InventoryAdjusted'];
    } catch {
      this.ctx.log.warn({ channel: delivery.channel, id: delivery.id }, 'inventory event is not JSON; dropped');
      return;
    }
    if (!this.validate(payload)) {
      this.ctx.log.warn({ channel: delivery.channel, id: delivery.id, errors: this.validate.errors }, 'inventory event does not match wms.yaml InventoryAdjusted; dropped');
      return;
    }
    if (this.seen.has(payload.eventId)) {
      this.dedupHit(delivery.channel);
      return;
    }
    const ctx = this.ctx;
    const { distributionCenter: dc, sku, sequence } = payload;
    const applied = await ctx.db.write(async (unit) => {
      const [row] = await unit.tx.query<StockRow>('SELECT on_hand, reserved, version, revision, uom FROM stock WHERE dc = ? AND sku = ?', [dc, sku]);
      const current = row ? { onHand: Number(row.on_hand), reserved: Number(row.reserved), version: Number(row.version) } : undefined;
      const decision = applyAdjustment(current, sequence, payload.onHand);
      let settledQty = 0;
      let orderTrace: string | undefined;
      if (payload.reason === 'shipment' && payload.reference) {
        const rows = await unit.tx.query<{ qty: SqlValue; trace_id: SqlValue }>('DELETE FROM reservations WHERE order_id = ? AND sku = ? AND dc = ? RETURNING qty, trace_id', [payload.reference, sku, dc]);
        for (const r of rows) {
          settledQty += Number(r.qty);
          orderTrace = String(r.trace_id);
        }
      }
      const onHand = decision.apply ? payload.onHand : (current?.onHand ?? 0);
      const reserved = Math.max(0, (current?.reserved ?? 0) - settledQty);
      const version = decision.apply ? sequence : (current?.version ?? 0);
      // One revision per event announced below.
      const revision = Number(row?.revision ?? 0) + (decision.apply ? 1 : 0) + (settledQty > 0 ? 1 : 0);
      if (!current) {
        await unit.tx.execute('INSERT INTO stock (dc, sku, uom, on_hand, reserved, version, revision, as_of) VALUES (?, ?, ?, ?, 0, ?, ?, ?)', [dc, sku, payload.uom, onHand, version, revision, unit.now]);
      } else if (decision.apply || settledQty > 0) {
        await unit.tx.execute('UPDATE stock SET on_hand = ?, reserved = ?, version = ?, revision = ?, as_of = ? WHERE dc = ? AND sku = ?', [onHand, reserved, version, revision, unit.now, dc, sku]);
      }
      const uom = (row ? String(row.uom) : payload.uom) as Uom;
      if (decision.apply) {
        const adjustedRevision = revision - (settledQty > 0 ? 1 : 0);
        emit(ctx, unit, 'inventory.adjusted', inventoryKey(sku, dc), orderTrace, {
          sku,
          distributionCenter: dc,
          levels: levels({ on_hand: onHand, reserved: current?.reserved ?? 0, version, revision: adjustedRevision, uom }, this.staleAtp),
          delta: { value: decision.delta, uom },
          reason: ADJUSTMENT_REASON[payload.reason] ?? 'cycle_count',
          version: adjustedRevision,
        });
      }
      if (settledQty > 0) {
        emit(ctx, unit, 'inventory.released', inventoryKey(sku, dc), orderTrace, {
          sku,
          distributionCenter: dc,
          levels: levels({ on_hand: onHand, reserved, version, revision, uom }, this.staleAtp),
          delta: { value: -settledQty, uom },
          reason: 'order_shipped',
          version: revision,
          orderId: payload.reference!,
        });
      }
      return { applied: decision.apply, settled: settledQty > 0 };
    });
    this.seen.add(payload.eventId);
    if (!ctx.catalogue.has(sku)) ctx.catalogue.set(sku, payload.uom);
    if (applied.applied) ctx.stats.inventory.eventsApplied++;
    else ctx.stats.inventory.staleEvents++;
    if (applied.settled) ctx.stats.inventory.reservationsSettled++;
  }

  dedupHit(channel: string): void {
    const d = this.ctx.stats.dedup;
    d.hits++;
    d.byChannel[channel] = (d.byChannel[channel] ?? 0) + 1;
    this.ctx.metrics.dedupHits.inc({ channel });
  }

  /** `GET /v1/inventory/{sku}/availability` figures, or undefined for an unknown sku. */
  async availability(sku: string): Promise<
    | {
        sku: string;
        uom: Uom;
        total: { onHand: number; reserved: number; available: number };
        distributionCenters: Array<{ distributionCenter: string; onHand: number; reserved: number; available: number; version: number; asOf: string }>;
      }
    | undefined
  > {
    const rows = await this.ctx.store.query<StockRow & { dc: string; as_of: SqlValue }>('SELECT dc, uom, on_hand, reserved, version, revision, as_of FROM stock WHERE sku = ? ORDER BY dc', [sku]);
    if (rows.length === 0) return undefined;
    const order = [...this.ctx.dcs.keys()];
    rows.sort((a, b) => (order.indexOf(String(a.dc)) + 1 || 1e9) - (order.indexOf(String(b.dc)) + 1 || 1e9));
    const centers = rows.map((r) => {
      const onHand = Math.max(0, Number(r.on_hand));
      const reserved = Math.max(0, Number(r.reserved));
      return { distributionCenter: String(r.dc), onHand, reserved, available: availableToPromise({ onHand, reserved }, this.staleAtp), version: Math.max(0, Number(r.version)), asOf: iso(Number(r.as_of)) };
    });
    const total = centers.reduce((t, c) => ({ onHand: t.onHand + c.onHand, reserved: t.reserved + c.reserved, available: t.available + c.available }), { onHand: 0, reserved: 0, available: 0 });
    return { sku, uom: String(rows[0]!.uom) as Uom, total, distributionCenters: centers };
  }

  /** For an insufficient-stock 422: what each center could serve of the skus nobody can. */
  async shortfalls(demand: readonly Demand[]): Promise<ReturnType<typeof shortfalls>> {
    const atp = new Map<string, number>();
    for (const d of demand) {
      const rows = await this.ctx.store.query<StockRow & { dc: string }>('SELECT dc, on_hand, reserved FROM stock WHERE sku = ?', [d.sku]);
      for (const r of rows) atp.set(`${String(r.dc)}|${d.sku}`, availableToPromise({ onHand: Number(r.on_hand), reserved: Number(r.reserved) }, this.staleAtp));
    }
    return shortfalls(demand, [...this.ctx.dcs.keys()], (dc, sku) => atp.get(`${dc}|${sku}`) ?? 0);
  }
}
