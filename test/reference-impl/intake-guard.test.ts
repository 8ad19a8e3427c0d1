// The layer against the real ERP simulator: it presents its configured bearer token to the ERP
// (erp.yaml requires one), and order intake sheds load with a 503 once `maxIntakeInFlight`
// orders are being handled.
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';
import type { HttpResponse } from '../../runtime/ports.ts';
import { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';
import { createLayer, type LayerConfigInput } from '../../reference-impl/layer.ts';
import { DEFAULT_CREDENTIAL, LayerConfigError, resolveConfig } from '../../reference-impl/config.ts';
import { ErpSimulator, type ErpOptions } from '../../simulators/erp/index.ts';
import { createWorld } from './world.ts';

const KEY = 'intake-guard-key-0001';

async function world(layer: LayerConfigInput, erp: Partial<ErpOptions>) {
  const clock = new VirtualClock();
  const random = new SeededRandom(3);
  const transport = new InProcessTransport();
  const sim = new ErpSimulator({ clock, random: random.fork('erp') }, erp);
  transport.register('erp', sim.handler);
  const store = new SqliteStore();
  const l = createLayer(
    { clock, random: random.fork('layer'), transport, bus: new InProcessBus(clock), store },
    {
      apiKeys: [{ key: KEY, partner: 'b2b-web', channel: 'b2b-web', scopes: ['orders:write', 'orders:read'] }],
      initialInventory: [{ distributionCenter: 'DC-EAST', sku: 'BRG-6204', uom: 'EA', onHand: 1000 }],
      reconciliationIntervalMs: 0,
      ...layer,
    },
  );
  await l.start();
  transport.register('layer', l.handler);
  let n = 0;
  const order = (): Promise<HttpResponse> =>
    transport.send('layer', {
      method: 'POST',
      path: '/v1/orders',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json', 'idempotency-key': `guard-key-${++n}` },
      body: JSON.stringify({
        customerId: 'C-100',
        currency: 'EUR',
        lines: [{ sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' }, unitPrice: { amount: '4.20', currency: 'EUR' } }],
        shipTo: { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' },
      }),
    });
  /** Resolves `p` while virtual time passes in small steps (the ERP answers on the clock). */
  const settle = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    void p.finally(() => (done = true));
    for (let i = 0; i < 1000 && !done; i++) await clock.advanceBy(10);
    return p;
  };
  const orders = async () => Number((await store.query<{ n: number }>('SELECT COUNT(*) AS n FROM orders'))[0]!.n);
  return { clock, sim, layer: l, order, settle, orders };
}

const json = (res: HttpResponse) => JSON.parse(res.body) as Record<string, unknown>;

describe('the ERP credential', () => {
  it('is sent as a bearer token on every ERP call: an ERP that takes only that token validates and books the order', async () => {
    const w = await world({ erpCredential: 'tok-layer-123' }, { auth: ['tok-layer-123'] });
    const res = await w.settle(w.order());
    expect(res.status).toBe(202);
    expect(json(res).status).toBe('accepted');
    for (let i = 0; i < 50; i++) await w.clock.advanceBy(100);
    const requests = w.sim.truth().requests;
    expect(requests.map((r) => r.operationId)).toEqual(expect.arrayContaining(['checkCredit', 'validatePrices', 'bookSalesOrder']));
    expect(requests.every((r) => r.status < 400)).toBe(true);
    expect(w.sim.truth().salesOrders).toHaveLength(1);
    w.layer.stop();
  });

  it('another token is refused by that ERP (401), so the order cannot be validated at intake', async () => {
    const w = await world({ erpCredential: 'tok-someone-else' }, { auth: ['tok-layer-123'] });
    const res = await w.settle(w.order());
    expect(json(res).status).toBe('pending_validation');
    expect(w.sim.truth().requests.map((r) => r.status)).toContain(401);
    w.layer.stop();
  });

  it('defaults to a fixed token, and a malformed one is a config error naming the field', () => {
    expect(resolveConfig().erpCredential).toBe(DEFAULT_CREDENTIAL);
    expect(() => resolveConfig({ erpCredential: 'two words' })).toThrow(LayerConfigError);
    expect(() => resolveConfig({ erpCredential: '' })).toThrow(/erpCredential/);
  });
});

describe('the credentials for the WMSs and carriers', () => {
  it('are sent as each contract asks: WMS X-Api-Key, SwiftShip bearer, Pelican X-Api-Key, on every call', async () => {
    const w = await createWorld({ config: { credentials: { wms: 'wms-key-1', 'carrier-swift': 'swift-tok-2', 'carrier-pelican': 'pel-key-3' } }, stock: { 'DC-EAST': { 'BRG-6204': 5 }, 'DC-WEST': { 'VLV-100': 5 } } });
    expect((await w.placeOrder([['BRG-6204', 1]])).status).toBe(202); // DC-EAST, SwiftShip
    expect((await w.placeOrder([['VLV-100', 1]])).status).toBe(202); // DC-WEST, Pelican
    await w.advance(2_000);
    const calls = (target: string) => w.transport.callsTo(target);
    expect(calls('wms@DC-EAST').length).toBeGreaterThan(0);
    expect(calls('wms@DC-WEST').length).toBeGreaterThan(0);
    expect(calls('carrier-swift').length).toBeGreaterThan(0);
    expect(calls('carrier-pelican').length).toBeGreaterThan(0);
    for (const c of [...calls('wms@DC-EAST'), ...calls('wms@DC-WEST')]) expect(c.headers['x-api-key']).toBe('wms-key-1');
    for (const c of calls('carrier-swift')) expect(c.headers.authorization).toBe('Bearer swift-tok-2');
    for (const c of calls('carrier-pelican')) expect(c.headers['x-api-key']).toBe('pel-key-3');
    w.layer.stop();
  });

  it('default to the layer\'s fixed credential; a malformed or unknown one is a config error naming the field', () => {
    expect(resolveConfig().credentials).toEqual({ wms: DEFAULT_CREDENTIAL, 'carrier-swift': DEFAULT_CREDENTIAL, 'carrier-pelican': DEFAULT_CREDENTIAL });
    expect(resolveConfig({ credentials: { wms: 'k' } }).credentials['carrier-swift']).toBe(DEFAULT_CREDENTIAL);
    expect(() => resolveConfig({ credentials: { 'carrier-swift': 'two words' } })).toThrow(/credentials\.carrier-swift/);
    expect(() => resolveConfig({ credentials: { sap: 'k' } as never })).toThrow(/credentials\.sap: unknown system/);
  });
});

describe('order intake under overload', () => {
  it('answers 503 problem+json with Retry-After, storing nothing, while maxIntakeInFlight orders are being handled; takes orders again once they are done', async () => {
    // The ERP takes 500 ms per call: the first two orders are in flight for a while.
    const w = await world({ maxIntakeInFlight: 2 }, { serviceTime: { default: { distribution: 'fixed', ms: 500 } } });
    const first = w.order();
    const second = w.order();
    const third = await w.order();
    expect(third.status).toBe(503);
    expect(third.headers['content-type']).toBe('application/problem+json');
    expect(third.headers['retry-after']).toBe('1');
    expect(json(third)).toMatchObject({ type: 'https://faultline.dev/problems/overloaded', status: 503, instance: '/v1/orders' });
    expect(w.layer.stats().orders.shed).toBe(1);
    expect((await w.settle(first)).status).toBe(202);
    expect((await w.settle(second)).status).toBe(202);
    expect(await w.orders()).toBe(2);
    const fourth = await w.settle(w.order());
    expect(fourth.status).toBe(202);
    expect(await w.orders()).toBe(3);
    w.layer.stop();
  });

  it('rejects a bound below 1', () => {
    expect(() => resolveConfig({ maxIntakeInFlight: 0 })).toThrow(/maxIntakeInFlight/);
  });
});
