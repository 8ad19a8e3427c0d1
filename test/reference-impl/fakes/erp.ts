// A small stateful ERP for the layer's tests, served by the contract handler over the real
// erp.yaml (so every request the layer sends is checked against the contract). Not the simulator:
// just enough truth (what was booked, posted, invoiced, credited) to assert on.
import type { Clock, HttpResponse } from '../../../runtime/ports.ts';
import { json, problem } from '../../../runtime/http/problem.ts';
import { contractServer } from './contract-server.ts';
import type { components, operations } from '../../../contracts/generated/openapi/erp.ts';

type S = components['schemas'];

export interface ErpCall {
  operation: string;
  at: number;
  body: unknown;
  path: string;
  traceparent?: string;
}

export interface FakeErpOptions {
  /** What a repeated external reference gets. `book-again` is an ERP without a duplicate check. */
  duplicatePolicy?: 'return-existing' | 'reject' | 'book-again';
  customers?: Record<string, { creditLimit: string; blocked?: boolean }>;
  /** Price per sku (every customer), and the units it is sold in. */
  items?: Record<string, { price: string; uoms?: string[] }>;
}

const cents = (amount: string): number => Math.round(Number(amount) * 100);
const money = (c: number): S['Money'] => ({ amount: (c / 100).toFixed(2), currency: 'EUR' });

export class FakeErp {
  readonly calls: ErpCall[] = [];
  readonly salesOrders: S['SalesOrder'][] = [];
  readonly goodsIssues: S['GoodsIssue'][] = [];
  readonly invoices: S['Invoice'][] = [];
  readonly creditMemos: S['CreditMemo'][] = [];
  readonly balances: S['InventoryBalance'][] = [];
  duplicatePolicy: 'return-existing' | 'reject' | 'book-again';
  customers: Record<string, { creditLimit: string; blocked?: boolean }>;
  items: Record<string, { price: string; uoms?: string[] }>;
  private seq = 100000;
  /** Indexes, so the fake stays linear at bench volumes. */
  private readonly byRef = new Map<string, S['SalesOrder'][]>();
  private readonly byNumber = new Map<string, S['SalesOrder']>();
  private readonly exposure = new Map<string, number>();
  private readonly giByRef = new Map<string, S['GoodsIssue'][]>();
  private readonly invoiceByRef = new Map<string, S['Invoice']>();
  private readonly invoicesBySo = new Map<string, S['Invoice'][]>();
  private readonly memoByRef = new Map<string, S['CreditMemo'][]>();

  constructor(
    private readonly clock: Clock,
    options: FakeErpOptions = {},
  ) {
    this.duplicatePolicy = options.duplicatePolicy ?? 'return-existing';
    this.customers = options.customers ?? { 'C-100': { creditLimit: '100000.00' } };
    this.items = options.items ?? {};
  }

  callsOf(operation: string): ErpCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  bookedFor(externalReference: string): S['SalesOrder'][] {
    return this.byRef.get(externalReference) ?? [];
  }

