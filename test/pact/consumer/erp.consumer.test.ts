// The integration layer's pact with the ERP: every call is made by the layer's own typed client
// (reference-impl/clients/erp.ts) and its mapping from the canonical order to the ERP's dialect,
// over real HTTP (UndiciTransport) to the Pact mock server; the answer is read with the layer's
// own outcome classification (reference-impl/resilience/outcome.ts).
import { describe, expect, it } from 'vitest';
import { erpClient, toPriceValidation, toSalesOrderCreate, CREDIT_REASON } from '../../../reference-impl/clients/erp.ts';
import { orderTotals, type Address, type OrderLine } from '../../../reference-impl/domain/order.ts';
import { classifyResponse } from '../../../reference-impl/resilience/outcome.ts';
import { consumerPact, LAYER, MatchersV3, money, problemBody, problemJson, retryAfterSeconds, timestamp, traceparent, TRACEPARENT_EXAMPLE, withTransport } from '../support/pact.ts';

const { like, eachLike, regex, fromProviderState } = MatchersV3;
const pact = consumerPact(LAYER, 'erp');

const LINES: OrderLine[] = [{ lineNumber: 1, sku: 'BRG-6204', quantity: { value: 10, uom: 'EA' }, unitPrice: { amount: '4.20', currency: 'EUR' } }];
const SHIP_TO: Address = { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' };
/** A canonical order as the layer holds it (its id is the ERP's external reference). */
const order = (id: string) => ({ id, customerId: 'C-100', currency: 'EUR', dc: 'DC-EAST', createdAt: '2026-01-05T08:00:00.000Z', lines: LINES, shipTo: SHIP_TO });
const HEADERS = { traceparent: TRACEPARENT_EXAMPLE };
const NOW = Date.parse('2026-01-05T08:00:00Z');

const salesOrderNumber = (example = 'SO-100045') => regex('^SO-[0-9]+$', example);
/** A sales order as the ERP answers it, for `lines` like the order's. */
const salesOrderBody = (reference: unknown, status: string, number: unknown = salesOrderNumber()) => ({
  salesOrderNumber: number,
  externalReference: reference,
  soldTo: 'C-100',
  warehouse: 'DC-EAST',
  status,
  total: money('42.00'),
  lines: eachLike({ lineNumber: 1, itemNumber: 'BRG-6204', qty: like(10), uom: 'EA', unitPrice: money('4.20'), netAmount: money('42.00') }),
  bookedAt: timestamp('2026-01-05T08:00:01Z'),
});

describe('integration-layer → erp', () => {
  it('checks credit for an order within the limit: approved', async () => {
    await pact
      .addInteraction()
      .given('customer C-100 has credit limit 10000.00 EUR', { customerId: 'C-100', creditLimit: '10000.00', currency: 'EUR' })
      .uponReceiving('a credit check for an order within the credit limit')
      .withRequest('POST', '/customers/C-100/credit-check', (b) => b.headers({ traceparent: traceparent() }).jsonBody({ amount: { amount: '42.00', currency: 'EUR' } }))
      .willRespondWith(200, (b) =>
        b.jsonBody({ customerId: 'C-100', approved: true, creditLimit: { amount: '10000.00', currency: 'EUR' }, openExposure: money('1250.00'), availableCredit: money('8750.00') }),
      )
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const subtotal = orderTotals(LINES, 'EUR', '0.19').subtotal;
          expect(subtotal).toEqual({ amount: '42.00', currency: 'EUR' });
          const res = await erpClient(transport).POST('/customers/{customerId}/credit-check', { params: { path: { customerId: 'C-100' } }, body: { amount: subtotal }, headers: HEADERS });
          const outcome = classifyResponse(res.response, res.data ?? res.error, NOW);
          expect(outcome.kind).toBe('ok');
          expect(res.data).toMatchObject({ approved: true, creditLimit: { amount: '10000.00' } });
        }),
      );
  });

  it('checks credit for an order above the limit: refused with a reason', async () => {
    await pact
      .addInteraction()
      .given('customer C-100 has credit limit 10000.00 EUR', { customerId: 'C-100', creditLimit: '10000.00', currency: 'EUR' })
      .uponReceiving('a credit check for an order above the credit limit')
      .withRequest('POST', '/customers/C-100/credit-check', (b) => b.headers({ traceparent: traceparent() }).jsonBody({ amount: { amount: '12000.00', currency: 'EUR' } }))
      .willRespondWith(200, (b) =>
        b.jsonBody({
          customerId: 'C-100',
          approved: false,
          creditLimit: { amount: '10000.00', currency: 'EUR' },
          openExposure: money('1250.00'),
          availableCredit: money('8750.00'),
          reason: 'CREDIT_LIMIT_EXCEEDED',
        }),
      )
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).POST('/customers/{customerId}/credit-check', { params: { path: { customerId: 'C-100' } }, body: { amount: { amount: '12000.00', currency: 'EUR' } }, headers: HEADERS });
          expect(res.data).toMatchObject({ approved: false, reason: 'CREDIT_LIMIT_EXCEEDED' });
        }),
      );
  });

  it('validates prices at list price', async () => {
    await pact
      .addInteraction()
      .given('item BRG-6204 lists at 4.20 EUR', { itemNumber: 'BRG-6204', price: '4.20', currency: 'EUR' })
      .uponReceiving('a price validation of an order at list price')
      .withRequest('POST', '/pricing/validate', (b) => b.headers({ traceparent: traceparent() }).jsonBody(toPriceValidation('C-100', 'EUR', LINES)))
      .willRespondWith(200, (b) =>
        b.jsonBody({ valid: true, lines: eachLike({ itemNumber: 'BRG-6204', listPrice: { amount: '4.20', currency: 'EUR' }, unitPrice: { amount: '4.20', currency: 'EUR' }, valid: true }) }),
      )
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).POST('/pricing/validate', { body: toPriceValidation('C-100', 'EUR', LINES), headers: HEADERS });
          expect(res.data).toMatchObject({ valid: true });
        }),
      );
  });

  it('books a sales order under the order id', async () => {
    const o = order('0b7e2c1a-4d5f-4e6a-8b9c-1d2e3f4a5b01');
    await pact
      .addInteraction()
      .given('no sales order is booked for external reference 0b7e2c1a-4d5f-4e6a-8b9c-1d2e3f4a5b01', { externalReference: o.id })
      .uponReceiving('a sales order booking')
      .withRequest('POST', '/sales-orders', (b) => b.headers({ traceparent: traceparent() }).jsonBody({ ...toSalesOrderCreate(o), externalReference: fromProviderState('${externalReference}', o.id) }))
      .willRespondWith(201, (b) => b.jsonBody(salesOrderBody(fromProviderState('${externalReference}', o.id), 'booked')))
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).POST('/sales-orders', { body: toSalesOrderCreate(o), headers: HEADERS });
          expect(classifyResponse(res.response, res.data ?? res.error, NOW).kind).toBe('ok');
          expect(res.data?.salesOrderNumber).toMatch(/^SO-\d+$/);
        }),
      );
  });

  it('finds the sales order booked for an order (before booking again)', async () => {
    const ref = '0b7e2c1a-4d5f-4e6a-8b9c-1d2e3f4a5b02';
    await pact
      .addInteraction()
      .given(`sales order SO-100045 is booked for external reference ${ref}`, { externalReference: ref })
      .uponReceiving('a look-up of the sales order of an external reference')
      .withRequest('GET', '/sales-orders', (b) => b.query({ externalReference: fromProviderState('${externalReference}', ref) }).headers({ traceparent: traceparent() }))
      .willRespondWith(200, (b) => b.jsonBody({ items: eachLike(salesOrderBody(fromProviderState('${externalReference}', ref), 'booked', fromProviderState('${salesOrderNumber}', 'SO-100045'))) }))
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).GET('/sales-orders', { params: { query: { externalReference: ref } }, headers: HEADERS });
          expect(res.data?.items[0]?.salesOrderNumber).toBe('SO-100045');
        }),
      );
  });

  it('is told to come back later while the ERP is in maintenance: 503 with Retry-After', async () => {
    const o = order('0b7e2c1a-4d5f-4e6a-8b9c-1d2e3f4a5b03');
    await pact
      .addInteraction()
      .given('the ERP is in a maintenance window')
      .uponReceiving('a sales order booking during a maintenance window')
      .withRequest('POST', '/sales-orders', (b) => b.headers({ traceparent: traceparent() }).jsonBody(toSalesOrderCreate(o)))
      .willRespondWith(503, (b) =>
        problemJson(b, { 'Retry-After': retryAfterSeconds('120') }, problemBody(503, { type: 'https://faultline.dev/problems/erp/maintenance', title: 'Service unavailable', detail: 'The ERP is down for maintenance.', instance: '/sales-orders' })),
      )
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).POST('/sales-orders', { body: toSalesOrderCreate(o), headers: HEADERS });
          const outcome = classifyResponse(res.response, res.data ?? res.error, NOW);
          // The layer's reading of the answer: try again later, not before Retry-After, and the booking did not happen.
          expect(outcome).toMatchObject({ kind: 'transient', status: 503, retryAfterMs: 120_000, indeterminate: false });
        }),
      );
  });

  it('cancels a booked sales order', async () => {
    const ref = '0b7e2c1a-4d5f-4e6a-8b9c-1d2e3f4a5b04';
    await pact
      .addInteraction()
      .given(`sales order SO-100046 is booked for external reference ${ref}`, { externalReference: ref })
      .uponReceiving('the cancellation of a booked sales order')
      .withRequest('POST', fromProviderState('/sales-orders/${salesOrderNumber}/cancel', '/sales-orders/SO-100046/cancel'), (b) => b.headers({ traceparent: traceparent() }))
      .willRespondWith(200, (b) => b.jsonBody(salesOrderBody(fromProviderState('${externalReference}', ref), 'cancelled', fromProviderState('${salesOrderNumber}', 'SO-100046'))))
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).POST('/sales-orders/{salesOrderNumber}/cancel', { params: { path: { salesOrderNumber: 'SO-100046' } }, headers: HEADERS });
          expect(res.data?.status).toBe('cancelled');
        }),
      );
  });

  it('posts the goods issue of a shipment', async () => {
    const ref = '0b7e2c1a-4d5f-4e6a-8b9c-1d2e3f4a5b05';
    const shipmentId = '7c4d2e1f-9a8b-4c7d-8e6f-5a4b3c2d1e05';
    await pact
      .addInteraction()
      .given(`sales order SO-100047 is booked for external reference ${ref}`, { externalReference: ref })
      .given(`no goods issue is posted for external reference ${shipmentId}`, { goodsIssueReference: shipmentId })
      .uponReceiving('a goods issue for a shipped order')
      .withRequest('POST', '/goods-issues', (b) =>
        b.headers({ traceparent: traceparent() }).jsonBody({
          externalReference: fromProviderState('${goodsIssueReference}', shipmentId),
          salesOrderNumber: fromProviderState('${salesOrderNumber}', 'SO-100047'),
          warehouse: 'DC-EAST',
          shippedAt: '2026-01-05T14:30:00.000Z',
          carrier: 'carrier-swift',
          trackingNumber: 'SW4821900001',
          lines: [{ itemNumber: 'BRG-6204', qty: 10, uom: 'EA' }],
        }),
      )
      .willRespondWith(201, (b) =>
        b.jsonBody({
          goodsIssueNumber: regex('^GI-[0-9]+$', 'GI-200311'),
          externalReference: fromProviderState('${goodsIssueReference}', shipmentId),
          salesOrderNumber: fromProviderState('${salesOrderNumber}', 'SO-100047'),
          postedAt: timestamp('2026-01-05T14:30:02Z'),
        }),
      )
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).POST('/goods-issues', {
            body: { externalReference: shipmentId, salesOrderNumber: 'SO-100047', warehouse: 'DC-EAST', shippedAt: '2026-01-05T14:30:00.000Z', carrier: 'carrier-swift', trackingNumber: 'SW4821900001', lines: [{ itemNumber: 'BRG-6204', qty: 10, uom: 'EA' }] },
            headers: HEADERS,
          });
          expect(res.data?.goodsIssueNumber).toMatch(/^GI-\d+$/);
        }),
      );
  });

  it('posts the invoice once the goods are issued', async () => {
    const ref = '0b7e2c1a-4d5f-4e6a-8b9c-1d2e3f4a5b06';
    await pact
      .addInteraction()
      .given(`sales order SO-100048 for external reference ${ref} has its goods issued`, { externalReference: ref })
      .given(`no invoice is posted for external reference ${ref}`, { invoiceReference: ref })
      .uponReceiving('an invoice for a sales order whose goods are issued')
      .withRequest('POST', '/invoices', (b) =>
        b.headers({ traceparent: traceparent() }).jsonBody({ externalReference: fromProviderState('${invoiceReference}', ref), salesOrderNumber: fromProviderState('${salesOrderNumber}', 'SO-100048'), invoiceDate: '2026-01-05' }),
      )
      .willRespondWith(201, (b) =>
        b.jsonBody({
          invoiceNumber: regex('^INV-[0-9]+$', 'INV-300127'),
          externalReference: fromProviderState('${invoiceReference}', ref),
          salesOrderNumber: fromProviderState('${salesOrderNumber}', 'SO-100048'),
          invoiceDate: '2026-01-05',
          total: money('49.98'),
          tax: money('7.98'),
          lines: eachLike({ lineNumber: 1, itemNumber: 'BRG-6204', qty: like(10), uom: 'EA', unitPrice: money('4.20'), netAmount: money('42.00') }),
          postedAt: timestamp('2026-01-05T14:31:00Z'),
        }),
      )
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).POST('/invoices', { body: { externalReference: ref, salesOrderNumber: 'SO-100048', invoiceDate: '2026-01-05' }, headers: HEADERS });
          expect(res.data?.invoiceNumber).toMatch(/^INV-\d+$/);
        }),
      );
  });

  it('posts a credit memo for a received return', async () => {
    const ref = '0b7e2c1a-4d5f-4e6a-8b9c-1d2e3f4a5b07';
    const returnId = '3e5f7a9b-1c2d-4e3f-8a4b-5c6d7e8f9a07';
    await pact
      .addInteraction()
      .given(`sales order SO-100049 for external reference ${ref} is invoiced`, { externalReference: ref })
      .given(`no credit memo is posted for external reference ${returnId}`, { creditMemoReference: returnId })
      .uponReceiving('a credit memo for returned goods')
      .withRequest('POST', '/credit-memos', (b) =>
        b.headers({ traceparent: traceparent() }).jsonBody({
          externalReference: fromProviderState('${creditMemoReference}', returnId),
          salesOrderNumber: fromProviderState('${salesOrderNumber}', 'SO-100049'),
          reason: CREDIT_REASON.damaged!,
          lines: [{ itemNumber: 'BRG-6204', qty: 2, uom: 'EA' }],
          invoiceNumber: fromProviderState('${invoiceNumber}', 'INV-300127'),
        }),
      )
      .willRespondWith(201, (b) =>
        b.jsonBody({
          creditMemoNumber: regex('^CM-[0-9]+$', 'CM-400018'),
          externalReference: fromProviderState('${creditMemoReference}', returnId),
          salesOrderNumber: fromProviderState('${salesOrderNumber}', 'SO-100049'),
          amount: money('10.00'),
          postedAt: timestamp('2026-01-08T09:00:00Z'),
        }),
      )
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).POST('/credit-memos', {
            body: { externalReference: returnId, salesOrderNumber: 'SO-100049', reason: CREDIT_REASON.damaged!, lines: [{ itemNumber: 'BRG-6204', qty: 2, uom: 'EA' }], invoiceNumber: 'INV-300127' },
            headers: HEADERS,
          });
          expect(res.data?.creditMemoNumber).toMatch(/^CM-\d+$/);
        }),
      );
  });

  it('reads the inventory balances for reconciliation', async () => {
    await pact
      .addInteraction()
      .uponReceiving('a read of every inventory balance')
      .withRequest('GET', '/inventory/balances', (b) => b.headers({ traceparent: traceparent() }))
      .willRespondWith(200, (b) => b.jsonBody({ asOf: timestamp('2026-01-05T08:00:00Z'), items: eachLike({ itemNumber: like('BRG-6204'), warehouse: like('DC-EAST'), onHand: like(500), uom: like('EA') }) }))
      .executeTest(async (server) =>
        withTransport('erp', server.url, async (transport) => {
          const res = await erpClient(transport).GET('/inventory/balances', { params: { query: {} }, headers: HEADERS });
          expect(res.data?.items.length).toBeGreaterThan(0);
        }),
      );
  });
});

