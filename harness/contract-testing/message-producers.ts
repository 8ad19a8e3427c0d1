// The message side of provider verification: for each message a pact expects, the simulator that
// produces it does so through its own code path (a receipt booked, a fulfillment order picked,
// packed and shipped over its lead times, a parcel's journey ending in a delivery), on a virtual
// clock, publishing to a recording bus; the message it published is what the verifier compares.
// This is the shape of what a vendor writes in their own Pact suite (README, For vendors).
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import type { Bus, HttpHandler } from '../../runtime/ports.ts';
import { PelicanSimulator, PUSH_DEFAULTS, SwiftSimulator } from '../../simulators/carriers/index.ts';
import { RecordingBus, type SinkRecord } from '../../simulators/shared/event-sinks.ts';
import { WmsSimulator } from '../../simulators/wms/index.ts';
import { SimulatorCaller } from './states/support.ts';

/** A message as the verifier compares it: the payload and its metadata (channel, webhook, headers). */
export interface ProducedMessage {
  body: unknown;
  metadata: Record<string, string>;
}

export interface MessageState {
  name: string;
  params?: Record<string, unknown>;
}

/** Produces the message an interaction describes, given its provider states. */
export type MessageProducer = (states: MessageState[]) => Promise<ProducedMessage>;

const DAY = 86_400_000;
const WEBHOOK_OF: Record<string, string> = { 'inventory.adjusted': 'inventoryAdjusted', 'shipment.confirmed': 'shipmentConfirmed', 'return.received': 'returnReceived' };
const INSTANT = { default: { distribution: 'fixed' as const, ms: 0 } };

const param = (states: MessageState[], name: string, fallback: string): string => {
  for (const s of states) {
    const v = s.params?.[name];
    if (v !== undefined && v !== null) return String(v);
  }
  return fallback;
};

/** Runs virtual time until `channel` carries a message `accept`s, and returns it. */
async function awaitMessage(clock: VirtualClock, bus: RecordingBus, channel: string, accept: (record: SinkRecord) => boolean, what: string): Promise<SinkRecord> {
  const find = (): SinkRecord | undefined => bus.records().find((r) => r.channel === channel && accept(r));
  await clock.run({ until: () => find() !== undefined, limitMs: clock.now() + 30 * DAY });
  const record = find();
  if (!record) throw new Error(`the simulator published no ${what} on ${channel} within 30 virtual days`);
  return record;
}

export interface ProducerOptions {
  /** Seed of the simulators' randomness (default 7). */
  seed?: number;
  /** Puts something between the simulator and the recording bus (a fault injector's `wrapBus`, to show a drifting producer fails). */
  wrapBus?: (bus: Bus) => Bus;
}

function wmsAt(dc: string, options: ProducerOptions) {
  const clock = new VirtualClock();
  const bus = new RecordingBus(clock, 100_000);
  const wms = new WmsSimulator({ clock, random: new SeededRandom(options.seed ?? 7).fork(`wms@${dc}`), bus: options.wrapBus ? options.wrapBus(bus) : bus }, { dc, serviceTime: INSTANT });
  return { clock, bus, wms, call: new SimulatorCaller(`wms@${dc}`, wms.handler as HttpHandler) };
}

const wmsMessage = (record: SinkRecord): ProducedMessage => ({
  body: record.body,
  metadata: { channel: record.channel, webhook: WEBHOOK_OF[record.headers['x-wms-event-type'] ?? ''] ?? '', 'x-wms-event-type': record.headers['x-wms-event-type'] ?? '' },
});

