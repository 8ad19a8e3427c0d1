// A storefront's pact with the integration layer's commerce API (consumer `storefront`, provider
// `integration-layer`): the calls a sales channel makes through a client typed from
// commerce.yaml, over real HTTP to the Pact mock server.
import { describe, expect, it } from 'vitest';
import type { paths } from '../../../contracts/generated/openapi/commerce.ts';
import { createTypedClient } from '../../../runtime/http/typed-client.ts';
import { DEFAULT_ORDER } from '../../../harness/contract-testing/states/layer.ts';
import { consumerPact, MatchersV3, problemBody, problemJson, timestamp, traceparent, TRACEPARENT_EXAMPLE, uuid, withTransport } from '../support/pact.ts';
import { KEYS } from '../support/layer-world.ts';

const { like, eachLike, atLeastLike, integer, regex, fromProviderState } = MatchersV3;
const pact = consumerPact('storefront', 'integration-layer');

const storefront = (transport: Parameters<typeof createTypedClient>[0]) => createTypedClient<paths>(transport, 'layer');
const ORDER = DEFAULT_ORDER;
const ORDER_ID = '5f0c6b9e-3d2a-4b7f-9a41-8e2c1d7b6a30';
const AUTH = { 'X-API-Key': KEYS.storefront };
const headers = (idempotencyKey?: string) => ({ 'x-api-key': KEYS.storefront, traceparent: TRACEPARENT_EXAMPLE, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) });

const acknowledgement = (orderId: unknown) => ({
  orderId,
  status: regex('^(accepted|pending_validation)$', 'accepted'),
  receivedAt: timestamp('2026-01-05T08:00:00.120Z'),
  distributionCenter: like('DC-EAST'),
  links: { self: fromProviderState('/v1/orders/${orderId}', `/v1/orders/${ORDER_ID}`) },
});

