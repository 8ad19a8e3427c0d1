// The integration layer's pact with a distribution center's WMS, through the layer's own WMS
// client and mapping (reference-impl/clients/wms.ts) over real HTTP to the Pact mock server.
import { describe, expect, it } from 'vitest';
import { toFulfillmentOrder, wmsClient } from '../../../reference-impl/clients/wms.ts';
import type { Address, OrderLine } from '../../../reference-impl/domain/order.ts';
import { classifyResponse } from '../../../reference-impl/resilience/outcome.ts';
import { consumerPact, LAYER, MatchersV3, problemBody, problemJson, retryAfterSeconds, timestamp, traceparent, TRACEPARENT_EXAMPLE, withTransport } from '../support/pact.ts';

const { like, eachLike, integer, regex, fromProviderState } = MatchersV3;
const pact = consumerPact(LAYER, 'wms');

const TARGET = 'wms@DC-EAST';
const HEADERS = { traceparent: TRACEPARENT_EXAMPLE };
const NOW = Date.parse('2026-01-05T08:00:00Z');
const SHIP_TO: Address = { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' };
const lines = (value: number): OrderLine[] => [{ lineNumber: 1, sku: 'BRG-6204', quantity: { value, uom: 'EA' }, unitPrice: { amount: '4.20', currency: 'EUR' } }];
/** What the layer releases for an order shipped from DC-EAST with SwiftShip STANDARD. */
const release = (id: string, qty: number) =>
  toFulfillmentOrder({ id, lines: lines(qty), shipTo: SHIP_TO, carrier: 'carrier-swift', serviceLevel: 'STANDARD', label: { trackingNumber: 'SW4821900001', labelId: 'shp_7k2m9q4x1b8d3f6h' } });

const fulfillmentOrderBody = (id: string, status: string) => ({
  fulfillmentOrderId: fromProviderState('${fulfillmentOrderId}', id),
  orderReference: fromProviderState('${fulfillmentOrderId}', id),
  distributionCenter: 'DC-EAST',
  status,
  lines: eachLike({ lineNumber: 1, sku: 'BRG-6204', quantity: { value: integer(2), uom: 'EA' } }),
  carrier: 'carrier-swift',
  trackingNumber: regex('^[A-Z0-9][A-Z0-9-]{5,39}$', 'SW4821900001'),
  createdAt: timestamp('2026-01-05T08:00:02Z'),
  updatedAt: timestamp('2026-01-05T08:00:02Z'),
});

describe('integration-layer → wms', () => {
  it('reads the stock snapshot for reconciliation', async () => {
    await pact
      .addInteraction()
      .given('sku BRG-6204 has 5 on hand at DC-EAST', { sku: 'BRG-6204', onHand: 5, distributionCenter: 'DC-EAST' })
      .uponReceiving('a read of the stock snapshot')
      .withRequest('GET', '/stock', (b) => b.headers({ traceparent: traceparent() }))
      .willRespondWith(200, (b) =>
        b.jsonBody({
          distributionCenter: 'DC-EAST',
          asOf: timestamp('2026-01-05T08:00:00Z'),
          items: eachLike({ sku: like('BRG-6204'), uom: like('EA'), onHand: integer(5), allocated: integer(0), available: integer(5), version: integer(3) }),
        }),
      )
      .executeTest(async (server) =>
        withTransport(TARGET, server.url, async (transport) => {
          const res = await wmsClient(transport, TARGET).GET('/stock', { headers: HEADERS });
          expect(res.data?.items[0]).toMatchObject({ sku: 'BRG-6204', onHand: 5, available: 5 });
        }),
      );
  });

  it('releases a fulfillment order it has stock for', async () => {
    const id = '5d1e8a2b-6c3f-4b7a-9e0d-2f4a6c8e0b11';
    await pact
      .addInteraction()
      .given('sku BRG-6204 has 5 on hand at DC-EAST', { sku: 'BRG-6204', onHand: 5, distributionCenter: 'DC-EAST' })
      .given(`no fulfillment order ${id} exists at DC-EAST`, { fulfillmentOrderId: id, distributionCenter: 'DC-EAST' })
      .uponReceiving('the release of a fulfillment order')
      .withRequest('POST', '/fulfillment-orders', (b) =>
        b.headers({ traceparent: traceparent() }).jsonBody({ ...release(id, 2), fulfillmentOrderId: fromProviderState('${fulfillmentOrderId}', id), orderReference: fromProviderState('${fulfillmentOrderId}', id) }),
      )
      .willRespondWith(201, (b) => b.jsonBody(fulfillmentOrderBody(id, 'released')))
      .executeTest(async (server) =>
        withTransport(TARGET, server.url, async (transport) => {
          const res = await wmsClient(transport, TARGET).POST('/fulfillment-orders', { body: release(id, 2), headers: HEADERS });
          expect(classifyResponse(res.response, res.data ?? res.error, NOW).kind).toBe('ok');
          expect(res.data?.status).toBe('released');
        }),
      );
  });

  it('is refused a fulfillment order it has no stock for: 409 naming the short line', async () => {
    const id = '5d1e8a2b-6c3f-4b7a-9e0d-2f4a6c8e0b12';
    await pact
      .addInteraction()
      .given('sku BRG-6204 has 1 on hand at DC-EAST', { sku: 'BRG-6204', onHand: 1, distributionCenter: 'DC-EAST' })
      .given(`no fulfillment order ${id} exists at DC-EAST`, { fulfillmentOrderId: id, distributionCenter: 'DC-EAST' })
      .uponReceiving('the release of a fulfillment order without enough stock')
      .withRequest('POST', '/fulfillment-orders', (b) =>
        b.headers({ traceparent: traceparent() }).jsonBody({ ...release(id, 2), fulfillmentOrderId: fromProviderState('${fulfillmentOrderId}', id), orderReference: fromProviderState('${fulfillmentOrderId}', id) }),
      )
      .willRespondWith(409, (b) =>
        problemJson(
          b,
          {},
          problemBody(
            409,
            { type: 'https://docs.wms.faultline.test/problems/insufficient-stock', title: 'Insufficient stock', detail: `DC-EAST cannot cover 1 line(s) of ${id}; nothing was allocated.`, instance: '/fulfillment-orders' },
            { errors: eachLike({ pointer: '/lines/0/quantity/value', message: like('requested 2 EA of BRG-6204, available 1 EA') }) },
          ),
        ),
      )
      .executeTest(async (server) =>
        withTransport(TARGET, server.url, async (transport) => {
          const res = await wmsClient(transport, TARGET).POST('/fulfillment-orders', { body: release(id, 2), headers: HEADERS });
          const outcome = classifyResponse(res.response, res.data ?? res.error, NOW);
          // A refusal the layer must act on (re-allocate or reject), not retry.
          expect(outcome.kind).toBe('refused');
          expect(outcome.kind === 'refused' && outcome.problem.errors?.[0]?.pointer).toBe('/lines/0/quantity/value');
        }),
      );
  });

  it('cancels a released fulfillment order', async () => {
    const id = '5d1e8a2b-6c3f-4b7a-9e0d-2f4a6c8e0b13';
    await pact
      .addInteraction()
      .given(`fulfillment order ${id} is released at DC-EAST`, { fulfillmentOrderId: id, distributionCenter: 'DC-EAST' })
      .uponReceiving('the cancellation of a released fulfillment order')
      .withRequest('POST', fromProviderState('/fulfillment-orders/${fulfillmentOrderId}/cancel', `/fulfillment-orders/${id}/cancel`), (b) => b.headers({ traceparent: traceparent() }))
      .willRespondWith(200, (b) => b.jsonBody(fulfillmentOrderBody(id, 'cancelled')))
      .executeTest(async (server) =>
        withTransport(TARGET, server.url, async (transport) => {
          const res = await wmsClient(transport, TARGET).POST('/fulfillment-orders/{fulfillmentOrderId}/cancel', { params: { path: { fulfillmentOrderId: id } }, headers: HEADERS });
          expect(res.data?.status).toBe('cancelled');
        }),
      );
  });

  it('tells the WMS to expect a return', async () => {
    const returnId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c14';
    const orderId = '5d1e8a2b-6c3f-4b7a-9e0d-2f4a6c8e0b14';
    const body = { returnId, orderReference: orderId, lines: [{ sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' as const } }], reason: 'damaged' };
    await pact
      .addInteraction()
      .given(`no return ${returnId} is expected at DC-EAST`, { returnId, distributionCenter: 'DC-EAST' })
      .uponReceiving('a return to expect')
      .withRequest('POST', '/returns', (b) => b.headers({ traceparent: traceparent() }).jsonBody({ ...body, returnId: fromProviderState('${returnId}', returnId) }))
      .willRespondWith(201, (b) => b.jsonBody({ returnId: fromProviderState('${returnId}', returnId), status: 'expected', createdAt: timestamp('2026-01-07T10:00:00Z') }))
      .executeTest(async (server) =>
        withTransport(TARGET, server.url, async (transport) => {
          const res = await wmsClient(transport, TARGET).POST('/returns', { body, headers: HEADERS });
          expect(res.data?.status).toBe('expected');
        }),
      );
  });

  it('is told to come back later while the WMS is in maintenance: 503 with Retry-After', async () => {
    const id = '5d1e8a2b-6c3f-4b7a-9e0d-2f4a6c8e0b15';
    await pact
      .addInteraction()
      .given('the WMS is in a maintenance window')
      .uponReceiving('the release of a fulfillment order during a maintenance window')
      .withRequest('POST', '/fulfillment-orders', (b) => b.headers({ traceparent: traceparent() }).jsonBody(release(id, 2)))
      .willRespondWith(503, (b) =>
        problemJson(b, { 'Retry-After': retryAfterSeconds('300') }, problemBody(503, { type: 'https://docs.wms.faultline.test/problems/maintenance', title: 'Service unavailable', detail: 'The WMS is down for maintenance.', instance: '/fulfillment-orders' })),
      )
      .executeTest(async (server) =>
        withTransport(TARGET, server.url, async (transport) => {
          const res = await wmsClient(transport, TARGET).POST('/fulfillment-orders', { body: release(id, 2), headers: HEADERS });
          expect(classifyResponse(res.response, res.data ?? res.error, NOW)).toMatchObject({ kind: 'transient', status: 503, retryAfterMs: 300_000 });
        }),
      );
  });
});