/** Producers of the WMS's events (provider `wms-events`), by the description pacts give them. */
export function wmsEventProducers(options: ProducerOptions = {}): Record<string, MessageProducer> {
  return {
    'an inventoryAdjusted event for a goods receipt': async (states) => {
      const { clock, bus, wms } = wmsAt(param(states, 'distributionCenter', 'DC-EAST'), options);
      const sku = param(states, 'sku', 'BRG-6204');
      wms.receive(sku, 40);
      return wmsMessage(await awaitMessage(clock, bus, 'wms.inventory', (r) => (r.body as { reason?: string }).reason === 'receipt', `receipt of ${sku}`));
    },
    'a shipmentConfirmed event': async (states) => {
      const dc = param(states, 'distributionCenter', 'DC-EAST');
      const { clock, bus, call } = wmsAt(dc, options);
      const id = param(states, 'fulfillmentOrderId', 'FO-PACT-0001');
      await call.expect(201, 'POST', '/fulfillment-orders', {
        fulfillmentOrderId: id,
        orderReference: id,
        lines: [{ lineNumber: 1, sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' } }],
        shipTo: { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' },
        carrier: 'carrier-swift',
        serviceLevel: 'STANDARD',
        label: { trackingNumber: 'SW4821900001', labelId: 'shp_7k2m9q4x1b8d3f6h' },
      });
      return wmsMessage(await awaitMessage(clock, bus, 'wms.shipment', (r) => (r.body as { fulfillmentOrderId?: string }).fulfillmentOrderId === id, `shipmentConfirmed for ${id}`));
    },
    'a returnReceived event': async (states) => {
      const dc = param(states, 'distributionCenter', 'DC-EAST');
      const { clock, bus, call } = wmsAt(dc, options);
      const returnId = param(states, 'returnId', 'RET-PACT-0001');
      await call.expect(201, 'POST', '/returns', { returnId, orderReference: 'ORD-PACT-0001', lines: [{ sku: param(states, 'sku', 'BRG-6204'), quantity: { value: 2, uom: 'EA' } }], reason: 'damaged' });
      return wmsMessage(await awaitMessage(clock, bus, 'wms.return', (r) => (r.body as { returnId?: string }).returnId === returnId, `returnReceived for ${returnId}`));
    },
  };
}

/** No duplicate or overtaken pushes: the message compared is the one event or batch the journey ends with. */
const ORDERLY = { ...PUSH_DEFAULTS, duplicateProbability: 0, outOfOrderProbability: 0 };
const ROUTE = {
  from: { name: 'Faultline Distribution DC-EAST', street1: 'Logistikpark 4', city: 'Leipzig', postalCode: '04158', countryCode: 'DE' },
  to: { name: 'Kessler Maschinenbau GmbH', street1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', countryCode: 'DE' },
};

/** Producers of SwiftShip's tracking pushes (provider `carrier-swift-events`). */
export function swiftEventProducers(seed = 7): Record<string, MessageProducer> {
  return {
    'a DELIVERED tracking event': async (states) => {
      const clock = new VirtualClock();
      const bus = new RecordingBus(clock, 100_000);
      const swift = new SwiftSimulator({ clock, random: new SeededRandom(seed).fork('carrier-swift'), bus }, { serviceTime: INSTANT, push: ORDERLY });
      const call = new SimulatorCaller('carrier-swift', swift.handler, { authorization: 'Bearer pact-producer' });
      const label = await call.expect<{ trackingNumber: string }>(201, 'POST', '/v2/shipments', {
        reference: 'ORD-PACT-0001',
        serviceCode: param(states, 'serviceCode', 'STANDARD'),
        shipFrom: ROUTE.from,
        shipTo: ROUTE.to,
        parcels: [{ weightKg: 2 }],
      });
      await call.expect(200, 'POST', `/v2/shipments/${label.trackingNumber}/handover`, { handedOverAt: new Date(clock.now()).toISOString(), location: 'DC-EAST dock 1' });
      const record = await awaitMessage(clock, bus, 'carrier.tracking', (r) => (r.body as { status?: string }).status === 'DELIVERED', 'DELIVERED event');
      return { body: record.body, metadata: { channel: record.channel, webhook: 'trackingEvent' } };
    },
  };
}

/** Producers of Pelican's tracking batches (provider `carrier-pelican-events`). */
export function pelicanEventProducers(seed = 7): Record<string, MessageProducer> {
  return {
    'a tracking batch with a delivery': async (states) => {
      const clock = new VirtualClock();
      const bus = new RecordingBus(clock, 100_000);
      const pelican = new PelicanSimulator({ clock, random: new SeededRandom(seed).fork('carrier-pelican'), bus }, { serviceTime: INSTANT, push: ORDERLY });
      const call = new SimulatorCaller('carrier-pelican', pelican.handler, { 'x-api-key': 'pact-producer' });
      const address = (a: typeof ROUTE.from) => ({ contact_name: a.name, address_1: a.street1, city: a.city, zip: a.postalCode, country_code: a.countryCode });
      const label = await call.expect<{ label_id: string }>(201, 'POST', '/api/labels', {
        client_reference: 'ORD-PACT-0001',
        service_level: param(states, 'serviceLevel', 'ground'),
        ship_from: address(ROUTE.from),
        ship_to: address(ROUTE.to),
        packages: [{ weight_g: 2000, kind: 'parcel' }],
      });
      await call.expect(200, 'POST', `/api/labels/${label.label_id}/tender`, { tendered_ms: clock.now(), dock: 'DC-WEST dock 1' });
      const record = await awaitMessage(clock, bus, 'carrier.tracking', (r) => ((r.body as { events?: Array<{ code?: string }> }).events ?? []).some((e) => e.code === 'DL'), 'batch with a delivery');
      return { body: record.body, metadata: { channel: record.channel, webhook: 'trackingBatch' } };
    },
  };
}
