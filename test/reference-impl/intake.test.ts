import { describe, expect, it } from 'vitest';
import { createWorld, KEYS, API_KEYS, orderBody } from './world.ts';

const countRows = async (w: Awaited<ReturnType<typeof createWorld>>, table: string): Promise<number> => Number((await w.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);

describe('order intake', () => {
  it('accepts an order: 202 with the order id, status, DC and Location; the order, reservation, outbox message and events are stored', async () => {
    const w = await createWorld();
    const res = await w.placeOrder([['BRG-6204', 10], ['VLV-100', 2]]);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'accepted', distributionCenter: 'DC-EAST', links: { self: `/v1/orders/${res.json.orderId}` } });
    expect(res.headers.location).toBe(`/v1/orders/${res.json.orderId}`);
    const availability = await w.send('GET', '/v1/inventory/BRG-6204/availability');
    expect(availability.json.distributionCenters[0]).toMatchObject({ distributionCenter: 'DC-EAST', onHand: 100, reserved: 10, available: 90 });
    await w.layer.flushEvents();
    expect(w.eventsOf('order.accepted')).toHaveLength(1);
    expect(w.eventsOf('order.accepted')[0]!.data).toMatchObject({ orderId: res.json.orderId, channel: 'b2b-web', status: 'accepted', totals: { subtotal: { amount: '118.00', currency: 'EUR' } } });
    expect(w.eventsOf('inventory.reserved').map((e) => e.subject).sort()).toEqual(['BRG-6204@DC-EAST', 'VLV-100@DC-EAST']);
  });

  it('allocates to the first distribution center that can serve every line', async () => {
    const w = await createWorld();
    const res = await w.placeOrder([['VLV-100', 30]]);
    expect(res.json.distributionCenter).toBe('DC-WEST');
    const none = await w.placeOrder([['VLV-100', 30], ['HOS-25M', 1]]);
    expect(none.status).toBe(422);
    expect(none.json.type).toBe('https://faultline.dev/problems/insufficient-stock');
    expect(none.json.errors[0].pointer).toBe('/lines/0/quantity');
    expect(none.json.detail).toContain('VLV-100');
  });

  it('replays the stored 202 byte for byte for the same key and body, and answers 409 for another body', async () => {
    const w = await createWorld();
    const headers = { 'idempotency-key': 'b2b-web:WEB-58213' };
    const first = await w.send('POST', '/v1/orders', orderBody(), headers);
    // The same document with its keys in another order is the same body.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(orderBody()).reverse()));
    const again = await w.send('POST', '/v1/orders', reordered, headers);
    expect(again.status).toBe(202);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await w.send('POST', '/v1/orders', orderBody([['BRG-6204', 11]]), headers);
    expect(other.status).toBe(409);
    expect(other.json.type).toBe('https://faultline.dev/problems/idempotency-key-reused');
    expect(await countRows(w, 'orders')).toBe(1);
    // Keys are per partner: another channel may use the same key.
    const market = await w.send('POST', '/v1/orders', orderBody(), { ...headers, 'x-api-key': KEYS.market });
    expect(market.status).toBe(202);
    expect(market.json.orderId).not.toBe(first.json.orderId);
  });

  it('answers 409 in-flight to a retry that arrives while the first request is still being processed', async () => {
    const w = await createWorld();
    w.transport.inject({ target: 'erp', fault: { kind: 'hang' } });
    const headers = { 'idempotency-key': 'slow-erp-key-1' };
    const first = w.send('POST', '/v1/orders', orderBody(), headers);
    await w.advance(10);
    const second = await w.send('POST', '/v1/orders', orderBody(), headers);
    expect(second.status).toBe(409);
    expect(second.json.type).toBe('https://faultline.dev/problems/idempotency-key-in-flight');
    await w.advance(1000);
    expect((await first).status).toBe(202);
  });

  it('authenticates, authorizes and rate-limits per key', async () => {
    const w = await createWorld({ config: { apiKeys: [{ key: 'limited-key-01', partner: 'b2b-web', channel: 'b2b-web', scopes: ['orders:write', 'orders:read'], rateLimit: { ratePerSecond: 2, burst: 2 } }, { key: 'reader-key-001', partner: 'b2b-web', scopes: ['orders:read'] }] } });
    const unknown = await w.send('POST', '/v1/orders', orderBody(), { 'x-api-key': 'nope', 'idempotency-key': 'abcdefgh1' });
    expect(unknown.status).toBe(401);
    expect(unknown.json.type).toBe('https://faultline.dev/problems/unauthorized');
    const reader = await w.send('POST', '/v1/orders', orderBody(), { 'x-api-key': 'reader-key-001', 'idempotency-key': 'abcdefgh2' });
    expect(reader.status).toBe(403);
    expect(reader.json.detail).toContain('orders:write');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await w.send('GET', '/v1/orders/5f0c6b9e-3d2a-4b7f-9a41-8e2c1d7b6a30', undefined, { 'x-api-key': 'limited-key-01' })).status);
    expect(statuses).toEqual([404, 404, 429]);
    const limited = await w.send('GET', '/v1/orders/5f0c6b9e-3d2a-4b7f-9a41-8e2c1d7b6a30', undefined, { 'x-api-key': 'limited-key-01' });
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json.type).toBe('https://faultline.dev/problems/rate-limited');
    await w.advance(500);
    expect((await w.send('GET', '/v1/orders/5f0c6b9e-3d2a-4b7f-9a41-8e2c1d7b6a30', undefined, { 'x-api-key': 'limited-key-01' })).status).toBe(404);
    // Health and metrics need no key.
    expect((await w.send('GET', '/v1/health', undefined, { 'x-api-key': '' })).status).toBe(200);
  });

  it('refuses what the ERP refuses, synchronously, with the field named', async () => {
    const w = await createWorld({ erp: { customers: { 'C-100': { creditLimit: '50.00' } } } });
    const credit = await w.placeOrder([['BRG-6204', 20]]);
    expect(credit.status).toBe(422);
    expect(credit.json.type).toBe('https://faultline.dev/problems/credit-refused');
    const price = await w.send('POST', '/v1/orders', { ...orderBody([['BRG-6204', 1]]), lines: [{ sku: 'BRG-6204', quantity: { value: 1, uom: 'EA' }, unitPrice: { amount: '3.99', currency: 'EUR' } }] }, { 'idempotency-key': 'price-key-01' });
    expect(price.status).toBe(422);
    expect(price.json.type).toBe('https://faultline.dev/problems/price-mismatch');
    expect(price.json.errors).toEqual([{ pointer: '/lines/0/unitPrice/amount', message: 'expected 4.20' }]);
    const customer = await w.send('POST', '/v1/orders', { ...orderBody([['BRG-6204', 1]]), customerId: 'C-999' }, { 'idempotency-key': 'cust-key-001' });
    expect(customer.status).toBe(422);
    expect(customer.json.type).toBe('https://faultline.dev/problems/unknown-customer');
    expect(customer.json.errors[0].pointer).toBe('/customerId');
    expect(await countRows(w, 'orders')).toBe(0);
    expect(await countRows(w, 'reservations')).toBe(0);
  });

  it('refuses unknown skus, units and currencies before calling the ERP', async () => {
    const w = await createWorld();
    const sku = await w.send('POST', '/v1/orders', { ...orderBody(), lines: [{ sku: 'BRG-6299', quantity: { value: 1, uom: 'EA' }, unitPrice: { amount: '1.00', currency: 'EUR' } }] }, { 'idempotency-key': 'sku-key-0001' });
    expect(sku.status).toBe(422);
    expect(sku.json).toMatchObject({ type: 'https://faultline.dev/problems/unknown-sku', errors: [{ pointer: '/lines/0/sku' }] });
    const uom = await w.send('POST', '/v1/orders', { ...orderBody(), lines: [{ sku: 'HOS-25M', quantity: { value: 25, uom: 'M' }, unitPrice: { amount: '61.90', currency: 'EUR' } }] }, { 'idempotency-key': 'uom-key-0001' });
    expect(uom.json).toMatchObject({ type: 'https://faultline.dev/problems/uom-mismatch', errors: [{ pointer: '/lines/0/quantity/uom', message: 'HOS-25M is sold in EA' }] });
    const currency = await w.send('POST', '/v1/orders', { ...orderBody(), currency: 'USD' }, { 'idempotency-key': 'cur-key-0001' });
    expect(currency.json).toMatchObject({ type: 'https://faultline.dev/problems/currency-mismatch', errors: [{ pointer: '/currency' }] });
    const linePrice = await w.send('POST', '/v1/orders', { ...orderBody(), lines: [{ sku: 'BRG-6204', quantity: { value: 1, uom: 'EA' }, unitPrice: { amount: '4.20', currency: 'USD' } }] }, { 'idempotency-key': 'cur-key-0002' });
    expect(linePrice.json).toMatchObject({ type: 'https://faultline.dev/problems/currency-mismatch', errors: [{ pointer: '/lines/0/unitPrice/currency' }] });
    const fraction = await w.send('POST', '/v1/orders', { ...orderBody(), lines: [{ sku: 'BRG-6204', quantity: { value: 1.5, uom: 'EA' }, unitPrice: { amount: '4.20', currency: 'EUR' } }] }, { 'idempotency-key': 'frac-key-001' });
    expect(fraction.status).toBe(400);
    expect(fraction.json.errors[0].pointer).toBe('/lines/0/quantity/value');
    expect(w.erp.calls).toHaveLength(0);
  });

  it('accepts as pending_validation when the ERP does not answer in time, then validates later', async () => {
    const w = await createWorld();
    const heal = (() => {
      const removes = [w.transport.inject({ target: 'erp', fault: { kind: 'hang' } })];
      return () => removes.forEach((r) => r());
    })();
    const pending = w.placeOrder();
    await w.advance(800);
    const res = await pending;
    expect(res.status).toBe(202);
    expect(res.json.status).toBe('pending_validation');
    heal();
    await w.advance(30_000);
    const order = await w.getOrder(res.json.orderId);
    expect(order.json.status).toBe('released');
    expect(order.json.timeline.map((t: { status: string }) => t.status)).toEqual(['pending_validation', 'accepted', 'posted', 'released']);
    expect(w.erp.bookedFor(res.json.orderId)).toHaveLength(1);
    expect(w.layer.stats().orders).toMatchObject({ pendingValidation: 1, validatedLater: 1 });
    await w.layer.flushEvents();
    expect(w.eventsOf('order.accepted').map((e) => e.data.status)).toEqual(['pending_validation', 'accepted']);
  });

  it('rejects a pending order the ERP refuses later, with a reason, and releases its reservation', async () => {
    const w = await createWorld({ erp: { customers: { 'C-100': { creditLimit: '10.00' } } } });
    w.transport.inject({ target: 'erp', fault: { kind: 'status', status: 503, retryAfter: '30' }, times: 2 });
    const res = await w.placeOrder([['BRG-6204', 10]]);
    expect(res.json.status).toBe('pending_validation');
    expect((await w.send('GET', '/v1/inventory/BRG-6204/availability')).json.total.reserved).toBe(10);
    await w.advance(60_000);
    const order = await w.getOrder(res.json.orderId);
    expect(order.json.status).toBe('rejected');
    expect(order.json.rejection.reason).toBe('credit_refused');
    expect((await w.send('GET', '/v1/inventory/BRG-6204/availability')).json.total.reserved).toBe(0);
    expect(w.erp.salesOrders).toHaveLength(0);
  });

  it('shows a channel only its own orders', async () => {
    const w = await createWorld();
    const res = await w.placeOrder();
    expect((await w.getOrder(res.json.orderId, KEYS.market)).status).toBe(404);
    expect((await w.getOrder(res.json.orderId, KEYS.ops)).status).toBe(200);
    const mine = await w.getOrder(res.json.orderId);
    expect(mine.json).toMatchObject({ orderId: res.json.orderId, channel: 'b2b-web', customerId: 'C-100', currency: 'EUR', lines: [{ lineNumber: 1, sku: 'BRG-6204' }] });
  });

  it('keeps a partner key written without a channel to its own orders; only an operator key sees every channel', async () => {
    const partnerKey = 'market-no-channel-01';
    const w = await createWorld({ config: { apiKeys: [...API_KEYS, { key: partnerKey, partner: 'marketplace-north', scopes: ['orders:write', 'orders:read'] }] } });
    const webOrder = await w.placeOrder();
    const read = await w.getOrder(webOrder.json.orderId, partnerKey);
    expect(read.status).toBe(404);
    expect(read.json.detail).toContain('for channel marketplace-north');
    const cancel = await w.send('POST', `/v1/orders/${webOrder.json.orderId}/cancel`, '{}', { 'x-api-key': partnerKey, 'idempotency-key': 'cancel-other-1' });
    expect(cancel.status).toBe(404);
    expect((await w.getOrder(webOrder.json.orderId)).json.status).not.toBe('cancelled');
    // Its own orders carry its partner name as channel, and it sees them.
    const own = await w.send('POST', '/v1/orders', orderBody(), { 'x-api-key': partnerKey, 'idempotency-key': 'own-order-001' });
    expect(own.status).toBe(202);
    expect((await w.getOrder(own.json.orderId, partnerKey)).json.channel).toBe('marketplace-north');
    expect((await w.getOrder(webOrder.json.orderId, KEYS.ops)).status).toBe(200); // no channel + exceptions:admin
  });
});
