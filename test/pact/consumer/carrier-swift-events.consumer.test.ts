// The integration layer's pact with SwiftShip's tracking pushes (provider `carrier-swift-events`):
// one event per webhook call, fed as Pact hands it over through the layer's carrier webhook and
// its tracking consumer, for a shipped order whose label SwiftShip sold.
import { afterEach, describe, expect, it } from 'vitest';
import { consumerPact, LAYER, MatchersV3, timestamp, uuid } from '../support/pact.ts';
import { layerWorld, type LayerWorld } from '../support/layer-world.ts';

const { like, regex } = MatchersV3;
const pact = consumerPact(LAYER, 'carrier-swift-events');

const worlds: LayerWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.stop();
});

describe('integration-layer ← carrier-swift-events', () => {
  it('moves a shipped order to delivered on a DELIVERED tracking event', async () => {
    await pact
      .addAsynchronousInteraction()
      .given('a parcel SwiftShip picked up has been delivered', { serviceCode: 'STANDARD' })
      .expectsToReceive('a DELIVERED tracking event', (b) =>
        b
          .withJSONContent({
            eventId: uuid('4d6f8a0c-2e3a-4c5e-9a7c-9e1a3c5e7a81'),
            trackingNumber: regex('^SW[0-9]{10}$', 'SW4821900001'),
            status: 'DELIVERED',
            occurredAt: timestamp('2026-01-06T14:12:00.000Z'),
            location: { city: like('Leipzig'), countryCode: regex('^[A-Z]{2}$', 'DE') },
            detail: like('Signed by: Kessler Maschinenbau GmbH'),
          })
          .withMetadata({ channel: 'carrier.tracking', webhook: 'trackingEvent' }),
      )
      .executeTest(async (m) => {
        const w = await layerWorld();
        worlds.push(w);
        const order = await w.releasedOrder([{ sku: 'BRG-6204', qty: 2, price: '4.20' }]);
        expect(order.trackingNumber).toMatch(/^SW/);
        await w.ship(order, [{ sku: 'BRG-6204', qty: 2 }]);
        // The tracking number is matched by its pattern: bind it to this world's parcel.
        const posted = await w.postCarrierEvent('carrier-swift', { ...(m.contents.content as Record<string, unknown>), trackingNumber: order.trackingNumber });
        expect(posted.status, posted.body).toBe(202);
        expect(posted.json).toMatchObject({ status: 'accepted', events: 1 });
        expect(await w.until(async () => (await w.order(order.id)).status === 'delivered'), `order is ${(await w.order(order.id)).status}`).toBe(true);
        expect((await w.order(order.id)).shipments[0]).toMatchObject({ trackingNumber: order.trackingNumber, status: 'delivered' });
      });
  });
});
