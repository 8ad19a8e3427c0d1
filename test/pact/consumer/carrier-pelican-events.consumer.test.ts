// The integration layer's pact with Pelican's tracking pushes (provider `carrier-pelican-events`):
// batches of events, fed as Pact hands them over through the layer's carrier webhook and its
// tracking consumer, for a shipped order whose label Pelican sold (DC-WEST ships with Pelican).
import { afterEach, describe, expect, it } from 'vitest';
import { consumerPact, LAYER, MatchersV3 } from '../support/pact.ts';
import { layerWorld, type LayerWorld } from '../support/layer-world.ts';

const { like, integer, eachLike, regex } = MatchersV3;
const pact = consumerPact(LAYER, 'carrier-pelican-events');

const worlds: LayerWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.stop();
});

describe('integration-layer ← carrier-pelican-events', () => {
  it('moves a shipped order to delivered on a tracking batch with a delivery', async () => {
    await pact
      .addAsynchronousInteraction()
      .given('a parcel Pelican was tendered has been delivered', { serviceLevel: 'ground' })
      .expectsToReceive('a tracking batch with a delivery', (b) =>
        b
          .withJSONContent({
            batch_id: regex('^bat_[a-z0-9]{16}$', 'bat_9x8w7v6u5t4s3r2q'),
            sent_ms: integer(1767711180000),
            events: eachLike({
              event_uid: regex('^pev_[a-z0-9]{16}$', 'pev_1a2b3c4d5e6f7g8h'),
              tracking_code: regex('^PLC-[A-Z0-9]{12}$', 'PLC-7Q2M9K4X1B8D'),
              code: 'DL',
              ts_ms: integer(1767711120000),
              facility: like('Duisburg depot'),
            }),
          })
          .withMetadata({ channel: 'carrier.tracking', webhook: 'trackingBatch' }),
      )
      .executeTest(async (m) => {
        // The layer believes DC-EAST has none, so the order goes to DC-WEST and Pelican.
        const w = await layerWorld({ layerStock: (stock) => stock.map((s) => (s.distributionCenter === 'DC-EAST' && s.sku === 'VLV-100' ? { ...s, onHand: 0 } : s)) });
        worlds.push(w);
        const order = await w.releasedOrder([{ sku: 'VLV-100', qty: 1, price: '38.00' }]);
        expect(order.dc).toBe('DC-WEST');
        await w.ship(order, [{ sku: 'VLV-100', qty: 1 }]);
        // Tracking codes are matched by pattern: bind the batch's events to this world's parcel.
        const batch = m.contents.content as { events: Array<Record<string, unknown>> } & Record<string, unknown>;
        const posted = await w.postCarrierEvent('carrier-pelican', { ...batch, events: batch.events.map((e) => ({ ...e, tracking_code: order.trackingNumber })) });
        expect(posted.status, posted.body).toBe(202);
        expect(posted.json).toMatchObject({ status: 'accepted', events: batch.events.length });
        expect(await w.until(async () => (await w.order(order.id)).status === 'delivered'), `order is ${(await w.order(order.id)).status}`).toBe(true);
      });
  });
});
