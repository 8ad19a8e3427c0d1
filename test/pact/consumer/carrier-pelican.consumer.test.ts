// The integration layer's pact with Pelican Freight: labels bought through the layer's own carrier
// clients (reference-impl/clients/carriers.ts), from DC-WEST's configured ship-from address.
import { describe, expect, it } from 'vitest';
import { carrierClients, toPelicanLabel, type LabelRequest } from '../../../reference-impl/clients/carriers.ts';
import { DEFAULT_DISTRIBUTION_CENTERS } from '../../../reference-impl/config.ts';
import { classifyResponse } from '../../../reference-impl/resilience/outcome.ts';
import { consumerPact, LAYER, MatchersV3, problemBody, problemJson, retryAfterHttpDate, traceparent, TRACEPARENT_EXAMPLE, withTransport } from '../support/pact.ts';

const { like, integer, regex } = MatchersV3;
const pact = consumerPact(LAYER, 'carrier-pelican');

const HEADERS = { traceparent: TRACEPARENT_EXAMPLE };
const NOW = Date.parse('2026-01-05T08:00:00Z');
const label = (reference: string): LabelRequest => ({
  reference,
  serviceLevel: 'ground',
  shipFrom: DEFAULT_DISTRIBUTION_CENTERS[1]!.address,
  shipTo: { name: 'Brandt Hydraulik KG', line1: 'Am Hafen 3', city: 'Duisburg', postalCode: '47051', country: 'DE' },
  weightKg: 2,
});

describe('integration-layer → carrier-pelican', () => {
  it('buys a ground label for an order', async () => {
    const request = label('8e0a2c4e-6b8d-4f1a-9c3e-5b7d9f1b3d31');
    await pact
      .addInteraction()
      .uponReceiving('the purchase of a ground label')
      .withRequest('POST', '/api/labels', (b) => b.headers({ traceparent: traceparent() }).jsonBody(toPelicanLabel(request)))
      .willRespondWith(201, (b) =>
        b.jsonBody({
          label_id: regex('^lbl_[a-z0-9]{16}$', 'lbl_4q8z2m6k0x3c7v1b'),
          tracking_code: regex('^PLC-[A-Z0-9]{12}$', 'PLC-7Q2M9K4X1B8D'),
          label_format: like('ZPL'),
          label_data: regex('^\\^XA[\\s\\S]*\\^XZ\\s*$', '^XA^FO40,40^FDPelican Freight ground^FS^XZ'),
          created_ms: integer(1767600001000),
        }),
      )
      .executeTest(async (server) =>
        withTransport('carrier-pelican', server.url, async (transport) => {
          const clients = carrierClients(transport);
          const res = await clients.buyLabel('carrier-pelican', request, { headers: HEADERS, signal: AbortSignal.timeout(5000) });
          expect(classifyResponse(res.response, res.data ?? res.error, NOW).kind).toBe('ok');
          // What the layer keeps: the tracking code, and the label id it tenders with.
          expect(clients.labelOf('carrier-pelican', res.data)).toEqual({ trackingNumber: 'PLC-7Q2M9K4X1B8D', labelId: 'lbl_4q8z2m6k0x3c7v1b' });
        }),
      );
  });

  it('is told when to come back while Pelican is in maintenance: 503 with Retry-After as an HTTP-date', async () => {
    const request = label('8e0a2c4e-6b8d-4f1a-9c3e-5b7d9f1b3d32');
    await pact
      .addInteraction()
      .given('Pelican is in a maintenance window')
      .uponReceiving('the purchase of a label during a maintenance window')
      .withRequest('POST', '/api/labels', (b) => b.headers({ traceparent: traceparent() }).jsonBody(toPelicanLabel(request)))
      .willRespondWith(503, (b) =>
        problemJson(
          b,
          { 'Retry-After': retryAfterHttpDate('Mon, 05 Jan 2026 08:01:30 GMT') },
          problemBody(503, { type: 'https://api.pelican.test/problems/maintenance', title: 'Service unavailable', detail: 'Pelican is down for maintenance.', instance: '/api/labels' }),
        ),
      )
      .executeTest(async (server) =>
        withTransport('carrier-pelican', server.url, async (transport) => {
          const res = await carrierClients(transport).buyLabel('carrier-pelican', request, { headers: HEADERS, signal: AbortSignal.timeout(5000) });
          // The layer reads the date: 90 s after this test's clock.
          expect(classifyResponse(res.response, res.data ?? res.error, NOW)).toMatchObject({ kind: 'transient', status: 503, retryAfterMs: 90_000 });
        }),
      );
  });
});
