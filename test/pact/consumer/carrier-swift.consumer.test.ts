// The integration layer's pact with SwiftShip: labels bought through the layer's own carrier
// clients (reference-impl/clients/carriers.ts), from DC-EAST's configured ship-from address.
import { describe, expect, it } from 'vitest';
import { carrierClients, toSwiftShipment, type LabelRequest } from '../../../reference-impl/clients/carriers.ts';
import { DEFAULT_DISTRIBUTION_CENTERS } from '../../../reference-impl/config.ts';
import { classifyResponse } from '../../../reference-impl/resilience/outcome.ts';
import { consumerPact, LAYER, MatchersV3, problemBody, problemJson, retryAfterSeconds, timestamp, traceparent, TRACEPARENT_EXAMPLE, withTransport } from '../support/pact.ts';

const { like, eachLike, regex } = MatchersV3;
const pact = consumerPact(LAYER, 'carrier-swift');

const HEADERS = { traceparent: TRACEPARENT_EXAMPLE };
const NOW = Date.parse('2026-01-05T08:00:00Z');
const label = (reference: string, serviceLevel: string, country = 'DE'): LabelRequest => ({
  reference,
  serviceLevel,
  shipFrom: DEFAULT_DISTRIBUTION_CENTERS[0]!.address,
  shipTo: { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: country === 'DE' ? 'Leipzig' : 'Wien', postalCode: country === 'DE' ? '04109' : '1010', country },
  weightKg: 2,
});

describe('integration-layer → carrier-swift', () => {
  it('buys a STANDARD label for an order', async () => {
    const request = label('2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f21', 'STANDARD');
    await pact
      .addInteraction()
      .uponReceiving('the purchase of a STANDARD label within Germany')
      .withRequest('POST', '/v2/shipments', (b) => b.headers({ traceparent: traceparent() }).jsonBody(toSwiftShipment(request)))
      .willRespondWith(201, (b) =>
        b.jsonBody({
          shipmentId: regex('^shp_[A-Za-z0-9]{8,32}$', 'shp_7k2m9q4x1b8d3f6h'),
          trackingNumber: regex('^SW[0-9]{10}$', 'SW4821907735'),
          serviceCode: 'STANDARD',
          labelFormat: like('PDF'),
          labelData: regex('^[A-Za-z0-9+/]+={0,2}$', 'JVBERi0xLjQK'),
          createdAt: timestamp('2026-01-05T08:00:01Z'),
        }),
      )
      .executeTest(async (server) =>
        withTransport('carrier-swift', server.url, async (transport) => {
          const clients = carrierClients(transport);
          const res = await clients.buyLabel('carrier-swift', request, { headers: HEADERS, signal: AbortSignal.timeout(5000) });
          expect(classifyResponse(res.response, res.data ?? res.error, NOW).kind).toBe('ok');
          // What the layer keeps of the label: the tracking number and the shipment id.
          expect(clients.labelOf('carrier-swift', res.data)).toEqual({ trackingNumber: 'SW4821907735', labelId: 'shp_7k2m9q4x1b8d3f6h' });
        }),
      );
  });

  it('is refused an ECONOMY label across a border: 422 naming the service', async () => {
    const request = label('2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f22', 'ECONOMY', 'AT');
    await pact
      .addInteraction()
      .uponReceiving('the purchase of an ECONOMY label from Germany to Austria')
      .withRequest('POST', '/v2/shipments', (b) => b.headers({ traceparent: traceparent() }).jsonBody(toSwiftShipment(request)))
      .willRespondWith(422, (b) =>
        problemJson(
          b,
          {},
          problemBody(
            422,
            { type: 'https://developer.swiftship.test/problems/validation', title: 'Service does not serve the route', detail: 'ECONOMY only ships within one country; DE → AT.', instance: '/v2/shipments' },
            { errors: eachLike({ pointer: '/serviceCode', message: like('does not serve this route') }) },
          ),
        ),
      )
      .executeTest(async (server) =>
        withTransport('carrier-swift', server.url, async (transport) => {
          const res = await carrierClients(transport).buyLabel('carrier-swift', request, { headers: HEADERS, signal: AbortSignal.timeout(5000) });
          const outcome = classifyResponse(res.response, res.data ?? res.error, NOW);
          expect(outcome.kind).toBe('refused');
          expect(outcome.kind === 'refused' && outcome.problem.errors?.[0]?.pointer).toBe('/serviceCode');
        }),
      );
  });

  it('is told to come back later while SwiftShip is in maintenance: 503 with Retry-After in seconds', async () => {
    const request = label('2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f23', 'STANDARD');
    await pact
      .addInteraction()
      .given('SwiftShip is in a maintenance window')
      .uponReceiving('the purchase of a label during a maintenance window')
      .withRequest('POST', '/v2/shipments', (b) => b.headers({ traceparent: traceparent() }).jsonBody(toSwiftShipment(request)))
      .willRespondWith(503, (b) =>
        problemJson(b, { 'Retry-After': retryAfterSeconds('60') }, problemBody(503, { type: 'https://developer.swiftship.test/problems/maintenance', title: 'Service unavailable', detail: 'SwiftShip is down for maintenance.', instance: '/v2/shipments' })),
      )
      .executeTest(async (server) =>
        withTransport('carrier-swift', server.url, async (transport) => {
          const res = await carrierClients(transport).buyLabel('carrier-swift', request, { headers: HEADERS, signal: AbortSignal.timeout(5000) });
          expect(classifyResponse(res.response, res.data ?? res.error, NOW)).toMatchObject({ kind: 'transient', status: 503, retryAfterMs: 60_000 });
        }),
      );
  });
});