describe('storefront → integration-layer', () => {
  it('places an order and is told it is accepted', async () => {
    await pact
      .addInteraction()
      .given('sku BRG-6204 has 100 available at DC-EAST', { sku: 'BRG-6204', available: 100, distributionCenter: 'DC-EAST' })
      .uponReceiving('an order')
      .withRequest('POST', '/v1/orders', (b) => b.headers({ ...AUTH, 'Idempotency-Key': 'b2b-web.pact-order-0001', traceparent: traceparent() }).jsonBody(ORDER))
      .willRespondWith(202, (b) =>
        b
          .headers({ Location: regex('^/v1/orders/[0-9a-f-]{36}$', `/v1/orders/${ORDER_ID}`) })
          .jsonBody({ ...acknowledgement(uuid(ORDER_ID)), links: { self: regex('^/v1/orders/[0-9a-f-]{36}$', `/v1/orders/${ORDER_ID}`) } }),
      )
      .executeTest(async (server) =>
        withTransport('layer', server.url, async (transport) => {
          const res = await storefront(transport).POST('/v1/orders', { params: { header: { 'Idempotency-Key': 'b2b-web.pact-order-0001' } }, body: ORDER, headers: headers() });
          expect(res.response.status).toBe(202);
          expect(res.data?.orderId).toBe(ORDER_ID);
        }),
      );
  });

  it('retries with the same Idempotency-Key and gets the same order back', async () => {
    const key = 'b2b-web.pact-order-0002';
    await pact
      .addInteraction()
      .given(`an order was placed by b2b-web with Idempotency-Key ${key}`, { channel: 'b2b-web', idempotencyKey: key, order: ORDER })
      .uponReceiving('a retried order with the same Idempotency-Key and body')
      .withRequest('POST', '/v1/orders', (b) => b.headers({ ...AUTH, 'Idempotency-Key': key, traceparent: traceparent() }).jsonBody(ORDER))
      .willRespondWith(202, (b) =>
        b
          .headers({ 'Idempotent-Replayed': 'true', Location: fromProviderState('/v1/orders/${orderId}', `/v1/orders/${ORDER_ID}`) })
          .jsonBody(acknowledgement(fromProviderState('${orderId}', ORDER_ID))),
      )
      .executeTest(async (server) =>
        withTransport('layer', server.url, async (transport) => {
          const res = await storefront(transport).POST('/v1/orders', { params: { header: { 'Idempotency-Key': key } }, body: ORDER, headers: headers() });
          expect(res.response.headers['idempotent-replayed']).toBe('true');
          expect(res.data?.orderId).toBe(ORDER_ID);
        }),
      );
  });

  it('reuses an Idempotency-Key for a different order and is refused: 409', async () => {
    const key = 'b2b-web.pact-order-0003';
    await pact
      .addInteraction()
      .given(`Idempotency-Key ${key} was used by b2b-web for another order`, { channel: 'b2b-web', idempotencyKey: key, order: ORDER })
      .uponReceiving('an order reusing an Idempotency-Key with a different body')
      .withRequest('POST', '/v1/orders', (b) => b.headers({ ...AUTH, 'Idempotency-Key': key, traceparent: traceparent() }).jsonBody(ORDER))
      .willRespondWith(409, (b) =>
        problemJson(
          b,
          {},
          problemBody(409, {
            type: 'https://faultline.dev/problems/idempotency-key-reused',
            title: 'Idempotency-Key reused',
            detail: `Idempotency-Key ${key} was first used with a different request body.`,
            instance: '/v1/orders',
          }),
        ),
      )
      .executeTest(async (server) =>
        withTransport('layer', server.url, async (transport) => {
          const res = await storefront(transport).POST('/v1/orders', { params: { header: { 'Idempotency-Key': key } }, body: ORDER, headers: headers() });
          expect(res.response.status).toBe(409);
          expect(res.error).toMatchObject({ status: 409 });
        }),
      );
  });

  it('reads an order', async () => {
    await pact
      .addInteraction()
      .given(`an order ${ORDER_ID} was placed by b2b-web`, { channel: 'b2b-web', order: ORDER })
      .uponReceiving('a read of an order')
      .withRequest('GET', fromProviderState('/v1/orders/${orderId}', `/v1/orders/${ORDER_ID}`), (b) => b.headers({ ...AUTH, traceparent: traceparent() }))
      .willRespondWith(200, (b) =>
        b.jsonBody({
          orderId: fromProviderState('${orderId}', ORDER_ID),
          channel: 'b2b-web',
          customerId: 'C-100',
          externalOrderRef: 'b2b-web-58213',
          currency: 'EUR',
          status: regex('^(pending_validation|accepted|posted|released)$', 'accepted'),
          lines: eachLike({ lineNumber: 1, sku: 'BRG-6204', quantity: { value: 10, uom: 'EA' }, unitPrice: { amount: '4.20', currency: 'EUR' } }),
          shipTo: ORDER.shipTo,
          shipments: atLeastLike({ shipmentId: uuid('7c4d2e1f-9a8b-4c7d-8e6f-5a4b3c2d1e05'), carrier: like('carrier-swift'), trackingNumber: like('SW4821900001'), status: like('label_created'), updatedAt: timestamp('2026-01-05T08:00:01.000Z') }, 0, 1),
          returns: [],
          timeline: eachLike({ at: timestamp('2026-01-05T08:00:00.120Z'), status: like('accepted'), detail: like('Credit and prices confirmed; allocated to DC-EAST.') }),
          createdAt: timestamp('2026-01-05T08:00:00.120Z'),
          updatedAt: timestamp('2026-01-05T08:00:00.450Z'),
        }),
      )
      .executeTest(async (server) =>
        withTransport('layer', server.url, async (transport) => {
          const res = await storefront(transport).GET('/v1/orders/{orderId}', { params: { path: { orderId: ORDER_ID } }, headers: headers() });
          expect(res.data).toMatchObject({ orderId: ORDER_ID, channel: 'b2b-web' });
        }),
      );
  });

  it('cancels an order that has not shipped', async () => {
    await pact
      .addInteraction()
      .given(`an order ${ORDER_ID} was placed by b2b-web`, { channel: 'b2b-web', order: ORDER })
      .uponReceiving('the cancellation of an order that has not shipped')
      .withRequest('POST', fromProviderState('/v1/orders/${orderId}/cancel', `/v1/orders/${ORDER_ID}/cancel`), (b) => b.headers({ ...AUTH, traceparent: traceparent() }).jsonBody({ reason: 'customer changed their mind' }))
      .willRespondWith(202, (b) => b.jsonBody({ orderId: fromProviderState('${orderId}', ORDER_ID), status: 'cancelled' }))
      .executeTest(async (server) =>
        withTransport('layer', server.url, async (transport) => {
          const res = await storefront(transport).POST('/v1/orders/{orderId}/cancel', { params: { path: { orderId: ORDER_ID } }, body: { reason: 'customer changed their mind' }, headers: headers() });
          expect(res.data).toEqual({ orderId: ORDER_ID, status: 'cancelled' });
        }),
      );
  });

  it('reads the availability of a sku', async () => {
    await pact
      .addInteraction()
      .given('sku BRG-6204 has 100 available at DC-EAST', { sku: 'BRG-6204', available: 100, distributionCenter: 'DC-EAST' })
      .uponReceiving('a read of the availability of a sku')
      .withRequest('GET', '/v1/inventory/BRG-6204/availability', (b) => b.headers({ ...AUTH, traceparent: traceparent() }))
      .willRespondWith(200, (b) =>
        b.jsonBody({
          sku: 'BRG-6204',
          uom: 'EA',
          total: { onHand: integer(400), reserved: integer(0), available: integer(400) },
          distributionCenters: eachLike({ distributionCenter: like('DC-EAST'), onHand: integer(100), reserved: integer(0), available: integer(100), version: integer(1), asOf: timestamp('2026-01-05T08:00:00.000Z') }),
        }),
      )
      .executeTest(async (server) =>
        withTransport('layer', server.url, async (transport) => {
          const res = await storefront(transport).GET('/v1/inventory/{sku}/availability', { params: { path: { sku: 'BRG-6204' } }, headers: headers() });
          expect(res.data?.distributionCenters[0]).toMatchObject({ distributionCenter: 'DC-EAST', available: 100 });
        }),
      );
  });

  it('is refused with an API key the layer does not know: 401', async () => {
    await pact
      .addInteraction()
      .uponReceiving('an order with an unknown API key')
      .withRequest('POST', '/v1/orders', (b) => b.headers({ 'X-API-Key': 'not-a-key-of-this-layer', 'Idempotency-Key': 'b2b-web.pact-order-0004' }).jsonBody(ORDER))
      .willRespondWith(401, (b) =>
        problemJson(b, {}, problemBody(401, { type: 'https://faultline.dev/problems/unauthorized', title: 'Unauthorized', detail: 'The X-API-Key header is missing or not a key of this layer.', instance: '/v1/orders' })),
      )
      .executeTest(async (server) =>
        withTransport('layer', server.url, async (transport) => {
          const res = await storefront(transport).POST('/v1/orders', { params: { header: { 'Idempotency-Key': 'b2b-web.pact-order-0004' } }, body: ORDER, headers: { 'x-api-key': 'not-a-key-of-this-layer' } });
          expect(res.response.status).toBe(401);
        }),
      );
  });
});