  private so(number: string): S['SalesOrder'] | undefined {
    return this.byNumber.get(number);
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private duplicate(existing: { externalReference: string } & Record<string, unknown>, numberField: string): HttpResponse | undefined {
    if (this.duplicatePolicy === 'book-again') return undefined;
    if (this.duplicatePolicy === 'return-existing') return json(200, existing);
    return problem(409, 'Duplicate external reference', `External reference ${existing.externalReference} is already posted as ${String(existing[numberField])}.`, {
      type: 'https://faultline.dev/problems/erp/duplicate-external-reference',
      extra: { instance: '/', externalReference: existing.externalReference, [numberField]: existing[numberField] },
    });
  }

  readonly handler = contractServer<operations>(
    'erp',
    {
      checkCredit: async ({ params, body }) => {
        const c = this.customers[params.path.customerId];
        if (!c) return problem(404, 'Customer not found', `No customer ${params.path.customerId}.`, { type: 'https://faultline.dev/problems/erp/not-found', extra: { instance: '/' } });
        const exposure = this.exposure.get(params.path.customerId) ?? 0;
        const available = cents(c.creditLimit) - exposure;
        const approved = !c.blocked && cents(body.amount.amount) <= available;
        const result: S['CreditCheckResult'] = { customerId: params.path.customerId, approved, creditLimit: money(cents(c.creditLimit)), openExposure: money(exposure), availableCredit: money(available) };
        if (!approved) result.reason = c.blocked ? 'CUSTOMER_BLOCKED' : 'CREDIT_LIMIT_EXCEEDED';
        return json(200, result);
      },
      validatePrices: async ({ body }) => {
        if (!this.customers[body.soldTo]) return problem(422, 'Unknown customer', `No customer ${body.soldTo}.`, { type: 'https://faultline.dev/problems/erp/unknown-customer', extra: { instance: '/' }, errors: [{ pointer: '/soldTo', message: 'unknown' }] });
        for (const [i, l] of body.lines.entries()) {
          const item = this.items[l.itemNumber];
          if (!item) return problem(422, 'Unknown item', `Item ${l.itemNumber} does not exist.`, { type: 'https://faultline.dev/problems/erp/unknown-item', extra: { instance: '/' }, errors: [{ pointer: `/lines/${i}/itemNumber`, message: `unknown item ${l.itemNumber}` }] });
          if (item.uoms && !item.uoms.includes(l.uom)) return problem(422, 'Unit not allowed', `${l.itemNumber} has no sales unit ${l.uom}.`, { type: 'https://faultline.dev/problems/erp/uom-not-allowed', extra: { instance: '/' }, errors: [{ pointer: `/lines/${i}/uom`, message: `allowed units are ${item.uoms.join(', ')}` }] });
        }
        const lines = body.lines.map((l) => {
          const list = this.items[l.itemNumber]!.price;
          const valid = cents(list) === cents(l.unitPrice.amount);
          return { itemNumber: l.itemNumber, listPrice: { amount: list, currency: body.currency }, unitPrice: l.unitPrice, valid, ...(valid ? {} : { reason: 'PRICE_MISMATCH' as const }) };
        });
        return json(200, { valid: lines.every((l) => l.valid), lines });
      },
      bookSalesOrder: async ({ body }) => {
        const existing = this.bookedFor(body.externalReference)[0];
        if (existing) {
          const dup = this.duplicate(existing, 'salesOrderNumber');
          if (dup) return dup;
        }
        const lines = body.lines.map((l) => ({ ...l, netAmount: money(Math.round(cents(l.unitPrice.amount) * l.qty)) }));
        const so: S['SalesOrder'] = {
          salesOrderNumber: `SO-${++this.seq}`,
          externalReference: body.externalReference,
          soldTo: body.soldTo,
          warehouse: body.warehouse,
          status: 'booked',
          total: money(lines.reduce((n, l) => n + cents(l.netAmount.amount), 0)),
          lines,
          bookedAt: this.now(),
        };
        this.salesOrders.push(so);
        this.byRef.set(so.externalReference, [...this.bookedFor(so.externalReference), so]);
        this.byNumber.set(so.salesOrderNumber, so);
        this.exposure.set(so.soldTo, (this.exposure.get(so.soldTo) ?? 0) + cents(so.total.amount));
        return json(201, so, { location: `/sales-orders/${so.salesOrderNumber}` });
      },
      findSalesOrders: async ({ params }) => json(200, { items: this.bookedFor(params.query.externalReference) }),
      getSalesOrder: async ({ params }) => {
        const so = this.so(params.path.salesOrderNumber);
        return so ? json(200, so) : problem(404, 'Not found', 'No such sales order.', { type: 'https://faultline.dev/problems/erp/not-found', extra: { instance: '/' } });
      },
      cancelSalesOrder: async ({ params }) => {
        const so = this.so(params.path.salesOrderNumber);
        if (!so) return problem(404, 'Not found', 'No such sales order.', { type: 'https://faultline.dev/problems/erp/not-found', extra: { instance: '/' } });
        if (so.status === 'booked') this.exposure.set(so.soldTo, (this.exposure.get(so.soldTo) ?? 0) - cents(so.total.amount));
        if (so.status !== 'booked' && so.status !== 'cancelled') return problem(409, 'Goods already issued', `${so.salesOrderNumber} has goods issued.`, { type: 'https://faultline.dev/problems/erp/goods-already-issued', extra: { instance: '/', salesOrderNumber: so.salesOrderNumber } });
        so.status = 'cancelled';
        return json(200, so);
      },
      listInventoryBalances: async () => json(200, { asOf: this.now(), items: this.balances }),
      postGoodsIssue: async ({ body }) => {
        const existing = this.giByRef.get(body.externalReference)?.[0];
        if (existing) {
          const dup = this.duplicate(existing, 'goodsIssueNumber');
          if (dup) return dup;
        }
        const so = this.so(body.salesOrderNumber);
        if (!so) return problem(404, 'Not found', 'No such sales order.', { type: 'https://faultline.dev/problems/erp/not-found', extra: { instance: '/' } });
        if (so.status === 'cancelled') return problem(409, 'Sales order cancelled', 'Cancelled.', { type: 'https://faultline.dev/problems/erp/sales-order-cancelled', extra: { instance: '/', salesOrderNumber: so.salesOrderNumber } });
        so.status = 'goods_issued';
        const gi = { goodsIssueNumber: `GI-${++this.seq}`, externalReference: body.externalReference, salesOrderNumber: body.salesOrderNumber, postedAt: this.now() };
        this.goodsIssues.push(gi);
        this.giByRef.set(gi.externalReference, [...(this.giByRef.get(gi.externalReference) ?? []), gi]);
        return json(201, gi);
      },
      findGoodsIssues: async ({ params }) => json(200, { items: this.giByRef.get(params.query.externalReference) ?? [] }),
      postInvoice: async ({ body }) => {
        const existing = this.invoiceByRef.get(body.externalReference);
        if (existing) {
          const dup = this.duplicate(existing, 'invoiceNumber');
          if (dup) return dup;
        }
        const so = this.so(body.salesOrderNumber);
        if (!so) return problem(404, 'Not found', 'No such sales order.', { type: 'https://faultline.dev/problems/erp/not-found', extra: { instance: '/' } });
        const net = cents(so.total.amount);
        const tax = Math.round(net * 0.19);
        const invoice: S['Invoice'] = { invoiceNumber: `INV-${++this.seq}`, externalReference: body.externalReference, salesOrderNumber: so.salesOrderNumber, invoiceDate: body.invoiceDate, total: money(net + tax), tax: money(tax), lines: so.lines, postedAt: this.now() };
        so.status = 'invoiced';
        this.invoices.push(invoice);
        if (!this.invoiceByRef.has(invoice.externalReference)) this.invoiceByRef.set(invoice.externalReference, invoice);
        this.invoicesBySo.set(invoice.salesOrderNumber, [...(this.invoicesBySo.get(invoice.salesOrderNumber) ?? []), invoice]);
        return json(201, invoice);
      },
      listInvoices: async ({ params }) => json(200, { items: this.invoicesBySo.get(params.query.salesOrderNumber) ?? [] }),
      postCreditMemo: async ({ body }) => {
        const existing = this.memoByRef.get(body.externalReference)?.[0];
        if (existing) {
          const dup = this.duplicate(existing, 'creditMemoNumber');
          if (dup) return dup;
        }
        const so = this.so(body.salesOrderNumber);
        const price = (item: string) => cents(so?.lines.find((l) => l.itemNumber === item)?.unitPrice.amount ?? '0');
        const memo: S['CreditMemo'] = { creditMemoNumber: `CM-${++this.seq}`, externalReference: body.externalReference, salesOrderNumber: body.salesOrderNumber, amount: money(body.lines.reduce((n, l) => n + price(l.itemNumber) * l.qty, 0)), postedAt: this.now() };
        this.creditMemos.push(memo);
        this.memoByRef.set(memo.externalReference, [...(this.memoByRef.get(memo.externalReference) ?? []), memo]);
        return json(201, memo);
      },
      findCreditMemos: async ({ params }) => json(200, { items: this.memoByRef.get(params.query.externalReference) ?? [] }),
    },
    (entry, request) => {
      const call: ErpCall = { operation: entry.operationId, at: this.clock.now(), body: request.body ? (JSON.parse(request.body) as unknown) : undefined, path: request.path };
      if (request.headers.traceparent) call.traceparent = request.headers.traceparent;
      this.calls.push(call);
      return undefined;
    },
  );
}
