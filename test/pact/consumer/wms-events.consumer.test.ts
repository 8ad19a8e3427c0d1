// The integration layer's pact with the events a WMS pushes (provider `wms-events`): each message
// is fed, as Pact hands it over (`m.contents.content`), through the layer's real inbound path —
// the webhook endpoint a WMS posts to (contract check, inbox, bus channel) and the consumer of
// that channel — in a world where the order, shipment or return it names exists. Only the
// identifiers the pact matches by type are bound to that world's order.
import { afterEach, describe, expect, it } from 'vitest';
import { consumerPact, LAYER, MatchersV3, timestamp, uuid } from '../support/pact.ts';
import { layerWorld, type LayerWorld } from '../support/layer-world.ts';

const { integer, eachLike, regex, like } = MatchersV3;
const pact = consumerPact(LAYER, 'wms-events');

type Json = Record<string, unknown>;
const worlds: LayerWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.stop();
});
const world = async (): Promise<LayerWorld> => {
  const w = await layerWorld();
  worlds.push(w);
  return w;
};

/** The example shipmentConfirmed of this pact, for an order of the world. */
const SHIPMENT_EXAMPLE = {
  eventId: '6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e61',
  eventType: 'shipment.confirmed',
  distributionCenter: 'DC-EAST',
  fulfillmentOrderId: 'a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e61',
  orderReference: 'a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e61',
  carrier: 'carrier-swift',
  trackingNumber: 'SW4821900001',
  lines: [{ sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' } }],
  shippedAt: '2026-01-05T09:05:00.000Z',
};

/** Binds a shipment event's identifiers to an order of the world (they are matched by type). */
const forOrder = (event: Json, order: { id: string; trackingNumber: string }): Json => ({ ...event, fulfillmentOrderId: order.id, orderReference: order.id, trackingNumber: order.trackingNumber });

describe('integration-layer ← wms-events', () => {
  it('applies an inventoryAdjusted (a goods receipt) to the availability it shows channels', async () => {
    await pact
      .addAsynchronousInteraction()
      .given('sku BRG-6204 is stocked at DC-EAST', { sku: 'BRG-6204', distributionCenter: 'DC-EAST' })
      .expectsToReceive('an inventoryAdjusted event for a goods receipt', (b) =>
        b
          .withJSONContent({
            eventId: uuid('0c9b8a7d-6e5f-4a3b-9c2d-1e0f9a8b7c61'),
            eventType: 'inventory.adjusted',
            distributionCenter: 'DC-EAST',
            sku: 'BRG-6204',
            uom: 'EA',
            delta: integer(40),
            onHand: integer(540),
            reason: 'receipt',
            sequence: integer(1),
            occurredAt: timestamp('2026-01-05T08:30:00.000Z'),
          })
          .withMetadata({ channel: 'wms.inventory', webhook: 'inventoryAdjusted', 'x-wms-event-type': 'inventory.adjusted' }),
      )
      .executeTest(async (m) => {
        const event = m.contents.content as Json;
        const w = await world();
        const posted = await w.postWmsEvent('DC-EAST', event);
        expect(posted.status, posted.body).toBe(202);
        expect(posted.json).toMatchObject({ status: 'accepted', events: 1 });
        await w.settle();
        const availability = await w.send('GET', '/v1/inventory/BRG-6204/availability');
        expect(availability.json.distributionCenters.find((d: Json) => d.distributionCenter === 'DC-EAST')).toMatchObject({ onHand: event.onHand, version: event.sequence });
      });
  });

  it('marks the order shipped and posts its goods issue on a shipmentConfirmed', async () => {
    await pact
      .addAsynchronousInteraction()
      .given('fulfillment order a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e61 is released at DC-EAST', { fulfillmentOrderId: SHIPMENT_EXAMPLE.fulfillmentOrderId, distributionCenter: 'DC-EAST' })
      .expectsToReceive('a shipmentConfirmed event', (b) =>
        b
          .withJSONContent({
            eventId: uuid(SHIPMENT_EXAMPLE.eventId),
            eventType: 'shipment.confirmed',
            distributionCenter: 'DC-EAST',
            fulfillmentOrderId: like(SHIPMENT_EXAMPLE.fulfillmentOrderId),
            orderReference: like(SHIPMENT_EXAMPLE.orderReference),
            carrier: regex('^carrier-(swift|pelican)$', SHIPMENT_EXAMPLE.carrier),
            trackingNumber: regex('^[A-Z0-9][A-Z0-9-]{5,39}$', SHIPMENT_EXAMPLE.trackingNumber),
            lines: eachLike({ sku: like('BRG-6204'), quantity: { value: integer(2), uom: like('EA') } }),
            shippedAt: timestamp(SHIPMENT_EXAMPLE.shippedAt),
          })
          .withMetadata({ channel: 'wms.shipment', webhook: 'shipmentConfirmed', 'x-wms-event-type': 'shipment.confirmed' }),
      )
      .executeTest(async (m) => {
        const w = await world();
        const order = await w.releasedOrder([{ sku: 'BRG-6204', qty: 2, price: '4.20' }]);
        const posted = await w.postWmsEvent('DC-EAST', forOrder(m.contents.content as Json, order));
        expect(posted.status, posted.body).toBe(202);
        expect(await w.until(async () => (await w.order(order.id)).status === 'shipped'), `order is ${(await w.order(order.id)).status}`).toBe(true);
        await w.settle();
        // The goods issue reached the ERP, once, for the lines the WMS shipped.
        const issues = w.erp.truth().goodsIssues.filter((gi) => gi.document.salesOrderNumber === w.erp.truth().salesOrders.find((so) => so.document.externalReference === order.id)?.document.salesOrderNumber);
        expect(issues.map((gi) => gi.lines)).toEqual([[{ itemNumber: 'BRG-6204', qty: 2, uom: 'EA' }]]);
      });
  });

  it('records the return as received and credits it in the ERP on a returnReceived', async () => {
    await pact
      .addAsynchronousInteraction()
      .given('a return is expected at DC-EAST', { distributionCenter: 'DC-EAST', sku: 'BRG-6204' })
      .expectsToReceive('a returnReceived event', (b) =>
        b
          .withJSONContent({
            eventId: uuid('2b4d6f8a-0c1e-4a3c-8e5a-7c9e1a3c5e61'),
            eventType: 'return.received',
            distributionCenter: 'DC-EAST',
            returnId: like('e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a61'),
            orderReference: like(SHIPMENT_EXAMPLE.orderReference),
            lines: eachLike({ sku: like('BRG-6204'), quantity: { value: integer(1), uom: like('EA') }, condition: regex('^(resellable|damaged)$', 'resellable') }),
            receivedAt: timestamp('2026-01-08T10:00:00.000Z'),
          })
          .withMetadata({ channel: 'wms.return', webhook: 'returnReceived', 'x-wms-event-type': 'return.received' }),
      )
      .executeTest(async (m) => {
        const w = await world();
        const order = await w.releasedOrder([{ sku: 'BRG-6204', qty: 2, price: '4.20' }]);
        expect((await w.postWmsEvent('DC-EAST', forOrder(SHIPMENT_EXAMPLE, order))).status).toBe(202);
        expect(await w.until(async () => (await w.order(order.id)).status === 'shipped')).toBe(true);
        const requested = await w.send('POST', `/v1/orders/${order.id}/returns`, { lines: [{ sku: 'BRG-6204', quantity: { value: 1, uom: 'EA' } }], reason: 'damaged' }, { 'idempotency-key': 'pact-return-0001' });
        expect(requested.status, requested.body).toBe(202);
        const returnId = String(requested.json.returnId);
        await w.settle();
        const posted = await w.postWmsEvent('DC-EAST', { ...(m.contents.content as Json), returnId, orderReference: order.id });
        expect(posted.status, posted.body).toBe(202);
        const credited = await w.until(async () => (await w.order(order.id)).returns.some((r) => r.returnId === returnId && r.status === 'credited'));
        expect(credited, JSON.stringify((await w.order(order.id)).returns)).toBe(true);
        expect(w.erp.truth().creditMemos.map((cm) => cm.document.externalReference)).toEqual([returnId]);
      });
  });
});
