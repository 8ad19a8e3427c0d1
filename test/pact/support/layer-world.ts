// A small simulated world around the integration layer for the message pacts: the layer on a
// VirtualClock with the real ERP, WMS and carrier simulators behind an InProcessTransport. The
// simulators' own events go to their private recording buses, so the only events the layer
// consumes are the ones a test feeds through its webhook endpoints (the path a real WMS or
// carrier takes: contract check, inbox, bus channel, consumer).
import { expect } from 'vitest';
import { VirtualClock } from '../../../runtime/clock/virtual-clock.ts';
import { InProcessBus } from '../../../runtime/bus/in-process-bus.ts';
import { SeededRandom } from '../../../runtime/random/seeded-random.ts';
import { InProcessTransport } from '../../../runtime/transport/in-process.ts';
import type { HttpResponse } from '../../../runtime/ports.ts';
import { SqliteStore } from '../../../reference-impl/adapters/sqlite/sqlite-store.ts';
import type { ApiKeyConfig, InitialStock } from '../../../reference-impl/config.ts';
import { createLayer, type Layer } from '../../../reference-impl/layer.ts';
import { PelicanSimulator, SwiftSimulator } from '../../../simulators/carriers/index.ts';
import { ErpSimulator } from '../../../simulators/erp/index.ts';
import { RecordingBus } from '../../../simulators/shared/event-sinks.ts';
import { WmsSimulator } from '../../../simulators/wms/index.ts';
import { PACT_API_KEYS, PACT_KEYS } from '../../../harness/contract-testing/states/layer.ts';

export const KEYS = PACT_KEYS;
export const API_KEYS: ApiKeyConfig[] = [...PACT_API_KEYS];

export interface Answer extends HttpResponse {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
  json: any;
}

