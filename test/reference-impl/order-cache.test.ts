import { describe, expect, it } from 'vitest';
import type { OrderStatus } from '../../reference-impl/domain/order-state.ts';
import type { SqlExecutor, SqlValue } from '../../reference-impl/ports.ts';
import { OrderCache, type OrderRecord } from '../../reference-impl/services/orders.ts';

const order = (id: string, status: OrderStatus): OrderRecord => ({
  id,
  channel: 'web',
  customerId: 'C-100',
  currency: 'EUR',
  status,
  dc: 'DC-EAST',
  doc: { lines: [], shipTo: { name: 'A', line1: 'B', city: 'C', postalCode: '1', country: 'DE' }, totals: { subtotal: { amount: '0.00', currency: 'EUR' }, tax: { amount: '0.00', currency: 'EUR' }, total: { amount: '0.00', currency: 'EUR' } } },
  traceId: 't',
  timeline: '',
  createdAt: 0,
  updatedAt: 0,
});

/** A store that answers the order row and counts the reads. */
function rows(records: OrderRecord[]): SqlExecutor & { reads: number } {
  const db = {
    reads: 0,
    async query<T>(_sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
      db.reads++;
      const o = records.find((r) => r.id === params[0]);
      if (!o) return [];
      return [{ id: o.id, channel: o.channel, customer_id: o.customerId, currency: o.currency, status: o.status, dc: o.dc, doc: JSON.stringify(o.doc), trace_id: o.traceId, so_number: null, invoice: null, rejection: null, timeline: o.timeline, shipment_confirmed_at: null, created_at: 0, updated_at: 0 } as T];
    },
    async execute(): Promise<number> {
      return 0;
    },
  };
  return db;
}

describe('OrderCache', () => {
  it('keeps orders in flight and lets settled ones go (delivered, cancelled, rejected are read again when touched)', async () => {
    const records = [order('o-1', 'released'), order('o-2', 'delivered'), order('o-3', 'cancelled'), order('o-4', 'rejected')];
    const db = rows(records);
    const cache = new OrderCache();
    for (const r of records) cache.put(r);
    for (const r of records) expect((await cache.get(db, r.id))?.status).toBe(r.status);
    expect(db.reads).toBe(3); // only the settled ones came from the store
    // An order that settles leaves the cache with the update that settled it.
    cache.put(order('o-1', 'delivered'));
    records[0] = order('o-1', 'delivered');
    expect((await cache.get(db, 'o-1'))?.status).toBe('delivered');
    expect(db.reads).toBe(4);
  });
});
