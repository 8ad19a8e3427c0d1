import type { SqlValue } from '../ports.ts';
import { reconcilePosition } from '../domain/inventory.ts';
import { inventoryKey } from '../domain/events.ts';
import { availableToPromise } from '../domain/inventory.ts';
import { ERP, type ErpSchemas } from '../clients/erp.ts';
import type { WmsSchemas } from '../clients/wms.ts';
import { emit, wmsSystem, type LayerContext } from './context.ts';

type Uom = 'EA' | 'CS' | 'PAL' | 'KG' | 'M';

/**
 * The open reservations at one DC whose order has shipped. Each reservation asks the shipped
 * orders' index whether its order is in it, so the cost follows the open reservations. (`IN
 * (SELECT … shipped orders)` read every order ever shipped, each run: 3 ms per call at 30,000
 * orders, 56 ms at 100,000. Joining to the orders' primary key read each order's row, 0.3 s with
 * 30,000 open orders.)
 */
export const SHIPPED_RESERVATIONS =
  'SELECT r.order_id, r.sku FROM reservations r WHERE r.dc = ? AND EXISTS (SELECT 1 FROM orders o WHERE o.id = r.order_id AND o.shipment_confirmed_at IS NOT NULL)';

/**
 * The reconciliation job: reads each WMS's stock snapshot and the ERP's balances, adopts WMS
 * figures newer than (or, at the same version, different from) the layer's, settles the
 * reservations of orders whose shipment the snapshot already reflects, emits
 * `inventory.adjusted` (reason `reconciliation`) for every correction and records the drift
 * it found. ERP balances are compared, not corrected (the ERP is corrected by postings).
 */
export class ReconciliationService {
  private running = false;

  constructor(private readonly ctx: LayerContext) {}

  async run(): Promise<void> {
    const ctx = this.ctx;
    // DEFECT(no-reconciliation): the job does nothing, so drift stays.
    if (ctx.defects.has('no-reconciliation') || this.running || !ctx.running()) return;
    this.running = true;
    try {
      ctx.stats.reconciliation.runs++;
      for (const code of ctx.dcs.keys()) await this.reconcileCenter(code);
      await this.compareErp();
    } finally {
      this.running = false;
    }
  }

  private async reconcileCenter(dc: string): Promise<void> {
    const ctx = this.ctx;
    const system = wmsSystem(ctx, dc);
    // Orders whose shipment the WMS confirmed before we ask for the snapshot: their stock has left.
    const shipped = await ctx.store.query<{ order_id: string; sku: string }>(SHIPPED_RESERVATIONS, [dc]);
    const traceId = ctx.tracer.traceId();
    const outcome = await ctx.lane(system).direct(ctx.config.timeouts.downstreamMs, (signal) => ctx.wms(dc).GET('/stock', { headers: { traceparent: ctx.tracer.traceparent(traceId) }, signal }));
    if (outcome.kind !== 'ok') {
      ctx.stats.reconciliation.skipped++;
      ctx.log.info({ system, outcome: outcome.kind, reason: 'reason' in outcome ? outcome.reason : undefined }, 'reconciliation skipped a distribution center');
      return;
    }
    const snapshot = outcome.data as WmsSchemas['StockSnapshot'];
    if (!ctx.running()) return;
    const settledBySku = new Map<string, string[]>();
    for (const s of shipped) settledBySku.set(String(s.sku), [...(settledBySku.get(String(s.sku)) ?? []), String(s.order_id)]);
    const found = { units: 0, positions: 0 };
    await ctx.db.write(async (unit) => {
      for (const item of snapshot.items) {
        const [row] = await unit.tx.query<Record<string, SqlValue>>('SELECT on_hand, reserved, version, revision, uom FROM stock WHERE dc = ? AND sku = ?', [dc, item.sku]);
        const current = row ? { onHand: Number(row.on_hand), reserved: Number(row.reserved), version: Number(row.version) } : undefined;
        const decision = reconcilePosition(current, { onHand: item.onHand, version: item.version });
        if (!decision.adopt) continue;
        let reserved = current?.reserved ?? 0;
        for (const orderId of settledBySku.get(item.sku) ?? []) {
          const gone = await unit.tx.query<{ qty: SqlValue }>('DELETE FROM reservations WHERE order_id = ? AND sku = ? AND dc = ? RETURNING qty', [orderId, item.sku, dc]);
          for (const g of gone) reserved = Math.max(0, reserved - Number(g.qty));
        }
        const drift = decision.drift;
        const announce = drift > 0 || !row;
        const revision = Number(row?.revision ?? 0) + (announce ? 1 : 0);
        if (row) await unit.tx.execute('UPDATE stock SET on_hand = ?, reserved = ?, version = ?, revision = ?, as_of = ? WHERE dc = ? AND sku = ?', [item.onHand, reserved, item.version, revision, unit.now, dc, item.sku]);
        else await unit.tx.execute('INSERT INTO stock (dc, sku, uom, on_hand, reserved, version, revision, as_of) VALUES (?, ?, ?, ?, 0, ?, ?, ?)', [dc, item.sku, item.uom, item.onHand, item.version, revision, unit.now]);
        if (announce) {
          found.units += drift;
          found.positions++;
          const uom = (row ? String(row.uom) : item.uom) as Uom;
          emit(ctx, unit, 'inventory.adjusted', inventoryKey(item.sku, dc), traceId, {
            sku: item.sku,
            distributionCenter: dc,
            levels: {
              onHand: { value: item.onHand, uom },
              reserved: { value: reserved, uom },
              available: { value: availableToPromise({ onHand: item.onHand, reserved }, ctx.defects.has('stale-atp')), uom },
            },
            delta: { value: item.onHand - (current?.onHand ?? 0), uom },
            reason: 'reconciliation',
            version: revision,
          });
        }
        if (!ctx.catalogue.has(item.sku)) unit.after.push(() => ctx.catalogue.set(item.sku, item.uom));
      }
    });
    const r = ctx.stats.reconciliation;
    r.driftUnits += found.units;
    r.driftPositions += found.positions;
    r.corrections += found.positions;
    if (found.positions > 0) ctx.log.info({ dc, units: found.units, positions: found.positions }, 'reconciliation corrected drift');
  }

  private async compareErp(): Promise<void> {
    const ctx = this.ctx;
    const traceId = ctx.tracer.traceId();
    const outcome = await ctx.lane(ERP).direct(ctx.config.timeouts.downstreamMs, (signal) => ctx.erp.GET('/inventory/balances', { params: { query: {} }, headers: { traceparent: ctx.tracer.traceparent(traceId) }, signal }));
    if (outcome.kind !== 'ok') {
      ctx.stats.reconciliation.skipped++;
      return;
    }
    const balances = (outcome.data as ErpSchemas['InventoryBalances']).items;
    const rows = await ctx.store.query<{ dc: string; sku: string; on_hand: SqlValue }>('SELECT dc, sku, on_hand FROM stock');
    const ours = new Map(rows.map((r) => [`${String(r.dc)}|${String(r.sku)}`, Number(r.on_hand)]));
    for (const b of balances) {
      if (!ctx.dcs.has(b.warehouse)) continue;
      const mine = ours.get(`${b.warehouse}|${b.itemNumber}`);
      if (mine === undefined) continue;
      const drift = Math.abs(mine - b.onHand);
      if (drift > 0) {
        ctx.stats.reconciliation.erpDriftUnits += drift;
        ctx.stats.reconciliation.erpDriftPositions++;
      }
    }
  }
}
