import { describe, expect, it } from 'vitest';
import { VirtualClock, DEFAULT_EPOCH } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { ErpSimulator, type ErpOptions } from '../../simulators/erp/index.ts';
import { conformant } from './helpers.ts';

const AUTH = { authorization: 'Bearer test-token' };

function world(options: Partial<ErpOptions> = {}, seed = 1) {
  const clock = new VirtualClock();
  const erp = new ErpSimulator({ clock, random: new SeededRandom(seed).fork('erp') }, options);
  const c = conformant('erp', erp.handler);
  /** Sends and runs the clock until the answer is there (service time is virtual). */
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH) => {
    const pending = c.send(method, path, body, headers);
    await clock.run();
    return pending;
  };
  return { clock, erp, c, call };
}

const order = (ref: string, lines = [{ lineNumber: 1, itemNumber: 'BRG-6204', qty: 10, uom: 'EA', unitPrice: { amount: '4.20', currency: 'EUR' } }], soldTo = 'C-100') => ({
  externalReference: ref,
  soldTo,
  currency: 'EUR',
  warehouse: 'DC-EAST',
  orderDate: '2026-01-05T08:00:00Z',
  lines,
});

const EXAMPLE_LINES = [
  { lineNumber: 1, itemNumber: 'BRG-6204', qty: 10, uom: 'EA', unitPrice: { amount: '4.20', currency: 'EUR' } },
  { lineNumber: 2, itemNumber: 'VLV-100', qty: 2, uom: 'EA', unitPrice: { amount: '38.00', currency: 'EUR' } },
  { lineNumber: 3, itemNumber: 'HOS-25M', qty: 1, uom: 'EA', unitPrice: { amount: '61.90', currency: 'EUR' } },
];

const goodsIssue = (ref: string, so: string, lines = [{ itemNumber: 'BRG-6204', qty: 10, uom: 'EA' }]) => ({
  externalReference: ref,
  salesOrderNumber: so,
  warehouse: 'DC-EAST',
  shippedAt: '2026-01-05T12:00:00Z',
  carrier: 'carrier-swift',
  trackingNumber: 'SW4821900001',
  lines,
});