export const SHIP_TO = { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' };

export type LayerWorld = Awaited<ReturnType<typeof layerWorld>>;

/**
 * @param layerStock what the layer believes each DC holds at start (default: what the WMS
 *   simulators hold); an order goes to the first DC with enough of every line.
 */
export async function layerWorld(options: { seed?: number; layerStock?: (stock: InitialStock[]) => InitialStock[] } = {}) {
  const clock = new VirtualClock();
  const random = new SeededRandom(options.seed ?? 11);
  const transport = new InProcessTransport();
  const bus = new InProcessBus(clock);
  // Instant answers: the tests are about what the layer does with events, not about latency.
  const serviceTime = { default: { distribution: 'fixed' as const, ms: 0 } };
  const erp = new ErpSimulator({ clock, random: random.fork('erp') }, { auth: 'none', serviceTime });
  const wms = {
    'DC-EAST': new WmsSimulator({ clock, random: random.fork('wms@DC-EAST'), bus: new RecordingBus(clock) }, { dc: 'DC-EAST', serviceTime }),
    'DC-WEST': new WmsSimulator({ clock, random: random.fork('wms@DC-WEST'), bus: new RecordingBus(clock) }, { dc: 'DC-WEST', serviceTime }),
  };
  const swift = new SwiftSimulator({ clock, random: random.fork('carrier-swift'), bus: new RecordingBus(clock) }, { serviceTime });
  const pelican = new PelicanSimulator({ clock, random: random.fork('carrier-pelican'), bus: new RecordingBus(clock) }, { serviceTime });
  transport.register('erp', erp.handler).register('wms@DC-EAST', wms['DC-EAST'].handler).register('wms@DC-WEST', wms['DC-WEST'].handler);
  transport.register('carrier-swift', swift.handler).register('carrier-pelican', pelican.handler);

  const stock: InitialStock[] = Object.values(wms).flatMap((w) => w.truth().stock.map((s) => ({ distributionCenter: w.dc, sku: s.sku, uom: s.uom, onHand: s.onHand })));
  const layer: Layer = createLayer(
    { clock, random: random.fork('layer'), transport, bus, store: new SqliteStore() },
    { apiKeys: API_KEYS, initialInventory: options.layerStock ? options.layerStock(stock) : stock, reconciliationIntervalMs: 0 },
  );
  transport.register('layer', layer.handler);
  await layer.start();

  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const req = { method, path, headers: { 'x-api-key': KEYS.storefront, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
    // Whatever waits on the virtual clock inside the call gets its time.
    let settled = false;
    const pending = transport.send('layer', req).finally(() => (settled = true));
    while (!settled) {
      await clock.advanceBy(5);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const res = await pending;
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = res.body;
    }
    return { ...res, json };
  };

  let keys = 0;
  let deliveries = 0;
  const world = {
    clock,
    erp,
    wms,
    swift,
    pelican,
    layer,
    send,
    /** Lets virtual time pass in steps until `done` holds (or `limitMs` is spent). */
    async until(done: () => Promise<boolean>, limitMs = 120_000): Promise<boolean> {
      for (let spent = 0; spent <= limitMs; spent += 500) {
        if (await done()) return true;
        await clock.advanceBy(500);
      }
      return done();
    },
    order: async (id: string) => (await send('GET', `/v1/orders/${id}`)).json as { status: string; distributionCenter?: string; shipments: Array<{ trackingNumber: string; carrier: string; status: string }>; returns: Array<{ returnId: string; status: string }> },
    /** Places an order and waits until it is released to its DC's WMS (booked, label bought). */
    async releasedOrder(lines: Array<{ sku: string; qty: number; price: string }>): Promise<{ id: string; dc: string; trackingNumber: string }> {
      const placed = await send(
        'POST',
        '/v1/orders',
        { customerId: 'C-100', currency: 'EUR', lines: lines.map((l) => ({ sku: l.sku, quantity: { value: l.qty, uom: 'EA' }, unitPrice: { amount: l.price, currency: 'EUR' } })), shipTo: SHIP_TO },
        { 'idempotency-key': `pact-world-order-${++keys}` },
      );
      expect(placed.status, placed.body).toBe(202);
      const id = String(placed.json.orderId);
      const released = await world.until(async () => (await world.order(id)).status === 'released');
      const order = await world.order(id);
      expect(released, `order ${id} is ${order.status}, not released`).toBe(true);
      return { id, dc: order.distributionCenter!, trackingNumber: order.shipments[0]!.trackingNumber };
    },
    /** POSTs a WMS event to the layer's webhook, as the WMS of `dc` does. */
    postWmsEvent: (dc: string, payload: Record<string, unknown>) =>
      send('POST', `/v1/webhooks/wms/${dc}`, payload, { 'x-api-key': dc === 'DC-WEST' ? KEYS.wmsWest : KEYS.wmsEast, 'x-wms-event-type': String(payload.eventType), 'x-wms-delivery-id': `9e3f1a2b-4c5d-4e6f-8a7b-${String(++deliveries).padStart(12, '0')}` }),
    /** POSTs a carrier's tracking push to the layer's webhook. */
    postCarrierEvent: (carrier: 'carrier-swift' | 'carrier-pelican', payload: Record<string, unknown>) =>
      send('POST', `/v1/webhooks/carriers/${carrier}`, payload, { 'x-api-key': carrier === 'carrier-swift' ? KEYS.swift : KEYS.pelican, ...(carrier === 'carrier-pelican' ? { 'x-pelican-batch': String(payload.batch_id) } : {}) }),
    /** Ships a released order the way its WMS reports it (a contract-valid shipmentConfirmed) and waits until the layer has it shipped. */
    async ship(order: { id: string; dc: string; trackingNumber: string }, lines: Array<{ sku: string; qty: number }>): Promise<void> {
      const carrier = order.trackingNumber.startsWith('SW') ? 'carrier-swift' : 'carrier-pelican';
      const posted = await world.postWmsEvent(order.dc, {
        eventId: `6f1d2c3b-4a59-4e8d-9c7b-${String(++deliveries).padStart(12, '0')}`,
        eventType: 'shipment.confirmed',
        distributionCenter: order.dc,
        fulfillmentOrderId: order.id,
        orderReference: order.id,
        carrier,
        trackingNumber: order.trackingNumber,
        lines: lines.map((l) => ({ sku: l.sku, quantity: { value: l.qty, uom: 'EA' } })),
        shippedAt: new Date(clock.now()).toISOString(),
      });
      expect(posted.status, posted.body).toBe(202);
      expect(await world.until(async () => (await world.order(order.id)).status === 'shipped')).toBe(true);
    },
    /** Lets the layer's consumers and outbox relay catch up. */
    settle: () => clock.advanceBy(10_000),
    stop: () => layer.stop(),
  };
  return world;
}
