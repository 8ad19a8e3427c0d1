import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';
import { SCHEMA } from '../../reference-impl/schema.ts';
import { SHIPPED_RESERVATIONS } from '../../reference-impl/services/reconciliation.ts';

// The reconciliation runs every few minutes for the whole life of the layer: a read that scans
// every shipped order makes a long day quadratic.
describe('reconciliation: the shipped-reservations read on SQLite', () => {
  let store: SqliteStore | undefined;
  afterEach(async () => store?.close());

  it('probes the shipped-orders index per open reservation and scans no table of orders', async () => {
    store = new SqliteStore();
    await store.migrate(SCHEMA);
    const plan = (await store.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${SHIPPED_RESERVATIONS}`, ['DC-EAST'])).map((r) => r.detail);
    expect(plan.join(' | ')).toMatch(/SEARCH o .*USING (COVERING )?INDEX orders_shipped \(id=\?\)/);
    expect(plan.filter((d) => /\bSCAN\b/.test(d))).toEqual([]);
  });

  it('finds exactly the reservations of shipped orders at that DC', async () => {
    store = new SqliteStore();
    await store.migrate(SCHEMA);
    const order = (id: string, shippedAt: number | null) =>
      store!.execute(
        "INSERT INTO orders (id, channel, customer_id, currency, status, dc, doc, trace_id, timeline, shipment_confirmed_at, created_at, updated_at) VALUES (?, 'b2b-web', 'C-100', 'EUR', 'released', 'DC-EAST', '{}', 't', '', ?, 0, 0)",
        [id, shippedAt],
      );
    const reserve = (id: string, sku: string, dc: string) => store!.execute("INSERT INTO reservations (order_id, sku, dc, qty, trace_id) VALUES (?, ?, ?, 1, 't')", [id, sku, dc]);
    await order('o-shipped', 5);
    await order('o-open', null);
    await order('o-shipped-west', 7);
    await reserve('o-shipped', 'SKU-1', 'DC-EAST');
    await reserve('o-shipped', 'SKU-2', 'DC-EAST');
    await reserve('o-open', 'SKU-1', 'DC-EAST');
    await reserve('o-shipped-west', 'SKU-1', 'DC-WEST');
    const rows = await store.query<{ order_id: string; sku: string }>(SHIPPED_RESERVATIONS, ['DC-EAST']);
    expect(rows.map((r) => `${r.order_id}/${r.sku}`).sort()).toEqual(['o-shipped/SKU-1', 'o-shipped/SKU-2']);
  });

  it('upgrades a store made with the earlier, non-unique index', async () => {
    store = new SqliteStore();
    await store.migrate(SCHEMA.map((s) => s.replace(/.*orders_shipped.*/, 'CREATE INDEX IF NOT EXISTS orders_shipment_confirmed ON orders (id) WHERE shipment_confirmed_at IS NOT NULL')).filter((s) => !s.startsWith('DROP INDEX')));
    await store.migrate(SCHEMA);
    const indexes = (await store.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'")).map((r) => r.name);
    expect(indexes).toContain('orders_shipped');
    expect(indexes).not.toContain('orders_shipment_confirmed');
  });
});
