import { describe, expect, it } from 'vitest';
import { DEFAULT_EPOCH, VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { json, problem } from '../../runtime/http/problem.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';
import type { BusMessage, HttpHandler, HttpRequest } from '../../runtime/ports.ts';
import { WmsSimulator, type WmsOptions } from '../../simulators/wms/index.ts';
import { assertWebhookPayload, conformant, expectOptionalLog } from './helpers.ts';

const MIN = 60_000;
const WEBHOOK = { 'wms.inventory': 'inventoryAdjusted', 'wms.shipment': 'shipmentConfirmed', 'wms.return': 'returnReceived' } as const;

const FIXED: Partial<WmsOptions> = {
  leadTimes: { pick: { distribution: 'fixed', ms: 5 * MIN }, pack: { distribution: 'fixed', ms: 10 * MIN }, ship: { distribution: 'fixed', ms: 45 * MIN } },
  serviceTime: { default: { distribution: 'fixed', ms: 0 } },
  replenishment: null,
};

function world(options: Partial<WmsOptions> = {}, seed = 1, carrier: HttpHandler = async () => json(200, { trackingNumber: 'SW4821900001', status: 'PICKED_UP' })) {
  const clock = new VirtualClock();
  const bus = new InProcessBus(clock);
  const transport = new InProcessTransport();
  const carrierCalls: Array<{ at: number; target: string; request: HttpRequest }> = [];
  for (const target of ['carrier-swift', 'carrier-pelican']) {
    transport.register(target, async (request) => {
      carrierCalls.push({ at: clock.now(), target, request });
      return carrier(request);
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- payloads are checked against the contract above, then read loosely
  const messages: Array<BusMessage & { at: number; payload: any }> = [];
  for (const channel of Object.keys(WEBHOOK) as Array<keyof typeof WEBHOOK>) {
    bus.subscribe(channel, 'test', async (d) => {
      // Every message must be exactly the producer contract's webhook payload.
      const payload = assertWebhookPayload('wms', WEBHOOK[channel], d);
      messages.push({ ...d, at: clock.now(), payload });
    });
  }
  const wms = new WmsSimulator({ clock, random: new SeededRandom(seed).fork('wms@DC-EAST'), transport, bus }, { ...FIXED, ...options });
  const c = conformant('wms', wms.handler);
  const call = async (method: string, path: string, body?: unknown) => {
    const pending = c.send(method, path, body);
    await clock.advanceBy(0);
    return pending;
  };
  return { clock, bus, wms, c, call, messages, carrierCalls };
}

const fo = (id: string, lines: Array<[string, number]>, extra: Record<string, unknown> = {}) => ({
  fulfillmentOrderId: id,
  orderReference: id,
  lines: lines.map(([sku, value], i) => ({ lineNumber: i + 1, sku, quantity: { value, uom: 'EA' } })),
  shipTo: { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' },
  carrier: 'carrier-swift',
  serviceLevel: 'STANDARD',
  label: { trackingNumber: 'SW4821900001' },
  ...extra,
});

const stockOf = async (call: ReturnType<typeof world>['call'], sku: string) => (await call('GET', `/stock?sku=${sku}`)).body.items[0];

describe('WMS simulator', () => {
  it('reports a stock snapshot sorted by sku, filtered by repeated sku parameters, unknown skus left out', async () => {
    const { call } = world();
    const all = await call('GET', '/stock');
    expect(all.body.distributionCenter).toBe('DC-EAST');
    expect(all.body.items.map((i: { sku: string }) => i.sku)).toEqual([...all.body.items.map((i: { sku: string }) => i.sku)].sort());
    const some = await call('GET', '/stock?sku=VLV-100&sku=BRG-6204&sku=NOPE-1');
    expect(some.body.items).toEqual([
      { sku: 'BRG-6204', uom: 'EA', onHand: 500, allocated: 0, available: 500, version: 0 },
      { sku: 'VLV-100', uom: 'EA', onHand: 500, allocated: 0, available: 500, version: 0 },
    ]);
    expect((await call('GET', '/stock?sku=brg%206204')).status).toBe(422);
  });

  it('reserves available stock idempotently, 409s when short or reused differently, and releases idempotently', async () => {
    const { call, wms } = world({ stock: [{ sku: 'BRG-6204', uom: 'EA', onHand: 10 }] });
    const r = { reservationId: 'res-1', sku: 'BRG-6204', quantity: { value: 4, uom: 'EA' }, reference: 'ord-1' };
    const created = await call('POST', '/reservations', r);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/reservations/res-1');
    expect((await call('POST', '/reservations', r)).status).toBe(200);
    const conflict = await call('POST', '/reservations', { ...r, quantity: { value: 5, uom: 'EA' } });
    expect(conflict.body.type).toBe('https://docs.wms.faultline.test/problems/reservation-conflict');
    const short = await call('POST', '/reservations', { ...r, reservationId: 'res-2', quantity: { value: 7, uom: 'EA' } });
    expect(short.status).toBe(409);
    expect(short.body).toMatchObject({ type: 'https://docs.wms.faultline.test/problems/insufficient-stock', errors: [{ pointer: '/quantity/value', message: 'requested 7 EA, available 6 EA' }] });
    expect(await stockOf(call, 'BRG-6204')).toMatchObject({ onHand: 10, allocated: 4, available: 6, version: 0 });
    expect((await call('DELETE', '/reservations/res-1')).status).toBe(204);
    expect((await call('DELETE', '/reservations/res-1')).status).toBe(204);
    expect((await call('DELETE', '/reservations/res-9')).status).toBe(404);
    expect(await stockOf(call, 'BRG-6204')).toMatchObject({ allocated: 0, available: 10 });
    expect((await call('POST', '/reservations', { ...r, reservationId: 'res-3', quantity: { value: 1, uom: 'CS' } })).status).toBe(422);
    expect(wms.truth().timeline.map((c) => [c.reason, c.deltaAllocated])).toEqual([
      ['reserved', 4],
      ['reservation_released', -4],
    ]);
  });

  it('moves a fulfillment order released → picking → packed → shipped on its lead times, pushes the events and hands the parcel over', async () => {
    const { call, clock, messages, carrierCalls, wms } = world();
    const created = await call('POST', '/fulfillment-orders', fo('ord-1', [['BRG-6204', 4], ['VLV-100', 2]]));
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/fulfillment-orders/ord-1');
    expect(await stockOf(call, 'BRG-6204')).toMatchObject({ onHand: 500, allocated: 4, available: 496 });
    expect((await call('POST', '/fulfillment-orders', fo('ord-1', [['HOS-25M', 1]]))).status).toBe(200);

    await clock.advanceBy(5 * MIN);
    expect((await call('GET', '/fulfillment-orders/ord-1')).body.status).toBe('picking');
    await clock.advanceBy(10 * MIN);
    expect((await call('GET', '/fulfillment-orders/ord-1')).body.status).toBe('packed');
    expect(messages).toHaveLength(0);
    await clock.advanceBy(45 * MIN);
    const shipped = (await call('GET', '/fulfillment-orders/ord-1')).body;
    expect(shipped).toMatchObject({ status: 'shipped', shippedAt: new Date(DEFAULT_EPOCH + 60 * MIN).toISOString() });
    expect(await stockOf(call, 'BRG-6204')).toMatchObject({ onHand: 496, allocated: 0, version: 1 });

    expect(messages.map((m) => [m.channel, m.key, m.payload.reason ?? m.payload.eventType, m.payload.reference, m.headers['x-wms-event-type'], m.headers.source])).toEqual([
      ['wms.inventory', 'BRG-6204@DC-EAST', 'shipment', 'ord-1', 'inventory.adjusted', 'wms@DC-EAST'],
      ['wms.inventory', 'VLV-100@DC-EAST', 'shipment', 'ord-1', 'inventory.adjusted', 'wms@DC-EAST'],
      ['wms.shipment', 'ord-1', 'shipment.confirmed', undefined, 'shipment.confirmed', 'wms@DC-EAST'],
    ]);
    expect(messages.every((m) => m.id === m.payload.eventId)).toBe(true);
    expect(messages[0]!.payload).toMatchObject({ delta: -4, onHand: 496, sequence: 1 });

    expect(carrierCalls).toHaveLength(1);
    expect(carrierCalls[0]!.target).toBe('carrier-swift');
    expect(carrierCalls[0]!.request.path).toBe('/v2/shipments/SW4821900001/handover');
    expect(JSON.parse(carrierCalls[0]!.request.body!)).toMatchObject({ handedOverAt: shipped.shippedAt, location: expect.stringMatching(/^DC-EAST dock \d$/) });
    const truth = wms.truth().fulfillmentOrders[0]!;
    expect(truth.statusHistory.map((s) => [s.status, s.at - DEFAULT_EPOCH])).toEqual([
      ['released', 0],
      ['picking', 5 * MIN],
      ['packed', 15 * MIN],
      ['shipped', 60 * MIN],
    ]);
    expect(truth.handover.status).toBe('done');
    expect(wms.truth().events.map((e) => e.eventType)).toEqual(['inventory.adjusted', 'inventory.adjusted', 'shipment.confirmed']);
  });

  it('keeps no event log with eventLog: false, and pushes the same events', async () => {
    await expectOptionalLog(async (eventLog) => {
      const { call, clock, messages, wms } = world({ eventLog });
      await call('POST', '/fulfillment-orders', fo('ord-1', [['BRG-6204', 4]]));
      await clock.advanceBy(60 * MIN);
      return { pushed: messages.map((m) => m.id), logged: wms.truth().events.map((e) => e.eventId) };
    }, 2);
  });

  it('reports the opening stock, and keeps no stock timeline with timelineLog: false (same stock, same events)', async () => {
    const run = async (timelineLog: boolean) => {
      const { call, clock, messages, wms } = world({ timelineLog });
      await call('POST', '/fulfillment-orders', fo('ord-1', [['BRG-6204', 4]]));
      await clock.advanceBy(60 * MIN);
      const t = wms.truth();
      return { pushed: messages.map((m) => m.id), changes: t.timeline.length, stock: t.stock, opening: t.opening.find((s) => s.sku === 'BRG-6204') };
    };
    const kept = await run(true);
    const dropped = await run(false);
    expect(kept.changes).toBeGreaterThan(0);
    expect(kept.opening).toEqual({ sku: 'BRG-6204', onHand: 500 });
    expect(kept.stock.find((s) => s.sku === 'BRG-6204')!.onHand).toBe(496);
    expect(dropped).toEqual({ ...kept, changes: 0 });
  });

  it('tenders Pelican parcels by label id, and retries a handover after the carrier\'s Retry-After', async () => {
    let calls = 0;
    const carrier: HttpHandler = async () => (++calls === 1 ? problem(503, 'Maintenance', 'down', { headers: { 'retry-after': new Date(DEFAULT_EPOCH + 2 * 3_600_000).toUTCString() } }) : json(200, { label_id: 'lbl_aaaaaaaaaaaaaaaa', tracking_code: 'PLC-AAAAAAAAAAAA', state: 'tendered' }));
    const { call, clock, carrierCalls, wms } = world({}, 1, carrier);
    const body = fo('ord-p', [['HOS-25M', 1]], { carrier: 'carrier-pelican', serviceLevel: 'ground', label: { trackingNumber: 'PLC-AAAAAAAAAAAA', labelId: 'lbl_aaaaaaaaaaaaaaaa' } });
    expect((await call('POST', '/fulfillment-orders', { ...body, label: { trackingNumber: 'PLC-AAAAAAAAAAAA' } })).body.errors[0].pointer).toBe('/label/labelId');
    expect((await call('POST', '/fulfillment-orders', { ...body, serviceLevel: 'EXPRESS' })).body.errors[0].pointer).toBe('/serviceLevel');
    await call('POST', '/fulfillment-orders', body);
    await clock.advanceBy(3 * 3_600_000);
    expect(carrierCalls.map((c) => [c.target, c.request.path, c.at - DEFAULT_EPOCH])).toEqual([
      ['carrier-pelican', '/api/labels/lbl_aaaaaaaaaaaaaaaa/tender', 60 * MIN],
      ['carrier-pelican', '/api/labels/lbl_aaaaaaaaaaaaaaaa/tender', 2 * 3_600_000],
    ]);
    expect(JSON.parse(carrierCalls[0]!.request.body!)).toMatchObject({ tendered_ms: DEFAULT_EPOCH + 60 * MIN });
    expect(wms.truth().fulfillmentOrders[0]!.handover).toMatchObject({ status: 'done', attempts: [{ outcome: 503 }, { outcome: 200 }] });
  });

  it('allocates from the order\'s reservations first, all or nothing, with one error per short line', async () => {
    const { call, wms } = world({ stock: [{ sku: 'BRG-6204', uom: 'EA', onHand: 10 }, { sku: 'VLV-100', uom: 'EA', onHand: 3 }] });
    await call('POST', '/reservations', { reservationId: 'res-1', sku: 'BRG-6204', quantity: { value: 6, uom: 'EA' }, reference: 'ord-1' });
    await call('POST', '/reservations', { reservationId: 'res-2', sku: 'BRG-6204', quantity: { value: 3, uom: 'EA' }, reference: 'ord-other' });
    const short = await call('POST', '/fulfillment-orders', fo('ord-1', [['BRG-6204', 8], ['VLV-100', 4]]));
    expect(short.status).toBe(409);
    expect(short.body.errors).toEqual([
      { pointer: '/lines/0/quantity/value', message: 'requested 8 EA of BRG-6204, available 7 EA' },
      { pointer: '/lines/1/quantity/value', message: 'requested 4 EA of VLV-100, available 3 EA' },
    ]);
    expect(await stockOf(call, 'BRG-6204')).toMatchObject({ allocated: 9 });
    const ok = await call('POST', '/fulfillment-orders', fo('ord-1', [['BRG-6204', 7], ['VLV-100', 3]]));
    expect(ok.status).toBe(201);
    expect(await stockOf(call, 'BRG-6204')).toMatchObject({ onHand: 10, allocated: 10, available: 0 });
    expect(wms.truth().reservations.map((r) => [r.reservationId, r.status])).toEqual([
      ['res-1', 'consumed'],
      ['res-2', 'active'],
    ]);
    expect((await call('DELETE', '/reservations/res-1')).status).toBe(204);
    expect(await stockOf(call, 'BRG-6204')).toMatchObject({ allocated: 10 });
  });

  it('cancels before shipping (stock back to available) and refuses after (409)', async () => {
    const { call, clock, messages } = world();
    await call('POST', '/fulfillment-orders', fo('ord-1', [['BRG-6204', 4]]));
    await call('POST', '/fulfillment-orders', fo('ord-2', [['BRG-6204', 5]]));
    await clock.advanceBy(20 * MIN);
    const cancelled = await call('POST', '/fulfillment-orders/ord-1/cancel');
    expect(cancelled.body.status).toBe('cancelled');
    expect((await call('POST', '/fulfillment-orders/ord-1/cancel')).status).toBe(200);
    expect(await stockOf(call, 'BRG-6204')).toMatchObject({ allocated: 5 });
    await clock.advanceBy(60 * MIN);
    expect((await call('POST', '/fulfillment-orders/ord-2/cancel')).body).toMatchObject({ status: 409, type: 'https://docs.wms.faultline.test/problems/already-shipped' });
    expect((await call('GET', '/fulfillment-orders/ord-1')).body.status).toBe('cancelled');
    expect(messages.filter((m) => m.channel === 'wms.shipment').map((m) => m.key)).toEqual(['ord-2']);
    expect((await call('POST', '/fulfillment-orders/ord-9/cancel')).status).toBe(404);
  });

  it('receives expected returns after the transit time: resellable units restocked (reference = return id), damaged not', async () => {
    const { call, clock, messages, wms } = world({ returnTransit: { distribution: 'fixed', ms: 86_400_000 }, resellableProbability: 0.5 }, 5);
    const ret = { returnId: 'ret-1', orderReference: 'ord-1', lines: [{ sku: 'BRG-6204', quantity: { value: 40, uom: 'EA' } }], reason: 'not needed' };
    expect((await call('POST', '/returns', ret)).body).toMatchObject({ returnId: 'ret-1', status: 'expected' });
    expect((await call('POST', '/returns', ret)).status).toBe(200);
    expect((await call('POST', '/returns', { ...ret, returnId: 'ret-2', lines: [{ sku: 'NOPE-1', quantity: { value: 1, uom: 'EA' } }] })).status).toBe(422);
    await clock.advanceBy(86_400_000);
    const received = messages.find((m) => m.channel === 'wms.return')!.payload;
    const good = received.lines.find((l: { condition: string }) => l.condition === 'resellable').quantity.value;
    const bad = received.lines.find((l: { condition: string }) => l.condition === 'damaged').quantity.value;
    expect(good + bad).toBe(40);
    expect(good).toBeGreaterThan(10);
    expect(bad).toBeGreaterThan(10);
    const restock = messages.find((m) => m.channel === 'wms.inventory')!.payload;
    expect(restock).toMatchObject({ reason: 'return_restock', reference: 'ret-1', delta: good, onHand: 500 + good });
    expect(wms.truth().returns[0]).toMatchObject({ receivedAt: DEFAULT_EPOCH + 86_400_000, expectation: { status: 'received' } });
  });

  it('applies scheduled receipts, cycle counts and damage; damage and count shortfalls only take unallocated stock', async () => {
    const { call, clock, messages, wms } = world({
      stock: [{ sku: 'BRG-6204', uom: 'EA', onHand: 10 }],
      adjustments: [
        { afterMs: MIN, sku: 'BRG-6204', reason: 'damage', quantity: 50 },
        { afterMs: 2 * MIN, sku: 'BRG-6204', reason: 'receipt', quantity: 40 },
        { afterMs: 3 * MIN, sku: 'BRG-6204', reason: 'cycle_count', countedOnHand: 1 },
      ],
    });
    await call('POST', '/reservations', { reservationId: 'res-1', sku: 'BRG-6204', quantity: { value: 7, uom: 'EA' }, reference: 'ord-1' });
    await clock.advanceBy(3 * MIN);
    expect(messages.map((m) => [m.payload.reason, m.payload.delta, m.payload.onHand, m.payload.sequence])).toEqual([
      ['damage', -3, 7, 1],
      ['receipt', 40, 47, 2],
      ['cycle_count', -40, 7, 3],
    ]);
    expect(await stockOf(call, 'BRG-6204')).toMatchObject({ onHand: 7, allocated: 7, available: 0, version: 3 });
    expect(wms.truth().timeline.every((c) => c.onHand >= c.allocated)).toBe(true);
  });

  it('random damage follows its Poisson rate (fixed seed) and stops with stop()', async () => {
    const { clock, wms } = world({ damage: { ratePerHour: 20, maxUnits: 1 }, stock: [{ sku: 'BRG-6204', uom: 'EA', onHand: 100_000 }] }, 11);
    await clock.advanceBy(100 * 3_600_000);
    const count = wms.truth().timeline.filter((c) => c.reason === 'damage').length;
    expect(count).toBeGreaterThan(2000 * 0.94); // mean 2000, sd ≈ 45
    expect(count).toBeLessThan(2000 * 1.06);
    wms.stop();
    await clock.advanceBy(10 * 3_600_000);
    expect(wms.truth().timeline.filter((c) => c.reason === 'damage').length).toBe(count);
    expect(clock.pending()).toBe(0);
  });

  it('replenishes a sku once its available stock falls below the reorder point', async () => {
    const { call, clock, messages } = world({ stock: [{ sku: 'BRG-6204', uom: 'EA', onHand: 60 }], replenishment: { reorderPoint: 50, quantity: 100, leadTime: { distribution: 'fixed', ms: 3_600_000 } } });
    await call('POST', '/reservations', { reservationId: 'res-1', sku: 'BRG-6204', quantity: { value: 15, uom: 'EA' }, reference: 'ord-1' });
    await call('POST', '/reservations', { reservationId: 'res-2', sku: 'BRG-6204', quantity: { value: 5, uom: 'EA' }, reference: 'ord-2' });
    await clock.advanceBy(3_600_000);
    expect(messages.map((m) => [m.payload.reason, m.payload.delta, m.at - DEFAULT_EPOCH])).toEqual([['receipt', 100, 3_600_000]]);
  });

  it('answers forbidden requests with the statuses its contract declares (422/404 problem+json), never 400 or 500', async () => {
    const { call, c } = world();
    const bad = await call('POST', '/fulfillment-orders', { ...fo('x', [['BRG-6204', 1]]), lines: [] });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ type: 'https://docs.wms.faultline.test/problems/validation', instance: '/fulfillment-orders' });
    expect((await call('POST', '/reservations', '{"reservationId":')).status).toBe(422);
    const repeated = { ...fo('x', [['BRG-6204', 1], ['VLV-100', 1]]) };
    repeated.lines[1]!.lineNumber = 1;
    expect((await call('POST', '/fulfillment-orders', repeated)).body.errors[0].pointer).toBe('/lines/1/lineNumber');
    expect((await call('GET', '/fulfillment-orders/bad%20id')).status).toBe(404);
    expect((await call('DELETE', '/reservations/bad%20id')).status).toBe(404);
    expect((await call('POST', '/returns', { returnId: 'r', orderReference: 'o', lines: [{ sku: 'BRG-6204', quantity: { value: 1.5, uom: 'EA' } }], reason: 'x' })).status).toBe(422);
    expect((await call('PUT', '/stock')).status).toBe(405);
    expect([...c.checked.keys()].filter((k) => / (400|5\d\d)$/.test(k))).toEqual([]);
  });

  it('is deterministic: the same seed gives the same truth and events', async () => {
    const script = async (seed: number) => {
      const { call, clock, wms, messages } = world({ leadTimes: { pick: { distribution: 'exponential', mean: 10 * MIN }, pack: { distribution: 'exponential', mean: 10 * MIN }, ship: { distribution: 'exponential', mean: 30 * MIN } }, damage: { ratePerHour: 2, maxUnits: 3 } }, seed);
      for (let i = 0; i < 30; i++) await call('POST', '/fulfillment-orders', fo(`ord-${i}`, [['BRG-6204', 1 + (i % 3)], ['GEN-0001', 1]]));
      await clock.advanceBy(24 * 3_600_000);
      return JSON.stringify({ truth: wms.truth(), messages: messages.map((m) => [m.at, m.body]) });
    };
    const a = await script(9);
    expect(a).toBe(await script(9));
    expect(a).not.toBe(await script(10));
  });
});
