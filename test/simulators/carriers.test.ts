import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { DEFAULT_EPOCH, VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';
import type { BusMessage } from '../../runtime/ports.ts';
import { PelicanSimulator, SwiftSimulator, type PelicanOptions, type PushQuirks, type SwiftOptions, type TransitOptions } from '../../simulators/carriers/index.ts';
import { DEFAULT_SWIFT_WEBHOOK_SECRET } from '../../simulators/shared/defaults.ts';
import { WmsSimulator } from '../../simulators/wms/index.ts';
import { assertWebhookPayload, conformant, expectOptionalLog } from './helpers.ts';

const H = 3_600_000;
const FIXED_TRANSIT: TransitOptions = {
  hubs: 2,
  toFirstHub: { distribution: 'fixed', ms: 3 * H },
  betweenHubs: { distribution: 'fixed', ms: 5 * H },
  hubDwell: { distribution: 'fixed', ms: H },
  toOutForDelivery: { distribution: 'fixed', ms: 8 * H },
  toDelivered: { distribution: 'fixed', ms: 3 * H },
  failedAttemptProbability: 0,
  redeliveryDelay: { distribution: 'fixed', ms: 20 * H },
};
const NO_QUIRKS: PushQuirks = {
  pushDelay: { distribution: 'fixed', ms: 0 },
  duplicateProbability: 0,
  duplicateDelay: { distribution: 'fixed', ms: 0 },
  outOfOrderProbability: 0,
  reorderLag: { distribution: 'fixed', ms: 0 },
};
const QUICK = { serviceTime: { default: { distribution: 'fixed', ms: 0 } } } as const;

const swiftAddress = (city: string, countryCode = 'DE') => ({ name: 'Brandt Hydraulik KG', street1: 'Am Sandtorkai 40', city, postalCode: '20457', countryCode });
const pelicanAddress = (city: string) => ({ contact_name: 'Brandt Hydraulik KG', address_1: 'Am Sandtorkai 40', city, zip: '20457', country_code: 'DE' });

function bus(clock: VirtualClock, webhook: 'carrier-swift' | 'carrier-pelican') {
  const b = new InProcessBus(clock);
  const messages: Array<BusMessage & { at: number; payload: any }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  b.subscribe('carrier.tracking', 'test', async (d) => {
    const payload = assertWebhookPayload(webhook, webhook === 'carrier-swift' ? 'trackingEvent' : 'trackingBatch', d);
    messages.push({ ...d, at: clock.now(), payload });
  });
  return { bus: b, messages };
}

function swiftWorld(options: Partial<SwiftOptions> = {}, seed = 1) {
  const clock = new VirtualClock();
  const { bus: b, messages } = bus(clock, 'carrier-swift');
  const swift = new SwiftSimulator({ clock, random: new SeededRandom(seed).fork('carrier-swift'), bus: b }, { transit: FIXED_TRANSIT, push: NO_QUIRKS, ...QUICK, ...options });
  const c = conformant('carrier-swift', swift.handler);
  const call = async (method: string, path: string, body?: unknown, token = 'layer-token') => {
    const pending = c.send(method, path, body, { authorization: `Bearer ${token}` });
    await clock.advanceBy(0);
    return pending;
  };
  const label = async (reference = 'shp-1', serviceCode = 'STANDARD') =>
    (await call('POST', '/v2/shipments', { reference, serviceCode, shipFrom: swiftAddress('Leipzig'), shipTo: swiftAddress('Hamburg'), parcels: [{ weightKg: 3.2 }] })).body.trackingNumber as string;
  return { clock, swift, c, call, label, messages };
}

function pelicanWorld(options: Partial<PelicanOptions> = {}, seed = 1) {
  const clock = new VirtualClock();
  const { bus: b, messages } = bus(clock, 'carrier-pelican');
  const pelican = new PelicanSimulator({ clock, random: new SeededRandom(seed).fork('carrier-pelican'), bus: b }, { transit: FIXED_TRANSIT, push: NO_QUIRKS, ...QUICK, ...options });
  const c = conformant('carrier-pelican', pelican.handler);
  const call = async (method: string, path: string, body?: unknown, key = 'layer-key') => {
    const pending = c.send(method, path, body, { 'x-api-key': key });
    await clock.advanceBy(0);
    return pending;
  };
  const label = async (reference = 'shp-1', service_level = 'ground', packages: unknown[] = [{ weight_g: 3200, kind: 'parcel' }]) =>
    (await call('POST', '/api/labels', { client_reference: reference, service_level, ship_from: pelicanAddress('Dortmund'), ship_to: pelicanAddress('Hamburg'), packages })).body as { label_id: string; tracking_code: string };
  return { clock, pelican, c, call, label, messages };
}

describe('SwiftShip simulator', () => {
  it('quotes services as the contract example does, without ECONOMY across borders', async () => {
    const { call } = swiftWorld();
    const route = (country: string) => ({ origin: { postalCode: '04158', countryCode: 'DE' }, destination: { postalCode: '20457', countryCode: country }, parcels: [{ weightKg: 3.2, lengthCm: 40, widthCm: 30, heightCm: 20 }] });
    expect((await call('POST', '/v2/rates', route('DE'))).body.quotes).toEqual([
      { serviceCode: 'EXPRESS', amount: { amount: '18.90', currency: 'EUR' }, transitDays: 1 },
      { serviceCode: 'STANDARD', amount: { amount: '7.45', currency: 'EUR' }, transitDays: 2 },
      { serviceCode: 'ECONOMY', amount: { amount: '5.20', currency: 'EUR' }, transitDays: 4 },
    ]);
    expect((await call('POST', '/v2/rates', route('NL'))).body.quotes.map((q: { serviceCode: string }) => q.serviceCode)).toEqual(['EXPRESS', 'STANDARD']);
    const heavy = await call('POST', '/v2/rates', { ...route('DE'), parcels: [{ weightKg: 82 }] });
    expect(heavy.status).toBe(422);
    expect(heavy.body).toMatchObject({ type: 'https://developer.swiftship.test/problems/validation', errors: [{ pointer: '/body/parcels/0/weightKg' }] });
  });

  it('buys a new label on every call (not idempotent), with deterministic tracking numbers and a LABEL_CREATED push', async () => {
    const { call, label, messages, swift } = swiftWorld();
    expect(await label('shp-1')).toBe('SW4821900001');
    expect(await label('shp-1')).toBe('SW4821900002');
    expect(swift.truth().labels.map((l) => l.reference)).toEqual(['shp-1', 'shp-1']);
    expect(messages.map((m) => [m.payload.trackingNumber, m.payload.status])).toEqual([
      ['SW4821900001', 'LABEL_CREATED'],
      ['SW4821900002', 'LABEL_CREATED'],
    ]);
    const intl = await call('POST', '/v2/shipments', { reference: 'x', serviceCode: 'ECONOMY', shipFrom: swiftAddress('Leipzig'), shipTo: swiftAddress('Amsterdam', 'NL'), parcels: [{ weightKg: 1 }] });
    expect(intl.status).toBe(422);
  });

  it('after handover, runs the tracking timeline on virtual time and pushes one signed event per webhook', async () => {
    const { call, label, clock, messages } = swiftWorld();
    const tn = await label();
    expect((await call('POST', `/v2/shipments/${tn}/handover`, { handedOverAt: new Date(DEFAULT_EPOCH).toISOString(), location: 'DC-EAST dock 3' })).body).toEqual({ trackingNumber: tn, status: 'PICKED_UP' });
    expect((await call('POST', `/v2/shipments/${tn}/handover`, { handedOverAt: new Date(DEFAULT_EPOCH).toISOString(), location: 'DC-EAST dock 3' })).status).toBe(409);
    expect((await call('POST', '/v2/shipments/SW0000000009/handover', { handedOverAt: new Date(DEFAULT_EPOCH).toISOString(), location: 'x' })).status).toBe(404);
    expect((await call('GET', '/v2/shipments/not-a-number')).status).toBe(404);

    await clock.advanceBy(4 * H);
    const midway = (await call('GET', `/v2/shipments/${tn}`)).body;
    expect(midway.status).toBe('IN_TRANSIT');
    expect(midway.events.map((e: { status: string }) => e.status)).toEqual(['LABEL_CREATED', 'PICKED_UP', 'IN_TRANSIT']);
    await clock.advanceBy(30 * H);
    const done = (await call('GET', `/v2/shipments/${tn}`)).body;
    expect(done.status).toBe('DELIVERED');
    expect(messages.map((m) => [m.payload.status, (m.at - DEFAULT_EPOCH) / H])).toEqual([
      ['LABEL_CREATED', 0],
      ['PICKED_UP', 0],
      ['IN_TRANSIT', 3],
      ['IN_TRANSIT', 9],
      ['OUT_FOR_DELIVERY', 18],
      ['DELIVERED', 21],
    ]);
    for (const m of messages) {
      expect(m.id).toBe(m.payload.eventId);
      expect(m.key).toBe(tn);
      expect(m.headers['x-swift-signature']).toBe(`sha256=${createHmac('sha256', DEFAULT_SWIFT_WEBHOOK_SECRET).update(m.body).digest('hex')}`);
    }
  });

  it('throttles per API key with a token bucket: 429 with Retry-After in whole seconds, rates and shipments apart', async () => {
    const { call, label, clock, swift } = swiftWorld();
    const tn = await label(); // 1 shipments token used
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await call('GET', `/v2/shipments/${tn}`)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(9);
    const throttled = await call('GET', `/v2/shipments/${tn}`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(throttled.body.type).toBe('https://developer.swiftship.test/problems/rate-limited');
    expect((await call('GET', `/v2/shipments/${tn}`, undefined, 'another-key')).status).toBe(200);
    expect((await call('POST', '/v2/rates', { origin: { postalCode: '1', countryCode: 'DE' }, destination: { postalCode: '2', countryCode: 'DE' }, parcels: [{ weightKg: 1 }] })).status).toBe(200);
    await clock.advanceBy(100); // one token refills every 100 ms
    expect((await call('GET', `/v2/shipments/${tn}`)).status).toBe(200);
    expect((await call('GET', `/v2/shipments/${tn}`)).status).toBe(429);
    expect(swift.truth().throttled).toHaveLength(3);
    expect(swift.truth().requests.filter((r) => r.status === 429).every((r) => r.client === 'layer-token' && r.retryAfterUntil === r.answeredAt + 1000)).toBe(true);
  });

  it('pushes duplicates and out-of-order events at the configured rates (fixed seed)', async () => {
    const { call, label, clock, messages, swift } = swiftWorld({
      rateLimits: { rates: null, shipments: null },
      push: { ...NO_QUIRKS, pushDelay: { distribution: 'uniform', min: 1000, max: 30_000 }, duplicateProbability: 0.1, duplicateDelay: { distribution: 'uniform', min: 1000, max: 600_000 }, outOfOrderProbability: 0.1, reorderLag: { distribution: 'uniform', min: 1000, max: 60_000 } },
    }, 21);
    for (let i = 0; i < 400; i++) {
      const tn = await label(`shp-${i}`);
      await call('POST', `/v2/shipments/${tn}/handover`, { handedOverAt: new Date(clock.now()).toISOString(), location: 'DC-EAST dock 1' });
    }
    await clock.advanceBy(48 * H);
    const events = swift.truth().events;
    expect(events).toHaveLength(400 * 6);
    const duplicates = messages.length - events.length;
    expect(duplicates / events.length).toBeGreaterThan(0.085);
    expect(duplicates / events.length).toBeLessThan(0.115);
    // Out of order as a subscriber sees it: an event pushed after a later event of the same parcel.
    let overtaken = 0;
    const seen = new Map<string, number>();
    for (const m of messages) {
      const t = Date.parse(m.payload.occurredAt);
      const latest = seen.get(m.key) ?? -Infinity;
      if (t < latest) overtaken++;
      seen.set(m.key, Math.max(latest, t));
    }
    // LABEL_CREATED is pushed alone, and the last event of a journey has nothing to be held behind:
    // 4 of every 6 events can be held back.
    const held = events.filter((e) => e.pushes.some((p) => p.outOfOrder)).length;
    expect(held / (400 * 4)).toBeGreaterThan(0.085);
    expect(held / (400 * 4)).toBeLessThan(0.115);
    expect(overtaken).toBeGreaterThanOrEqual(held);
    expect(messages.filter((m, i) => messages.findIndex((n) => n.id === m.id) !== i).every((m) => events.find((e) => e.eventId === m.id)!.pushes.length === 2)).toBe(true);
  });

  it('keeps no push log with messageLog: false, and pushes the same messages', async () => {
    await expectOptionalLog(async (messageLog) => {
      const { call, label, clock, messages, swift } = swiftWorld({ messageLog, transit: FIXED_TRANSIT });
      const tn = await label();
      await call('POST', `/v2/shipments/${tn}/handover`, { handedOverAt: new Date(clock.now()).toISOString(), location: 'x' });
      await clock.advanceBy(100 * H);
      return { pushed: messages.map((m) => m.id), logged: swift.truth().messages.map((m) => m.id), rest: swift.truth().events.length };
    }, 6);
  });

  it('builds each event\'s payload when asked: the same as pushed, in the tracking answer and in the truth as JSON', async () => {
    const { call, label, clock, messages, swift } = swiftWorld({ transit: { ...FIXED_TRANSIT, failedAttemptProbability: 1 } });
    const tn = await label();
    await call('POST', `/v2/shipments/${tn}/handover`, { handedOverAt: new Date(clock.now()).toISOString(), location: 'x' });
    await clock.advanceBy(100 * H);
    const pushed = messages.map((m) => m.payload);
    expect(pushed.map((p) => p.status)).toEqual(['LABEL_CREATED', 'PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    expect(pushed[5]).toMatchObject({ detail: 'Recipient not available; second attempt on the next working day.' });
    expect(pushed[9].detail).toMatch(/^Signed by: /);
    expect((await call('GET', `/v2/shipments/${tn}`)).body.events).toEqual(pushed);
    const truth = JSON.parse(JSON.stringify(swift.truth().events)) as Array<{ eventId: string; payload: unknown; pushes: unknown[] }>;
    expect(truth.map((e) => e.payload)).toEqual(pushed);
    expect(truth.every((e, i) => e.eventId === pushed[i].eventId && e.pushes.length === 1)).toBe(true);
  });

  it('models failed delivery attempts as EXCEPTION then a new attempt', async () => {
    const { call, label, clock, swift } = swiftWorld({ transit: { ...FIXED_TRANSIT, failedAttemptProbability: 1 } });
    const tn = await label();
    await call('POST', `/v2/shipments/${tn}/handover`, { handedOverAt: new Date(DEFAULT_EPOCH).toISOString(), location: 'x' });
    await clock.advanceBy(100 * H);
    expect(swift.truth().events.map((e) => e.status)).toEqual(['LABEL_CREATED', 'PICKED_UP', 'IN_TRANSIT', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'OUT_FOR_DELIVERY', 'EXCEPTION', 'OUT_FOR_DELIVERY', 'DELIVERED']);
  });
});

describe('Pelican Freight simulator', () => {
  it('quotes parcels and pallets as the contract examples do; mixed packages get none; heavy parcels 422', async () => {
    const { call } = pelicanWorld();
    const q = (packages: unknown[]) => call('POST', '/api/rate_quotes', { ship_from: { zip: '47059', country_code: 'DE' }, ship_to: { zip: '20457', country_code: 'DE' }, packages });
    expect((await q([{ weight_g: 3200, kind: 'parcel' }])).body.rate_quotes).toEqual([
      { service_level: 'next_day', charge: { value: '16.40', currency_code: 'EUR' }, est_days: 1 },
      { service_level: 'two_day', charge: { value: '9.80', currency_code: 'EUR' }, est_days: 2 },
      { service_level: 'ground', charge: { value: '7.10', currency_code: 'EUR' }, est_days: 4 },
    ]);
    expect((await q([{ weight_g: 186000, kind: 'pallet' }])).body.rate_quotes).toEqual([{ service_level: 'pallet_std', charge: { value: '94.00', currency_code: 'EUR' }, est_days: 3 }]);
    expect((await q([{ weight_g: 1000, kind: 'pallet' }, { weight_g: 1000, kind: 'parcel' }])).body.rate_quotes).toEqual([]);
    expect((await q([{ weight_g: 40000, kind: 'parcel' }])).body.errors[0].pointer).toBe('/packages/0/weight_g');
    expect((await q([{ weight_g: 1.5, kind: 'parcel' }])).status).toBe(422);
  });

  it('labels (ZPL), tender once, and a tracking history sorted by ts_ms; pallets only on pallet_std', async () => {
    const { call, label, clock } = pelicanWorld();
    const l = await label();
    expect(l.label_id).toMatch(/^lbl_[a-z0-9]{16}$/);
    expect(l.tracking_code).toMatch(/^PLC-[A-Z0-9]{12}$/);
    expect((await call('GET', `/api/tracking/${l.tracking_code}`)).body.events.map((e: { code: string }) => e.code)).toEqual(['LC']);
    expect((await call('POST', `/api/labels/${l.label_id}/tender`, { tendered_ms: DEFAULT_EPOCH, dock: 'DC-WEST dock 7' })).body).toEqual({ label_id: l.label_id, tracking_code: l.tracking_code, state: 'tendered' });
    expect((await call('POST', `/api/labels/${l.label_id}/tender`, { tendered_ms: DEFAULT_EPOCH, dock: 'DC-WEST dock 7' })).status).toBe(409);
    expect((await call('POST', '/api/labels/lbl_0000000000000000/tender', { tendered_ms: DEFAULT_EPOCH, dock: 'x' })).status).toBe(404);
    expect((await call('POST', `/api/labels/${l.label_id}/tender`, { tendered_ms: 1_700_000_000, dock: 'x' })).status).toBe(422); // seconds, not ms
    await clock.advanceBy(40 * H);
    const history = (await call('GET', `/api/tracking/${l.tracking_code}`)).body.events;
    expect(history.map((e: { code: string }) => e.code)).toEqual(['LC', 'PU', 'AR', 'DP', 'AR', 'DP', 'OD', 'DL']);
    expect(history.map((e: { ts_ms: number }) => e.ts_ms)).toEqual([...history.map((e: { ts_ms: number }) => e.ts_ms)].sort((a, b) => a - b));
    expect((await call('GET', '/api/tracking/PLC-000000000000')).status).toBe(404);
    const wrong = await call('POST', '/api/labels', { client_reference: 'p', service_level: 'pallet_std', ship_from: pelicanAddress('Dortmund'), ship_to: pelicanAddress('Hamburg'), packages: [{ weight_g: 3200, kind: 'parcel' }] });
    expect(wrong.body.errors[0].pointer).toBe('/packages/0/kind');
  });

  it('pushes batches of at most 100 events, in no particular order, with X-Pelican-Batch = batch_id', async () => {
    const { label, clock, messages, pelican } = pelicanWorld({ rateLimit: null });
    for (let i = 0; i < 150; i++) await label(`shp-${i}`);
    await clock.advanceBy(60_000);
    expect(messages.map((m) => m.payload.events.length)).toEqual([100, 50]);
    for (const m of messages) {
      expect(m.headers['x-pelican-batch']).toBe(m.payload.batch_id);
      expect(m.id).toBe(m.payload.batch_id);
      expect(m.payload.sent_ms).toBe(m.at);
    }
    const codes = messages.flatMap((m) => m.payload.events.map((e: { tracking_code: string }) => e.tracking_code));
    expect(codes).not.toEqual(pelican.truth().labels.map((l) => l.trackingNumber)); // shuffled within batches
    expect(new Set(codes).size).toBe(150);
  });

  it('keeps no batch log with messageLog: false, and pushes the same batches', async () => {
    await expectOptionalLog(async (messageLog) => {
      const { label, clock, messages, pelican } = pelicanWorld({ rateLimit: null, messageLog });
      for (let i = 0; i < 150; i++) await label(`shp-${i}`);
      await clock.advanceBy(60_000);
      return { pushed: messages.map((m) => m.id), logged: pelican.truth().messages.map((m) => m.id) };
    }, 2);
  });

  it('builds each Pelican event\'s payload when asked: the same as pushed and as the tracking poll answers', async () => {
    const { call, label, clock, messages } = pelicanWorld({ rateLimit: null, transit: { ...FIXED_TRANSIT, failedAttemptProbability: 1 } });
    const l = await label('shp-1');
    await call('POST', `/api/labels/${l.label_id}/tender`, { tendered_ms: clock.now(), dock: 'DC-WEST dock 1' });
    await clock.advanceBy(100 * H);
    type Event = { event_uid: string; code: string; ts_ms: number; facility: string };
    const order = (a: Event, b: Event) => a.ts_ms - b.ts_ms || (a.event_uid < b.event_uid ? -1 : 1);
    const pushed = (messages.flatMap((m) => m.payload.events) as Event[]).sort(order);
    expect(pushed.map((e) => e.code).sort()).toEqual(['AR', 'AR', 'DL', 'DP', 'DP', 'EX', 'EX', 'LC', 'OD', 'OD', 'OD', 'PU']);
    expect(pushed.map((e) => e.facility)).toEqual(expect.arrayContaining(['Dortmund', 'Hamburg depot']));
    const polled = ((await call('GET', `/api/tracking/${l.tracking_code}`)).body.events as Event[]).sort(order);
    expect(polled).toEqual(pushed);
  });

  it('repeats events in later batches (never twice in one) and holds some back, at the configured rates', async () => {
    const { call, label, clock, messages, pelican } = pelicanWorld({
      rateLimit: null,
      push: { ...NO_QUIRKS, pushDelay: { distribution: 'uniform', min: 1000, max: 30_000 }, duplicateProbability: 0.1, duplicateDelay: { distribution: 'uniform', min: 1000, max: 600_000 }, outOfOrderProbability: 0.1, reorderLag: { distribution: 'uniform', min: 60_000, max: 120_000 } },
    }, 5);
    for (let i = 0; i < 300; i++) {
      const l = await label(`shp-${i}`);
      await call('POST', `/api/labels/${l.label_id}/tender`, { tendered_ms: clock.now(), dock: 'DC-WEST dock 1' });
    }
    await clock.advanceBy(72 * H);
    const events = pelican.truth().events;
    const pushed = messages.flatMap((m) => m.payload.events.map((e: { event_uid: string }) => e.event_uid));
    expect(new Set(pushed).size).toBe(events.length);
    const duplicates = pushed.length - events.length;
    expect(duplicates / events.length).toBeGreaterThan(0.085);
    expect(duplicates / events.length).toBeLessThan(0.115);
    for (const m of messages) expect(new Set(m.payload.events.map((e: { event_uid: string }) => e.event_uid)).size).toBe(m.payload.events.length);
    // LC is pushed alone and DL is last: 6 of every 8 events can be held back.
    const held = events.filter((e) => e.pushes.some((p) => p.outOfOrder)).length / (300 * 6);
    expect(held).toBeGreaterThan(0.085);
    expect(held).toBeLessThan(0.115);
  });

  it('throttles per API key: 429 with Retry-After as an HTTP-date no earlier than the next token', async () => {
    const { call, clock, pelican } = pelicanWorld({ rateLimit: { capacity: 3, refillPerSecond: 0.5 } });
    for (let i = 0; i < 3; i++) expect((await call('GET', '/api/tracking/PLC-000000000000')).status).toBe(404);
    const throttled = await call('GET', '/api/tracking/PLC-000000000000');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('Mon, 05 Jan 2026 08:00:02 GMT');
    expect((await call('GET', '/api/tracking/PLC-000000000000', undefined, 'other')).status).toBe(404);
    await clock.advanceTo(Date.parse(throttled.headers['retry-after']!));
    expect((await call('GET', '/api/tracking/PLC-000000000000')).status).toBe(404);
    expect(pelican.truth().throttled).toEqual([{ at: DEFAULT_EPOCH, client: 'layer-key', operationId: 'getTracking', retryAfter: 'Mon, 05 Jan 2026 08:00:02 GMT' }]);
  });
});

describe('Pelican timestamps', () => {
  it('stamps whole epoch milliseconds with realistic (fractional) service times on a clock that is off the millisecond', async () => {
    const clock = new VirtualClock(DEFAULT_EPOCH + 0.25);
    const { bus: b, messages } = bus(clock, 'carrier-pelican');
    const pelican = new PelicanSimulator({ clock, random: new SeededRandom(4).fork('carrier-pelican'), bus: b }, { rateLimit: null });
    const c = conformant('carrier-pelican', pelican.handler);
    const go = async (method: string, path: string, body?: unknown) => {
      const pending = c.send(method, path, body, { 'x-api-key': 'k' });
      await clock.advanceBy(5000);
      return pending;
    };
    for (let i = 0; i < 5; i++) {
      const l = (await go('POST', '/api/labels', { client_reference: `r${i}`, service_level: 'two_day', ship_from: pelicanAddress('Dortmund'), ship_to: pelicanAddress('Hamburg'), packages: [{ weight_g: 900, kind: 'parcel' }] })).body;
      expect(Number.isInteger(l.created_ms)).toBe(true);
      await go('POST', `/api/labels/${l.label_id}/tender`, { tendered_ms: Math.floor(clock.now()), dock: 'DC-WEST dock 2' });
      await clock.advanceBy(5 * 86_400_000);
      expect((await go('GET', `/api/tracking/${l.tracking_code}`)).body.events.at(-1).code).toBe('DL');
    }
    expect(messages.length).toBeGreaterThan(0); // every batch validated against trackingBatch (ts_ms, sent_ms integers)
  });
});

describe('carriers with the WMS', () => {
  it('a shipped fulfillment order is handed to SwiftShip over the Transport, which starts its timeline', async () => {
    const clock = new VirtualClock();
    const random = new SeededRandom(3);
    const transport = new InProcessTransport();
    const { bus: b, messages } = bus(clock, 'carrier-swift');
    const swift = new SwiftSimulator({ clock, random: random.fork('carrier-swift'), bus: b }, { transit: FIXED_TRANSIT, push: NO_QUIRKS });
    const wms = new WmsSimulator({ clock, random: random.fork('wms@DC-EAST'), transport }, {});
    const swiftC = conformant('carrier-swift', swift.handler);
    transport.register('carrier-swift', swiftC.handler);
    const wmsC = conformant('wms', wms.handler);
    const created = swiftC.send('POST', '/v2/shipments', { reference: 'ord-1', serviceCode: 'STANDARD', shipFrom: swiftAddress('Leipzig'), shipTo: swiftAddress('Hamburg'), parcels: [{ weightKg: 1 }] }, { authorization: 'Bearer layer' });
    await clock.run({ limitMs: clock.now() + 1000 });
    const tn = (await created).body.trackingNumber;
    const released = wmsC.send('POST', '/fulfillment-orders', {
      fulfillmentOrderId: 'ord-1',
      orderReference: 'ord-1',
      lines: [{ lineNumber: 1, sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' } }],
      shipTo: { name: 'Brandt', line1: 'Am Sandtorkai 40', city: 'Hamburg', postalCode: '20457', country: 'DE' },
      carrier: 'carrier-swift',
      serviceLevel: 'STANDARD',
      label: { trackingNumber: tn },
    });
    await clock.advanceBy(1000);
    expect((await released).status).toBe(201);
    await clock.advanceBy(12 * H);
    const shipped = wms.truth().fulfillmentOrders[0]!;
    expect(shipped.order.status).toBe('shipped');
    expect(shipped.handover.status).toBe('done');
    expect(swift.truth().labels[0]!.handedOverAt).toBeGreaterThanOrEqual(shipped.statusHistory.at(-1)!.at);
    expect(messages.map((m) => m.payload.status).slice(0, 2)).toEqual(['LABEL_CREATED', 'PICKED_UP']);
  });
});

describe('carrier determinism', () => {
  it('the same seed gives the same labels, events and pushes', async () => {
    const run = async (seed: number) => {
      const { call, label, clock, swift, messages } = swiftWorld({ transit: { ...FIXED_TRANSIT, toDelivered: { distribution: 'exponential', mean: H }, failedAttemptProbability: 0.2 }, push: { ...NO_QUIRKS, pushDelay: { distribution: 'uniform', min: 0, max: 60_000 }, duplicateProbability: 0.2, outOfOrderProbability: 0.2 }, rateLimits: { rates: null, shipments: null } }, seed);
      for (let i = 0; i < 20; i++) {
        const tn = await label(`s-${i}`);
        await call('POST', `/v2/shipments/${tn}/handover`, { handedOverAt: new Date(clock.now()).toISOString(), location: 'x' });
      }
      await clock.advanceBy(80 * H);
      return JSON.stringify({ truth: swift.truth(), bodies: messages.map((m) => [m.at, m.body]) });
    };
    const a = await run(8);
    expect(a).toBe(await run(8));
    expect(a).not.toBe(await run(9));
  });
});
