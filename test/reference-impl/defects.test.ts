import { describe, expect, it } from 'vitest';
import { DEFECT_NAMES, describeDefects } from '../../reference-impl/defects.ts';
import { resolveConfig } from '../../reference-impl/config.ts';
import type { DefectName } from '../../reference-impl/defects.ts';
import { createWorld, KEYS, orderBody, type WorldOptions } from './world.ts';

const withDefect = (defect: DefectName | undefined, options: WorldOptions = {}) => createWorld({ ...options, config: { ...options.config, defects: defect ? [defect] : [] } });

/** Runs `observe` without and with the defect; it returns what a user would notice. */
async function contrast<T>(defect: DefectName, observe: (on: boolean) => Promise<T>): Promise<{ healthy: T; defective: T }> {
  return { healthy: await observe(false), defective: await observe(true) };
}

describe('defect switches', () => {
  it('lists every defect with a one-line description; unknown names are refused', () => {
    expect(DEFECT_NAMES).toEqual(['no-idempotency', 'ack-before-commit', 'no-event-dedup', 'ignore-retry-after', 'no-reconciliation', 'stale-atp', 'drop-after-retries', 'non-monotonic-status']);
    for (const line of describeDefects()) expect(line).toMatch(/^[a-z-]+: \S.{10,}$/);
    expect(() => resolveConfig({ defects: ['no-brakes' as DefectName] })).toThrow(/defects\[0\]: unknown defect "no-brakes"/);
  });

  it('no-idempotency: a retried request books a second order', async () => {
    const r = await contrast('no-idempotency', async (on) => {
      const w = await withDefect(on ? 'no-idempotency' : undefined);
      const headers = { 'idempotency-key': 'b2b-web:WEB-1' };
      const a = await w.send('POST', '/v1/orders', orderBody(), headers);
      const b = await w.send('POST', '/v1/orders', orderBody(), headers);
      await w.advance(1_000);
      return { sameOrder: a.json.orderId === b.json.orderId, booked: w.erp.salesOrders.length };
    });
    expect(r.healthy).toEqual({ sameOrder: true, booked: 1 });
    expect(r.defective).toEqual({ sameOrder: false, booked: 2 });
  });

  it('ack-before-commit: a crash right after the 202 loses the acknowledged order', async () => {
    const r = await contrast('ack-before-commit', async (on) => {
      const w = await withDefect(on ? 'ack-before-commit' : undefined);
      const ack = await w.placeOrder();
      expect(ack.status).toBe(202);
      await w.restart({ defects: [] });
      await w.advance(60_000);
      return { visible: (await w.getOrder(ack.json.orderId)).status, booked: w.erp.bookedFor(ack.json.orderId).length };
    });
    expect(r.healthy).toEqual({ visible: 200, booked: 1 });
    expect(r.defective).toEqual({ visible: 404, booked: 0 });
  });

  it('no-event-dedup: a redelivered shipment confirmation posts the goods issue again', async () => {
    const r = await contrast('no-event-dedup', async (on) => {
      const w = await withDefect(on ? 'no-event-dedup' : undefined, { erp: { duplicatePolicy: 'book-again' } });
      const order = await w.placeOrder();
      await w.advance(1_000);
      const confirmed = await w.wms['DC-EAST']!.ship(order.json.orderId);
      await w.advance(1_000);
      await w.wms['DC-EAST']!.publish('wms.shipment', order.json.orderId, confirmed);
      await w.advance(5_000);
      await w.layer.flushEvents();
      return { goodsIssues: w.erp.goodsIssues.length, dispatched: w.eventsOf('shipment.dispatched').length };
    });
    expect(r.healthy).toEqual({ goodsIssues: 1, dispatched: 1 });
    expect(r.defective.goodsIssues).toBe(2);
    expect(r.defective.dispatched).toBe(2);
  });

  it('ignore-retry-after: the ERP is called again before the Retry-After it sent', async () => {
    const r = await contrast('ignore-retry-after', async (on) => {
      const w = await withDefect(on ? 'ignore-retry-after' : undefined);
      w.transport.inject({ target: 'erp', method: 'POST', path: /^\/sales-orders$/, fault: { kind: 'status', status: 503, retryAfter: '120' }, times: 1 });
      await w.placeOrder();
      await w.advance(300_000);
      const calls = w.transport.callsTo('erp');
      const refusedAt = calls.find((c) => c.status === 503)!.at;
      return calls.some((c) => c.at > refusedAt && c.at < refusedAt + 120_000);
    });
    expect(r).toEqual({ healthy: false, defective: true });
  });

  it('no-reconciliation: drift found in the WMS snapshot stays', async () => {
    const r = await contrast('no-reconciliation', async (on) => {
      const w = await withDefect(on ? 'no-reconciliation' : undefined, { config: { reconciliationIntervalMs: 60_000 } });
      w.wms['DC-EAST']!.setStock('BRG-6204', 70, 'EA', 3);
      await w.advance(61_000);
      const figures = await w.send('GET', '/v1/inventory/BRG-6204/availability');
      return figures.json.distributionCenters[0].onHand as number;
    });
    expect(r).toEqual({ healthy: 70, defective: 100 });
  });

  it('stale-atp: open reservations do not reduce availability, so the stock is sold twice', async () => {
    const r = await contrast('stale-atp', async (on) => {
      const w = await withDefect(on ? 'stale-atp' : undefined, { stock: { 'DC-EAST': { 'BRG-6204': 100 }, 'DC-WEST': {} } });
      const a = await w.placeOrder([['BRG-6204', 60]]);
      const b = await w.placeOrder([['BRG-6204', 60]]);
      return [a.status, b.status];
    });
    expect(r.healthy).toEqual([202, 422]);
    expect(r.defective).toEqual([202, 202]);
  });

  it('drop-after-retries: an exhausted message vanishes instead of reaching the exception queue', async () => {
    const r = await contrast('drop-after-retries', async (on) => {
      const w = await withDefect(on ? 'drop-after-retries' : undefined, { config: { retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 500 }, breaker: { consecutiveFailures: 50 } } });
      w.transport.inject({ target: 'erp', method: 'POST', path: /^\/sales-orders$/, fault: { kind: 'status', status: 500 } });
      await w.placeOrder();
      await w.advance(60_000);
      const list = await w.send('GET', '/v1/exceptions', undefined, { 'x-api-key': KEYS.ops });
      return { parked: list.json.items.length, backlog: w.layer.stats().outbox.backlog };
    });
    expect(r.healthy).toEqual({ parked: 1, backlog: 0 });
    expect(r.defective).toEqual({ parked: 0, backlog: 0 });
  });

  it('non-monotonic-status: a late tracking event moves the shipment backwards', async () => {
    const r = await contrast('non-monotonic-status', async (on) => {
      const w = await withDefect(on ? 'non-monotonic-status' : undefined);
      const order = await w.placeOrder();
      await w.advance(1_000);
      const tracking = (await w.getOrder(order.json.orderId)).json.shipments[0].trackingNumber;
      await w.carriers.track(tracking, 'DELIVERED');
      await w.carriers.track(tracking, 'IN_TRANSIT');
      await w.advance(1_000);
      return (await w.getOrder(order.json.orderId)).json.shipments[0].status as string;
    });
    expect(r).toEqual({ healthy: 'delivered', defective: 'in_transit' });
  });
});