describe('ERP simulator', () => {
  it('books sales orders with deterministic numbers, net totals in cents and a service time on the clock', async () => {
    const { call, clock, erp } = world({ serviceTime: { default: { distribution: 'fixed', ms: 40 } } });
    const first = await call('POST', '/sales-orders', order('ord-1', EXAMPLE_LINES));
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe('/sales-orders/SO-100001');
    expect(first.body).toMatchObject({ salesOrderNumber: 'SO-100001', status: 'booked', total: { amount: '179.90', currency: 'EUR' } });
    expect(first.body.lines.map((l: { netAmount: { amount: string } }) => l.netAmount.amount)).toEqual(['42.00', '76.00', '61.90']);
    expect(clock.now()).toBe(DEFAULT_EPOCH + 40);
    expect((await call('POST', '/sales-orders', order('ord-2'))).body.salesOrderNumber).toBe('SO-100002');
    const truth = erp.truth();
    expect(truth.salesOrders.map((so) => [so.document.salesOrderNumber, so.at])).toEqual([
      ['SO-100001', DEFAULT_EPOCH + 40],
      ['SO-100002', DEFAULT_EPOCH + 80],
    ]);
    expect(truth.requests[0]).toMatchObject({ operationId: 'bookSalesOrder', reference: 'ord-1', status: 201, receivedAt: DEFAULT_EPOCH, answeredAt: DEFAULT_EPOCH + 40 });
  });

  it('return-existing: a reference booked before answers 200 with the existing order and books nothing', async () => {
    const { call, erp } = world({ duplicateReferencePolicy: 'return-existing' });
    await call('POST', '/sales-orders', order('ord-1'));
    const again = await call('POST', '/sales-orders', order('ord-1', EXAMPLE_LINES));
    expect(again.status).toBe(200);
    expect(again.body.salesOrderNumber).toBe('SO-100001');
    expect(again.body.total.amount).toBe('42.00');
    expect(erp.truth().salesOrders).toHaveLength(1);
    expect((await call('GET', '/sales-orders?externalReference=ord-1')).body.items).toHaveLength(1);
  });

  it('reject: a reference booked before answers 409 naming the existing sales order', async () => {
    const { call, erp } = world({ duplicateReferencePolicy: 'reject' });
    await call('POST', '/sales-orders', order('ord-1'));
    const again = await call('POST', '/sales-orders', order('ord-1'));
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toBe('application/problem+json');
    expect(again.body).toMatchObject({ type: 'https://faultline.dev/problems/erp/duplicate-external-reference', externalReference: 'ord-1', salesOrderNumber: 'SO-100001' });
    expect(erp.truth().salesOrders).toHaveLength(1);
  });

  it('book-again: a reference booked before is booked a second time, visible in truth and the lookup', async () => {
    const { call, erp } = world({ duplicateReferencePolicy: 'book-again' });
    await call('POST', '/sales-orders', order('ord-1'));
    const again = await call('POST', '/sales-orders', order('ord-1'));
    expect(again.status).toBe(201);
    expect(again.body.salesOrderNumber).toBe('SO-100002');
    const found = await call('GET', '/sales-orders?externalReference=ord-1');
    expect(found.body.items.map((so: { salesOrderNumber: string }) => so.salesOrderNumber)).toEqual(['SO-100001', 'SO-100002']);
    expect(erp.truth().salesOrders.map((so) => so.duplicateOf)).toEqual([undefined, 'SO-100001']);
  });

  it('tracks credit exposure: open orders (gross), receivables after invoicing, cancellation and payment on virtual time', async () => {
    const { call, clock } = world({ paymentDelay: { distribution: 'fixed', ms: 10 * 86_400_000 } });
    const credit = async (amount: string) => (await call('POST', '/customers/C-100/credit-check', { amount: { amount, currency: 'EUR' } })).body;
    expect(await credit('100.00')).toMatchObject({ approved: true, creditLimit: { amount: '10000.00' }, openExposure: { amount: '0.00' }, availableCredit: { amount: '10000.00' } });

    const so1 = (await call('POST', '/sales-orders', order('ord-1', EXAMPLE_LINES))).body.salesOrderNumber; // net 179.90, gross 214.08
    const so2 = (await call('POST', '/sales-orders', order('ord-2'))).body.salesOrderNumber; // net 42.00, gross 49.98
    expect((await credit('1.00')).openExposure.amount).toBe('264.06');

    await call('POST', `/sales-orders/${so2}/cancel`);
    expect((await credit('1.00')).openExposure.amount).toBe('214.08');

    await call('POST', '/goods-issues', goodsIssue('shp-1', so1, EXAMPLE_LINES.map(({ itemNumber, qty, uom }) => ({ itemNumber, qty, uom }))));
    const invoice = await call('POST', '/invoices', { externalReference: 'inv-1', salesOrderNumber: so1, invoiceDate: '2026-01-05' });
    expect(invoice.body).toMatchObject({ total: { amount: '214.08' }, tax: { amount: '34.18' } });
    expect((await credit('1.00')).openExposure.amount).toBe('214.08'); // now a receivable

    const refused = await credit('9785.93');
    expect(refused).toMatchObject({ approved: false, reason: 'CREDIT_LIMIT_EXCEEDED', availableCredit: { amount: '9785.92' } });
    expect((await credit('9785.92')).approved).toBe(true);

    await clock.advanceBy(10 * 86_400_000);
    expect((await credit('1.00')).openExposure.amount).toBe('0.00'); // paid
  });

  it('refuses credit for blocked and overdue customers, and 422 for another currency', async () => {
    const { call } = world({
      customers: [
        { customerId: 'C-1', name: 'Blocked', currency: 'EUR', creditLimit: '100.00', blocked: true },
        { customerId: 'C-2', name: 'Late', currency: 'EUR', creditLimit: '100.00', overdue: true },
      ],
    });
    expect((await call('POST', '/customers/C-1/credit-check', { amount: { amount: '1.00', currency: 'EUR' } })).body.reason).toBe('CUSTOMER_BLOCKED');
    expect((await call('POST', '/customers/C-2/credit-check', { amount: { amount: '1.00', currency: 'EUR' } })).body.reason).toBe('OVERDUE_ITEMS');
    const usd = await call('POST', '/customers/C-2/credit-check', { amount: { amount: '1.00', currency: 'USD' } });
    expect(usd.status).toBe(422);
    expect(usd.body.errors[0].pointer).toBe('/amount/currency');
    expect((await call('POST', '/customers/C-9/credit-check', { amount: { amount: '1.00', currency: 'EUR' } })).status).toBe(404);
    expect((await call('POST', '/sales-orders', order('x', undefined, 'C-1'))).body.type).toBe('https://faultline.dev/problems/erp/customer-blocked');
  });

  it('validates prices against the list price and customer conditions', async () => {
    const { call } = world({ customerPrices: { 'C-100': { 'VLV-100': '36.00' } } });
    const res = await call('POST', '/pricing/validate', {
      soldTo: 'C-100',
      currency: 'EUR',
      lines: [
        { itemNumber: 'BRG-6204', qty: 10, uom: 'EA', unitPrice: { amount: '4.2', currency: 'EUR' } },
        { itemNumber: 'VLV-100', qty: 2, uom: 'EA', unitPrice: { amount: '38.00', currency: 'EUR' } },
      ],
    });
    expect(res.body.valid).toBe(false);
    expect(res.body.lines.map((l: { valid: boolean; reason?: string; listPrice: { amount: string } }) => [l.valid, l.reason, l.listPrice.amount])).toEqual([
      [true, undefined, '4.20'],
      [false, 'PRICE_MISMATCH', '36.00'],
    ]);
    const hose = await call('POST', '/pricing/validate', { soldTo: 'C-100', currency: 'EUR', lines: [{ itemNumber: 'HOS-25M', qty: 1, uom: 'M', unitPrice: { amount: '61.90', currency: 'EUR' } }] });
    expect(hose.status).toBe(422);
    expect(hose.body).toMatchObject({ type: 'https://faultline.dev/problems/erp/uom-not-allowed', errors: [{ pointer: '/lines/0/uom' }] });
    const unknown = await call('POST', '/pricing/validate', { soldTo: 'C-100', currency: 'EUR', lines: [{ itemNumber: 'BRG-6299', qty: 1, uom: 'EA', unitPrice: { amount: '1.00', currency: 'EUR' } }] });
    expect(unknown.body.type).toBe('https://faultline.dev/problems/erp/unknown-item');
  });

  it('cancel is idempotent before goods issue and 409 after it; goods issues decrement balances and cap at the open quantity', async () => {
    const { call, erp } = world();
    const before = (await call('GET', '/inventory/balances?itemNumber=BRG-6204&warehouse=DC-EAST')).body.items[0].onHand;
    const so1 = (await call('POST', '/sales-orders', order('ord-1'))).body.salesOrderNumber;
    const so2 = (await call('POST', '/sales-orders', order('ord-2'))).body.salesOrderNumber;
    expect((await call('POST', `/sales-orders/${so1}/cancel`)).body.status).toBe('cancelled');
    expect((await call('POST', `/sales-orders/${so1}/cancel`)).status).toBe(200);
    expect((await call('POST', '/goods-issues', goodsIssue('shp-x', so1))).body.type).toBe('https://faultline.dev/problems/erp/sales-order-cancelled');

    const gi = await call('POST', '/goods-issues', goodsIssue('shp-2', so2, [{ itemNumber: 'BRG-6204', qty: 4, uom: 'EA' }]));
    expect(gi.status).toBe(201);
    expect(gi.body.goodsIssueNumber).toBe('GI-200001');
    expect((await call('GET', `/sales-orders/${so2}`)).body.status).toBe('goods_issued');
    const cancel = await call('POST', `/sales-orders/${so2}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body).toMatchObject({ type: 'https://faultline.dev/problems/erp/goods-already-issued', salesOrderNumber: so2 });

    const over = await call('POST', '/goods-issues', goodsIssue('shp-3', so2, [{ itemNumber: 'BRG-6204', qty: 7, uom: 'EA' }]));
    expect(over.status).toBe(409);
    expect(over.body.type).toBe('https://faultline.dev/problems/erp/quantity-exceeds-open');
    expect((await call('POST', '/goods-issues', goodsIssue('shp-4', so2, [{ itemNumber: 'VLV-100', qty: 1, uom: 'EA' }]))).body.type).toBe('https://faultline.dev/problems/erp/item-not-on-document');
    expect((await call('POST', '/goods-issues', { ...goodsIssue('shp-5', so2), warehouse: 'DC-WEST' })).body.type).toBe('https://faultline.dev/problems/erp/warehouse-mismatch');

    expect((await call('GET', '/inventory/balances?itemNumber=BRG-6204&warehouse=DC-EAST')).body.items[0].onHand).toBe(before - 4);
    expect((await call('GET', '/goods-issues?externalReference=shp-2')).body.items).toHaveLength(1);
    expect(erp.truth().balances.find((b) => b.itemNumber === 'BRG-6204' && b.warehouse === 'DC-EAST')?.onHand).toBe(before - 4);
    expect((await call('GET', '/inventory/balances?warehouse=DC-NORTH')).status).toBe(422);
  });

  it('invoices what is issued and not yet invoiced, exactly once per policy; credit memos are capped at invoiced minus credited', async () => {
    const { call, erp } = world({ duplicateReferencePolicy: 'reject' });
    const so = (await call('POST', '/sales-orders', order('ord-1', EXAMPLE_LINES))).body.salesOrderNumber;
    const early = await call('POST', '/invoices', { externalReference: 'inv-1', salesOrderNumber: so, invoiceDate: '2026-01-05' });
    expect(early.body.type).toBe('https://faultline.dev/problems/erp/nothing-to-invoice');
    await call('POST', '/goods-issues', goodsIssue('shp-1', so, EXAMPLE_LINES.map(({ itemNumber, qty, uom }) => ({ itemNumber, qty, uom }))));
    const inv = await call('POST', '/invoices', { externalReference: 'inv-1', salesOrderNumber: so, invoiceDate: '2026-01-05' });
    expect(inv.status).toBe(201);
    expect(inv.body).toMatchObject({ invoiceNumber: 'INV-300001', total: { amount: '214.08', currency: 'EUR' }, tax: { amount: '34.18', currency: 'EUR' } });
    expect((await call('POST', '/invoices', { externalReference: 'inv-1', salesOrderNumber: so, invoiceDate: '2026-01-05' })).body).toMatchObject({ status: 409, invoiceNumber: 'INV-300001' });
    expect((await call('POST', '/invoices', { externalReference: 'inv-2', salesOrderNumber: so, invoiceDate: '2026-01-05' })).body.type).toBe('https://faultline.dev/problems/erp/nothing-to-invoice');
    expect((await call('GET', `/invoices?salesOrderNumber=${so}`)).body.items).toHaveLength(1);
    expect((await call('GET', '/invoices/INV-300001')).body.invoiceNumber).toBe('INV-300001');
    expect((await call('GET', `/sales-orders/${so}`)).body.status).toBe('invoiced');

    const memo = await call('POST', '/credit-memos', { externalReference: 'ret-1', salesOrderNumber: so, invoiceNumber: 'INV-300001', reason: 'DAMAGED', lines: [{ itemNumber: 'VLV-100', qty: 1, uom: 'EA' }] });
    expect(memo.status).toBe(201);
    expect(memo.body).toMatchObject({ creditMemoNumber: 'CM-400001', amount: { amount: '45.22', currency: 'EUR' } }); // 38.00 + 19 % = 45.22
    const tooMuch = await call('POST', '/credit-memos', { externalReference: 'ret-2', salesOrderNumber: so, reason: 'NOT_NEEDED', lines: [{ itemNumber: 'VLV-100', qty: 2, uom: 'EA' }] });
    expect(tooMuch.body.type).toBe('https://faultline.dev/problems/erp/credit-exceeds-invoiced');
    expect((await call('GET', '/credit-memos?externalReference=ret-1')).body.items).toHaveLength(1);
    expect(erp.truth().invoices).toHaveLength(1);
    expect(erp.truth().creditMemos.map((m) => m.document.amount.amount)).toEqual(['45.22']);
  });

  it('answers what the contract forbids with 400/401/404/422 problem+json, never 500', async () => {
    const { call, c } = world();
    const bad = await call('POST', '/sales-orders', { ...order('ord-1'), lines: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('/body/lines');
    expect(bad.body.type).toBe('https://faultline.dev/problems/erp/invalid-request');
    expect((await call('POST', '/sales-orders', '{"externalReference": ')).status).toBe(400);
    expect((await call('POST', '/sales-orders', 'x', { ...AUTH, 'content-type': 'text/plain' })).status).toBe(400);
    expect((await call('POST', '/sales-orders', { ...order('ord-1'), extra: true })).status).toBe(400);
    expect((await call('GET', '/sales-orders/not-a-number')).status).toBe(400);
    expect((await call('GET', '/sales-orders/SO-1')).status).toBe(404);
    expect((await call('GET', '/sales-orders')).status).toBe(400); // externalReference is required
    expect((await call('POST', '/sales-orders', order('ord-1'), {})).status).toBe(401);
    expect((await call('POST', '/sales-orders', order('ord-1'), { authorization: 'Basic abc' })).status).toBe(401);
    expect((await call('POST', '/sales-orders', { ...order('ord-1'), warehouse: 'DC-NORTH' })).body.type).toBe('https://faultline.dev/problems/erp/unknown-warehouse');
    expect((await call('POST', '/sales-orders', order('ord-1', [EXAMPLE_LINES[0]!, EXAMPLE_LINES[0]!]))).status).toBe(400);
    expect((await call('DELETE', '/sales-orders')).status).toBe(405);
    expect((await call('GET', '/nowhere')).status).toBe(404);
    expect([...c.checked.keys()].some((k) => k.endsWith(' 500'))).toBe(false);
  });

  it('accepts only configured tokens when given a list', async () => {
    const { call } = world({ auth: ['secret'] });
    expect((await call('GET', '/sales-orders?externalReference=a')).status).toBe(401);
    expect((await call('GET', '/sales-orders?externalReference=a', undefined, { authorization: 'Bearer secret' })).status).toBe(200);
  });

  it('models document locks at the configured rate (seeded)', async () => {
    const { call } = world({ documentLockedProbability: 0.5 }, 7);
    let locked = 0;
    for (let i = 0; i < 200; i++) {
      const so = (await call('POST', '/sales-orders', order(`ord-${i}`))).body.salesOrderNumber;
      const res = await call('POST', `/sales-orders/${so}/cancel`);
      if (res.status === 422) {
        expect(res.body.type).toBe('https://faultline.dev/problems/erp/document-locked');
        locked++;
      }
    }
    expect(locked / 200).toBeGreaterThan(0.4);
    expect(locked / 200).toBeLessThan(0.6);
  });

  it('is deterministic: the same seed gives the same request log and documents', async () => {
    const script = async (seed: number) => {
      const { call, erp } = world({ duplicateReferencePolicy: 'book-again' }, seed);
      for (let i = 0; i < 20; i++) await call('POST', '/sales-orders', order(`ord-${i % 7}`));
      return JSON.stringify(erp.truth());
    };
    expect(await script(3)).toBe(await script(3));
    expect(await script(3)).not.toBe(await script(4)); // service times differ
  });
});
