import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { components } from '../../contracts/generated/openapi/wms.ts';
import { createWorld, KEYS } from './world.ts';

type W = Awaited<ReturnType<typeof createWorld>>;
const availability = async (w: W, sku = 'BRG-6204') => (await w.send('GET', `/v1/inventory/${sku}/availability`)).json;
const east = async (w: W, sku = 'BRG-6204') => (await availability(w, sku)).distributionCenters.find((d: { distributionCenter: string }) => d.distributionCenter === 'DC-EAST');

describe('inventory', () => {
  it('applies WMS adjustments by sequence: duplicates and stale events never overwrite newer figures', async () => {
    const w = await createWorld();
    const wms = w.wms['DC-EAST']!;
    const receipt = await wms.adjust('BRG-6204', 20, 'receipt'); // seq 1 → 120
    await w.advance(10);
    await wms.publish('wms.inventory', 'BRG-6204@DC-EAST', receipt); // duplicate
    const damage = await wms.adjust('BRG-6204', -5, 'damage'); // seq 2 → 115
    const count = await wms.adjust('BRG-6204', 3, 'cycle_count'); // seq 3 → 118
    await w.advance(10);
    // A stale redelivery of seq 2 after seq 3.
    await wms.publish('wms.inventory', 'BRG-6204@DC-EAST', damage);
    await w.advance(10);
    expect(await east(w)).toMatchObject({ onHand: 118, reserved: 0, available: 118, version: count.sequence });
    await w.layer.flushEvents();
    expect(w.eventsOf('inventory.adjusted').map((e) => [e.data.reason, (e.data.delta as { value: number }).value])).toEqual([
      ['receipt', 20],
      ['damage', -5],
      ['cycle_count', 3],
    ]);
    expect(w.layer.stats().dedup.hits).toBeGreaterThanOrEqual(1);
    expect((await w.send('GET', '/v1/inventory/NOPE-1/availability')).status).toBe(404);
    expect((await w.send('GET', '/v1/inventory/brg_6204/availability')).status).toBe(400);
    expect((await w.send('GET', '/v1/inventory/BRG-6204/availability', undefined, { 'x-api-key': KEYS.readOnly })).status).toBe(403);
  });

  it('settles a shipped order’s reservation with the stock movement, even when that event arrives stale', async () => {
    const w = await createWorld();
    const res = await w.placeOrder([['BRG-6204', 10]]);
    await w.advance(1_000);
    expect(await east(w)).toMatchObject({ onHand: 100, reserved: 10, available: 90 });
    // The WMS ships (seq 1: onHand 90, reference = order) and receives goods (seq 2: 140);
    // the layer sees the receipt first.
    const wms = w.wms['DC-EAST']!;
    const order = wms.orders.get(res.json.orderId)!;
    order.status = 'shipped';
    const p = wms.stock.get('BRG-6204')!;
    p.onHand -= 10;
    p.allocated -= 10;
    p.seq++;
    const shipment = { eventId: '3f6c2a9e-8d1b-4c3e-9a7f-2b6d4e8c1a90', eventType: 'inventory.adjusted', distributionCenter: 'DC-EAST', sku: 'BRG-6204', uom: 'EA' as const, delta: -10, onHand: p.onHand, reason: 'shipment' as const, reference: res.json.orderId, sequence: p.seq, occurredAt: '2026-01-05T08:10:00Z' };
    await wms.adjust('BRG-6204', 50, 'receipt');
    await w.advance(10);
    await wms.publish('wms.inventory', 'BRG-6204@DC-EAST', shipment);
    await w.advance(10);
    expect(await east(w)).toMatchObject({ onHand: 140, reserved: 0, available: 140, version: 2 });
    expect(w.layer.stats().inventory.reservationsSettled).toBe(1);
  });

  it('reconciliation settles the reservation of a shipped order whose stock movement was lost', async () => {
    const w = await createWorld({ config: { reconciliationIntervalMs: 60_000 } });
    const res = await w.placeOrder([['BRG-6204', 10]]);
    const other = await w.placeOrder([['BRG-6204', 5]]); // still open: its reservation must stay
    await w.advance(1_000);
    expect(await east(w)).toMatchObject({ onHand: 100, reserved: 15 });
    // The WMS ships the first order and confirms it; its inventory event (onHand 90, seq 1) is lost.
    const wms = w.wms['DC-EAST']!;
    const order = wms.orders.get(res.json.orderId)!;
    order.status = 'shipped';
    order.shippedAt = '2026-01-05T08:10:00Z';
    wms.setStock('BRG-6204', 90, 'EA', 1);
    wms.stock.get('BRG-6204')!.allocated = 5;
    const confirmed: components['schemas']['ShipmentConfirmed'] = {
      eventId: '7d2a4c1e-9b3f-4e6a-8c5d-1f0e2b3a4c5d',
      eventType: 'shipment.confirmed',
      distributionCenter: 'DC-EAST',
      fulfillmentOrderId: res.json.orderId,
      orderReference: order.request.orderReference,
      carrier: order.request.carrier,
      trackingNumber: order.request.label.trackingNumber,
      lines: order.request.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      shippedAt: order.shippedAt,
    };
    await wms.publish('wms.shipment', res.json.orderId, confirmed);
    await w.advance(1_000);
    expect(await east(w)).toMatchObject({ onHand: 100, reserved: 15 }); // nothing told the layer the stock left
    await w.advance(60_000);
    expect(await east(w)).toMatchObject({ onHand: 90, reserved: 5, available: 85 });
    expect((await w.getOrder(other.json.orderId)).json.status).toBe('released');
  });

  it('reconciles drift against the WMS snapshot and records it; an older snapshot never wins', async () => {
    const w = await createWorld({ config: { reconciliationIntervalMs: 60_000 } });
    const wms = w.wms['DC-EAST']!;
    // Stock the layer never heard of: lost events (sequence 4) and a new sku.
    wms.setStock('BRG-6204', 80, 'EA', 4);
    wms.setStock('NEW-1', 7, 'EA', 1);
    w.erp.balances.push({ itemNumber: 'BRG-6204', warehouse: 'DC-EAST', onHand: 75, uom: 'EA' });
    await w.advance(60_000);
    expect(await east(w)).toMatchObject({ onHand: 80, version: 4 });
    expect(await east(w, 'NEW-1')).toMatchObject({ onHand: 7 });
    const stats = w.layer.stats().reconciliation;
    expect(stats).toMatchObject({ runs: 1, driftUnits: 20 + 7, driftPositions: 2 });
    expect(stats.erpDriftUnits).toBe(5);
    await w.layer.flushEvents();
    const corrections = w.eventsOf('inventory.adjusted').filter((e) => e.data.reason === 'reconciliation');
    expect(corrections.map((e) => [e.subject, (e.data.delta as { value: number }).value])).toContainEqual(['BRG-6204@DC-EAST', -20]);
    // The layer is ahead of a snapshot (newer events applied): the snapshot is not adopted.
    await wms.adjust('BRG-6204', 5, 'receipt'); // seq 5 → 85
    await w.advance(10);
    wms.setStock('BRG-6204', 60, 'EA', 3);
    await w.advance(60_000);
    expect(await east(w)).toMatchObject({ onHand: 85, version: 5 });
  });

  it('property: no sequence of orders, adjustments, shipments and cancellations oversells or shows negative stock', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('order' as const), qty: fc.integer({ min: 1, max: 40 }), dc: fc.constantFrom('any', 'west-only') }),
            fc.record({ op: fc.constant('adjust' as const), delta: fc.integer({ min: -30, max: 30 }).filter((d) => d !== 0), dc: fc.constantFrom('DC-EAST', 'DC-WEST') }),
            fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }),
            fc.record({ op: fc.constant('ship' as const), pick: fc.nat() }),
          ),
          { minLength: 1, maxLength: 25 },
        ),
        async (commands) => {
          const w = await createWorld({ stock: { 'DC-EAST': { 'BRG-6204': 30, 'VLV-100': 10 }, 'DC-WEST': { 'BRG-6204': 20 } } });
          const orders: string[] = [];
          for (const c of commands) {
            if (c.op === 'order') {
              const lines: Array<[string, number]> = c.dc === 'west-only' ? [['BRG-6204', c.qty]] : [['BRG-6204', c.qty], ['VLV-100', 1]];
              const before = await availability(w);
              const res = await w.placeOrder(lines);
              if (res.status === 202) {
                orders.push(res.json.orderId);
                const dc = before.distributionCenters.find((d: { distributionCenter: string }) => d.distributionCenter === res.json.distributionCenter);
                expect(dc.available).toBeGreaterThanOrEqual(c.qty);
              } else {
                expect(res.status).toBe(422);
                expect(res.json.type).toBe('https://faultline.dev/problems/insufficient-stock');
              }
            } else if (c.op === 'adjust') {
              const p = w.wms[c.dc]!.stock.get('BRG-6204')!;
              const delta = Math.max(-p.onHand, c.delta);
              if (delta !== 0) await w.wms[c.dc]!.adjust('BRG-6204', delta, delta > 0 ? 'receipt' : 'damage');
            } else if (orders.length > 0) {
              const id = orders[c.pick % orders.length]!;
              if (c.op === 'cancel') await w.send('POST', `/v1/orders/${id}/cancel`);
              else {
                const dc = (await w.getOrder(id)).json.distributionCenter as string;
                const fo = w.wms[dc]!.orders.get(id);
                if (fo?.status === 'released' && fo.request.lines.every((l) => w.wms[dc]!.stock.get(l.sku)!.onHand >= l.quantity.value)) await w.wms[dc]!.ship(id);
              }
            }
            await w.advance(2_000);
            const figures = await availability(w);
            const open = await w.store.query<{ dc: string; qty: number }>("SELECT dc, SUM(qty) AS qty FROM reservations WHERE sku = 'BRG-6204' GROUP BY dc");
            for (const d of figures.distributionCenters) {
              expect(d.available).toBeGreaterThanOrEqual(0);
              expect(d.available).toBe(Math.max(0, d.onHand - d.reserved));
              expect(d.reserved).toBe(Number(open.find((o) => o.dc === d.distributionCenter)?.qty ?? 0));
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
