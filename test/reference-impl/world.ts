// A simulated world for the layer's tests: VirtualClock, SeededRandom, InProcessTransport (with
// a fault injector), InProcessBus and an in-memory SqliteStore, with fake ERP, WMS and carriers.
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import type { HttpResponse } from '../../runtime/ports.ts';
import { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';
import { createLayer, type Layer, type LayerConfigInput } from '../../reference-impl/layer.ts';
import type { ApiKeyConfig } from '../../reference-impl/config.ts';
import { FakeErp, type FakeErpOptions } from './fakes/erp.ts';
import { FakeWms } from './fakes/wms.ts';
import { FakeCarriers } from './fakes/carriers.ts';
import { FaultyTransport } from './fakes/faulty-transport.ts';

export const KEYS = {
  web: 'key-b2b-web-0001',
  market: 'key-marketplace-0002',
  ops: 'key-operator-0003',
  wmsEast: 'key-wms-east-0004',
  readOnly: 'key-read-only-0005',
} as const;

export const API_KEYS: ApiKeyConfig[] = [
  { key: KEYS.web, partner: 'b2b-web', channel: 'b2b-web', scopes: ['orders:write', 'orders:read', 'inventory:read'] },
  { key: KEYS.market, partner: 'marketplace-north', channel: 'marketplace-north', scopes: ['orders:write', 'orders:read', 'inventory:read'] },
  { key: KEYS.ops, partner: 'ops', scopes: ['orders:write', 'orders:read', 'inventory:read', 'exceptions:admin', 'events:write'] },
  { key: KEYS.wmsEast, partner: 'wms@DC-EAST', scopes: ['events:write'] },
  { key: KEYS.readOnly, partner: 'b2b-web', channel: 'b2b-web', scopes: ['orders:read'] },
];

export const CATALOGUE: Record<string, string> = { 'BRG-6204': '4.20', 'VLV-100': '38.00', 'HOS-25M': '61.90' };

export interface WorldOptions {
  seed?: number;
  config?: LayerConfigInput;
  erp?: FakeErpOptions;
  /** Stock per DC and sku (seeded in the WMS and, as initial inventory, in the layer). */
  stock?: Record<string, Record<string, number>>;
  autoShipAfterMs?: number;
  start?: boolean;
}

export interface CanonicalEvent {
  id: string;
  type: string;
  subject: string;
  time: string;
  traceparent?: string;
  data: Record<string, unknown>;
}

export type World = Awaited<ReturnType<typeof createWorld>>;

export const orderBody = (lines: Array<[sku: string, qty: number]> = [['BRG-6204', 10]], extra: Record<string, unknown> = {}) => ({
  customerId: 'C-100',
  currency: 'EUR',
  lines: lines.map(([sku, value]) => ({ sku, quantity: { value, uom: 'EA' }, unitPrice: { amount: CATALOGUE[sku] ?? '1.00', currency: 'EUR' } })),
  shipTo: { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' },
  ...extra,
});

export async function createWorld(options: WorldOptions = {}) {
  const clock = new VirtualClock();
  const random = new SeededRandom(options.seed ?? 7);
  const inner = new InProcessTransport();
  const transport = new FaultyTransport(inner, clock);
  const bus = new InProcessBus(clock);
  const store = new SqliteStore();
  const erp = new FakeErp(clock, { items: Object.fromEntries(Object.entries(CATALOGUE).map(([sku, price]) => [sku, { price, uoms: ['EA'] }])), ...options.erp });
  const carriers = new FakeCarriers(clock, random.fork('carriers'), bus);
  const stock = options.stock ?? { 'DC-EAST': { 'BRG-6204': 100, 'VLV-100': 20, 'HOS-25M': 5 }, 'DC-WEST': { 'BRG-6204': 50, 'VLV-100': 50 } };
  const wms: Record<string, FakeWms> = {};
  for (const dc of ['DC-EAST', 'DC-WEST']) {
    const w = new FakeWms(clock, random.fork(`wms@${dc}`), bus, dc, options.autoShipAfterMs === undefined ? {} : { autoShipAfterMs: options.autoShipAfterMs });
    for (const [sku, n] of Object.entries(stock[dc] ?? {})) w.setStock(sku, n);
    wms[dc] = w;
    inner.register(w.target, w.handler);
  }
  inner.register('erp', erp.handler);
  inner.register('carrier-swift', carriers.swift);
  inner.register('carrier-pelican', carriers.pelican);

  const events: CanonicalEvent[] = [];
  for (const channel of ['orders', 'inventory', 'shipments', 'invoices', 'returns', 'exceptions']) {
    bus.subscribe(channel, 'harness', async (d) => {
      events.push(JSON.parse(d.body) as CanonicalEvent);
    });
  }

  const initialInventory = Object.entries(stock).flatMap(([dc, skus]) => Object.entries(skus).map(([sku, onHand]) => ({ distributionCenter: dc, sku, uom: 'EA' as const, onHand })));
  const config: LayerConfigInput = { apiKeys: API_KEYS, initialInventory, reconciliationIntervalMs: 0, ...options.config };
  let layer: Layer = createLayer({ clock, random: random.fork('layer'), transport, bus, store }, config);
  inner.register('layer', layer.handler);
  if (options.start !== false) await layer.start();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
  type Json = any;
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponse & { json: Json }> => {
    const req = { method, path, headers: { 'x-api-key': KEYS.web, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) };
    const res = await transport.send('layer', req);
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      parsed = res.body;
    }
    return { ...res, json: parsed as Json };
  };

  let keyCounter = 0;
  const world = {
    clock,
    random,
    transport,
    bus,
    store,
    erp,
    wms,
    carriers,
    events,
    get layer() {
      return layer;
    },
    send,
    /** Places an order with a fresh Idempotency-Key. */
    placeOrder: (lines?: Array<[string, number]>, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) => send('POST', '/v1/orders', orderBody(lines, extra), { 'idempotency-key': `test-key-${++keyCounter}`, ...headers }),
    getOrder: (id: string, key: string = KEYS.web) => send('GET', `/v1/orders/${id}`, undefined, { 'x-api-key': key }),
    /** Lets virtual time pass (firing timers and everything they cause). */
    advance: (ms: number) => clock.advanceBy(ms),
    eventsOf: (type: string) => events.filter((e) => e.type === `dev.faultline.${type}.v1`),
    /** A crash: the old layer stops; a new one starts on the same store. */
    async restart(next: LayerConfigInput = {}) {
      layer.stop();
      layer = createLayer({ clock, random: random.fork(`layer-restart-${clock.now()}`), transport, bus, store }, { ...config, ...next });
      inner.register('layer', layer.handler);
      await layer.start();
      return layer;
    },
  };
  return world;
}
