import type { components, operations } from '../../contracts/generated/openapi/erp.ts';
import { loadOpenApi } from '../../contracts/load.ts';
import type { OperationHandlers } from '../../runtime/http/contract-handler.ts';
import type { OpenApiDocument, OperationEntry } from '../../runtime/http/openapi-document.ts';
import { json, problem, type FieldProblem } from '../../runtime/http/problem.ts';
import { sample, type Distribution } from '../../runtime/random/distributions.ts';
import type { Bus, Clock, HttpHandler, HttpRequest, HttpResponse, Random, Transport } from '../../runtime/ports.ts';
import { DEFAULT_CATALOG, DEFAULT_CUSTOMERS, DISTRIBUTION_CENTERS, initialStock, type CustomerAccount, type Uom } from '../shared/defaults.ts';
import { MinHeap } from '../../runtime/heap.ts';
import { Vocabulary } from '../../runtime/columns.ts';
import { formatCents, lineNetCents, sameAmount, taxCents, toCents } from '../shared/money.ts';
import { createSimulatorHandler, RequestLog, type RequestRecord, type ServiceTimeOptions } from '../shared/service.ts';
import { iso } from '../shared/time.ts';
import { ByReference, CreditMemoRecord, GoodsIssueRecord, InvoiceRecord, numbered, SalesOrderRecord, type CreditMemoTruth, type GoodsIssueTruth, type InvoiceTruth, type SalesOrderTruth } from './truth.ts';

type S = components['schemas'];
export type ErpOperationId = keyof operations & string;

/**
 * What the ERP does with an `externalReference` it has already booked (per document type):
 * - `return-existing`: `200` with the existing document, nothing posted (idempotent facade);
 * - `reject`: `409` `duplicate-external-reference` naming the existing document;
 * - `book-again`: no check at all; a second document is booked (`201`), as some real ERPs do. The
 *   duplicate is visible in `truth()` (`duplicateOf`) and through the lookups.
 */
export type DuplicateReferencePolicy = 'return-existing' | 'reject' | 'book-again';

/** An item the ERP sells. */
export interface ErpItem {
  itemNumber: string;
  /** Units the item may be sold in; the first is the unit balances are kept in. */
  salesUnits: Uom[];
  /** List price per sales unit. */
  listPrice: { amount: string; currency: string };
}

export interface ErpOptions {
  /** Customer master: credit limit (and currency), blocked / overdue flags. Default: `DEFAULT_CUSTOMERS` (C-100 with 10000.00 EUR, …). */
  customers: readonly CustomerAccount[];
  /** Items and list prices. Default: the default catalog (BRG-6204 4.20 EUR, VLV-100 38.00, HOS-25M 61.90, generated items), sold in `EA`. */
  items: readonly ErpItem[];
  /** Customer price conditions that override the list price: customerId → itemNumber → amount (in the item's currency). Default none. */
  customerPrices: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Warehouse codes the ERP knows (distribution centers). Default DC-EAST, DC-WEST. */
  warehouses: readonly string[];
  /** Opening stock balances (in the item's first sales unit). Default: the default initial stock of each distribution center. */
  openingBalances: ReadonlyArray<{ itemNumber: string; warehouse: string; onHand: number }>;
  /** Behaviour for an `externalReference` already posted, for every posting operation. Default `return-existing`. */
  duplicateReferencePolicy: DuplicateReferencePolicy;
  /** Output tax rate applied to invoices and credit memos, percent. Default 19. */
  taxRatePercent: number;
  /**
   * Time from an invoice's posting until the customer pays it (which clears it from the open
   * exposure), ms; `null`: invoices stay unpaid for the whole run. Default lognormal, median 14 days.
   */
  paymentDelay: Distribution | null;
  /** Service time per operation (ms). Default lognormal, median 40 ms, sigma 0.5 (a legacy ERP behind a REST facade). */
  serviceTime: ServiceTimeOptions<ErpOperationId>;
  /** How many of the latest requests `truth().requests` keeps: `Infinity` (default) all, `0` none. */
  requestLog: number;
  /** Probability that cancelling a sales order finds it locked by another ERP user (`422` `document-locked`). Default 0. */
  documentLockedProbability: number;
  /** First number of each document series (`SO-100001`, `GI-200001`, `INV-300001`, `CM-400001`). */
  numbering: { salesOrder: number; goodsIssue: number; invoice: number; creditMemo: number };
  /**
   * Bearer authentication: `any` requires an `Authorization: Bearer <token>` header with any token,
   * a list accepts only those tokens, `none` checks nothing. Default `any`.
   */
  auth: 'any' | 'none' | readonly string[];
}

export interface ErpPorts {
  clock: Clock;
  /** The ERP's own stream (`random.fork('erp')` in a world). */
  random: Random;
  transport?: Transport;
  bus?: Bus;
}

// ---------------------------------------------------------------------------------------------
// Ground truth
// ---------------------------------------------------------------------------------------------

export type { CreditMemoTruth, GoodsIssueTruth, InvoiceTruth, SalesOrderTruth } from './truth.ts';

export interface ErpTruth {
  salesOrders: readonly SalesOrderTruth[];
  goodsIssues: readonly GoodsIssueTruth[];
  invoices: readonly InvoiceTruth[];
  creditMemos: readonly CreditMemoTruth[];
  /** Every request received, in arrival order of its answer. */
  requests: readonly RequestRecord[];
  /** Current balances per item and warehouse. */
  balances: ReadonlyArray<{ itemNumber: string; warehouse: string; onHand: number }>;
}

// ---------------------------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------------------------

interface CustomerState {
  account: CustomerAccount;
  creditLimitCents: bigint;
  openOrderNetCents: bigint;
  receivableCents: bigint;
  payments: MinHeap<InvoiceRecord>;
}

const PROBLEM_BASE = 'https://faultline.dev/problems/erp/';

export const ERP_DEFAULTS: ErpOptions = {
  customers: DEFAULT_CUSTOMERS,
  items: DEFAULT_CATALOG.map((item) => ({ itemNumber: item.sku, salesUnits: [item.uom], listPrice: item.price })),
  customerPrices: {},
  warehouses: DISTRIBUTION_CENTERS,
  openingBalances: DISTRIBUTION_CENTERS.flatMap((dc) => initialStock(dc).map((s) => ({ itemNumber: s.sku, warehouse: dc, onHand: s.onHand }))),
  duplicateReferencePolicy: 'return-existing',
  taxRatePercent: 19,
  paymentDelay: { distribution: 'lognormal', median: 14 * 86_400_000, sigma: 0.3 },
  serviceTime: { default: { distribution: 'lognormal', median: 40, sigma: 0.5 } },
  requestLog: Number.POSITIVE_INFINITY,
  documentLockedProbability: 0,
  numbering: { salesOrder: 100001, goodsIssue: 200001, invoice: 300001, creditMemo: 400001 },
  auth: 'any',
};

/**
 * The ERP simulator: customers and credit, prices, sales orders booked by external reference,
 * stock balances, goods issues, invoices and credit memos, behind the `erp.yaml` facade.
 *
 * @example
 *   const erp = new ErpSimulator({ clock, random: random.fork('erp') }, { duplicateReferencePolicy: 'book-again' });
 *   transport.register('erp', erp.handler);
 *   // … run …
 *   erp.truth().salesOrders.filter((so) => so.duplicateOf);
 */
export class ErpSimulator {
  readonly handler: HttpHandler;
  readonly options: ErpOptions;

  private readonly clock: Clock;
  private readonly lockRandom: Random;
  private readonly paymentRandom: Random;
  private readonly taxBasisPoints: number;
  private readonly customers = new Map<string, CustomerState>();
  private readonly items = new Map<string, ErpItem>();
  private readonly warehouses: Set<string>;
  private readonly balances = new Map<string, { itemNumber: string; warehouse: string; onHand: number }>();

  // Every document in number order (found by number through `numbered`), and by reference.
  private readonly salesOrders: SalesOrderRecord[] = [];
  private readonly goodsIssues: GoodsIssueRecord[] = [];
  private readonly invoices: InvoiceRecord[] = [];
  private readonly creditMemos: CreditMemoRecord[] = [];
  private readonly requestLog: RequestLog;

  private readonly ordersByReference = new ByReference<SalesOrderRecord>();
  private readonly issuesByReference = new ByReference<GoodsIssueRecord>();
  private readonly invoicesByReference = new ByReference<InvoiceRecord>();
  private readonly memosByReference = new ByReference<CreditMemoRecord>();
  private readonly next: ErpOptions['numbering'];
  /** One instance of each short string documents repeat (customers, warehouses, currencies, carriers, dates). */
  private readonly words = new Vocabulary();

  constructor(ports: ErpPorts, options: Partial<ErpOptions> = {}) {
    this.options = { ...ERP_DEFAULTS, ...options };
    const o = this.options;
    if (!(o.taxRatePercent >= 0 && o.taxRatePercent <= 100)) throw new RangeError(`erp: taxRatePercent must be within 0..100, got ${o.taxRatePercent}`);
    if (!(o.documentLockedProbability >= 0 && o.documentLockedProbability <= 1)) throw new RangeError(`erp: documentLockedProbability must be within 0..1, got ${o.documentLockedProbability}`);
    this.clock = ports.clock;
    this.lockRandom = ports.random.fork('locks');
    this.paymentRandom = ports.random.fork('payments');
    this.taxBasisPoints = Math.round(o.taxRatePercent * 100);
    this.next = { ...o.numbering };
    for (const account of o.customers) {
      this.customers.set(account.customerId, {
        account,
        creditLimitCents: toCents(account.creditLimit),
        openOrderNetCents: 0n,
        receivableCents: 0n,
        payments: new MinHeap<InvoiceRecord>((a, b) => (a.paidAt ?? Infinity) < (b.paidAt ?? Infinity)),
      });
    }
    for (const item of o.items) this.items.set(item.itemNumber, item);
    this.warehouses = new Set(o.warehouses);
    for (const b of o.openingBalances) this.balances.set(`${b.itemNumber}@${b.warehouse}`, { ...b });

    const doc = loadOpenApi('erp') as unknown as OpenApiDocument;
    this.requestLog = new RequestLog(o.requestLog);
    this.handler = createSimulatorHandler<operations>('erp', doc, this.operations(), {
      clock: ports.clock,
      random: ports.random.fork('service-time'),
      serviceTime: o.serviceTime,
      problemTypeBase: PROBLEM_BASE,
      before: (_entry, request) => this.authenticate(request),
      reference: referenceOf,
      onAnswered: this.requestLog.sink(),
    });
  }

  /** Ground truth: every document the ERP holds (duplicates included) with its virtual time, and every request received. Read-only views. */
  truth(): ErpTruth {
    return {
      salesOrders: this.salesOrders,
      goodsIssues: this.goodsIssues,
      invoices: this.invoices,
      creditMemos: this.creditMemos,
      requests: this.requestLog.records,
      balances: [...this.balances.values()].sort(byItemThenWarehouse).map((b) => ({ ...b })),
    };
  }

  /** Books stock into a warehouse outside the API (a goods receipt the ERP was told about), e.g. to mirror WMS receipts. */
  receiveStock(itemNumber: string, warehouse: string, qty: number): void {
    this.adjustBalance(itemNumber, warehouse, qty);
  }

  /** Open exposure of a customer as the credit check sees it now (gross, cents). */
  exposureCents(customerId: string): bigint {
    const customer = this.customers.get(customerId);
    if (!customer) throw new Error(`erp: unknown customer ${customerId}`);
    return this.exposure(customer);
  }

  // -------------------------------------------------------------------------------------------

  private operations(): OperationHandlers<operations> {
    return {
      checkCredit: async ({ params, body }) => this.checkCredit(params.path.customerId, body),
      validatePrices: async ({ body }) => this.validatePrices(body),
      bookSalesOrder: async ({ body }) => this.bookSalesOrder(body),
      findSalesOrders: async ({ params }) => json(200, { items: this.ordersByReference.all(params.query.externalReference).map((so) => so.document) } satisfies S['SalesOrderList']),
      getSalesOrder: async ({ params, request }) => {
        const order = this.salesOrder(params.path.salesOrderNumber);
        return order ? json(200, order.document) : notFound('Sales order not found', `No sales order ${params.path.salesOrderNumber}.`, request);
      },
      cancelSalesOrder: async ({ params, request }) => this.cancelSalesOrder(params.path.salesOrderNumber, request),
      listInventoryBalances: async ({ params }) => this.listBalances(params.query),
      postGoodsIssue: async ({ body, request }) => this.postGoodsIssue(body, request),
      findGoodsIssues: async ({ params }) => json(200, { items: this.issuesByReference.all(params.query.externalReference).map((gi) => gi.document) } satisfies S['GoodsIssueList']),
      postInvoice: async ({ body, request }) => this.postInvoice(body, request),
      listInvoices: async ({ params }) => {
        const order = this.salesOrder(params.query.salesOrderNumber);
        if (!order) return unprocessable('unknown-sales-order', 'Unknown sales order', `No sales order ${params.query.salesOrderNumber}.`, [{ pointer: '/query/salesOrderNumber', message: 'unknown sales order' }]);
        return json(200, { items: order.invoices.map((inv) => inv.document) } satisfies S['InvoiceList']);
      },
      getInvoice: async ({ params, request }) => {
        const invoice = this.invoice(params.path.invoiceNumber);
        return invoice ? json(200, invoice.document) : notFound('Invoice not found', `No invoice ${params.path.invoiceNumber}.`, request);
      },
      postCreditMemo: async ({ body, request }) => this.postCreditMemo(body, request),
      findCreditMemos: async ({ params }) => json(200, { items: this.memosByReference.all(params.query.externalReference).map((cm) => cm.document) } satisfies S['CreditMemoList']),
    };
  }

  private authenticate(request: HttpRequest): HttpResponse | undefined {
    const auth = this.options.auth;
    if (auth === 'none') return undefined;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (m && (auth === 'any' || auth.includes(m[1]!))) return undefined;
    return problem(401, 'Unauthorized', 'The bearer token is missing, expired or not valid for this facade.', { type: `${PROBLEM_BASE}unauthorized` });
  }

  private checkCredit(customerId: string, body: S['CreditCheckRequest']): HttpResponse {
    const customer = this.customers.get(customerId);
    if (!customer) return problem(404, 'Customer not found', `No customer ${customerId}.`, { type: `${PROBLEM_BASE}not-found` });
    const currency = customer.account.currency;
    if (body.amount.currency !== currency) {
      return unprocessable('currency-not-supported', 'Currency not supported', `Credit of ${customerId} is managed in ${currency}; the amount is in ${body.amount.currency}.`, [
        { pointer: '/amount/currency', message: `must be ${currency}` },
      ]);
    }
    const exposure = this.exposure(customer);
    const available = customer.creditLimitCents - exposure;
    const result: S['CreditCheckResult'] = {
      customerId,
      approved: true,
      creditLimit: { amount: formatCents(customer.creditLimitCents), currency },
      openExposure: { amount: formatCents(exposure), currency },
      availableCredit: { amount: formatCents(available), currency },
    };
    const reason = customer.account.blocked ? 'CUSTOMER_BLOCKED' : customer.account.overdue ? 'OVERDUE_ITEMS' : toCents(body.amount.amount) > available ? 'CREDIT_LIMIT_EXCEEDED' : undefined;
    if (reason) {
      result.approved = false;
      result.reason = reason;
    }
    return json(200, result);
  }

  private validatePrices(body: S['PriceValidationRequest']): HttpResponse {
    if (!this.customers.has(body.soldTo)) {
      return unprocessable('unknown-customer', 'Unknown customer', `Customer ${body.soldTo} does not exist.`, [{ pointer: '/soldTo', message: `unknown customer ${body.soldTo}` }]);
    }
    const itemProblem = this.checkItems(body.lines);
    if (itemProblem) return itemProblem;
    const lines = body.lines.map((line): S['PriceValidationLine'] => {
      const listPrice = this.priceFor(body.soldTo, line.itemNumber);
      if (listPrice.currency !== body.currency || line.unitPrice.currency !== listPrice.currency) {
        return { itemNumber: line.itemNumber, listPrice, unitPrice: line.unitPrice, valid: false, reason: 'NO_PRICE_CONDITION' };
      }
      const valid = sameAmount(listPrice.amount, line.unitPrice.amount);
      return valid ? { itemNumber: line.itemNumber, listPrice, unitPrice: line.unitPrice, valid } : { itemNumber: line.itemNumber, listPrice, unitPrice: line.unitPrice, valid, reason: 'PRICE_MISMATCH' };
    });
    return json(200, { valid: lines.every((l) => l.valid), lines } satisfies S['PriceValidationResult']);
  }

  private bookSalesOrder(body: S['SalesOrderCreate']): HttpResponse {
    const existing = this.ordersByReference.first(body.externalReference);
    const policy = this.options.duplicateReferencePolicy;
    if (existing && policy === 'return-existing') return json(200, existing.document);
    if (existing && policy === 'reject') return duplicate(body.externalReference, { salesOrderNumber: existing.salesOrderNumber }, 'sales order');
    const customer = this.customers.get(body.soldTo);
    if (!customer) return unprocessable('unknown-customer', 'Unknown customer', `Customer ${body.soldTo} does not exist.`, [{ pointer: '/soldTo', message: `unknown customer ${body.soldTo}` }]);
    if (customer.account.blocked) return unprocessable('customer-blocked', 'Customer blocked', `Customer ${body.soldTo} is blocked for sales.`, [{ pointer: '/soldTo', message: 'customer is blocked for sales' }]);
    if (!this.warehouses.has(body.warehouse)) {
      return unprocessable('unknown-warehouse', 'Unknown warehouse', `Warehouse ${body.warehouse} does not exist.`, [{ pointer: '/warehouse', message: `unknown warehouse ${body.warehouse}` }]);
    }
    const itemProblem = this.checkItems(body.lines);
    if (itemProblem) return itemProblem;
    const seen = new Set<number>();
    for (const [i, line] of body.lines.entries()) {
      if (seen.has(line.lineNumber)) {
        return problem(400, 'Invalid request', `line number ${line.lineNumber} repeats`, { type: `${PROBLEM_BASE}invalid-request`, errors: [{ pointer: `/lines/${i}/lineNumber`, message: 'must be unique within the sales order' }] });
      }
      seen.add(line.lineNumber);
    }

    const now = this.clock.now();
    let netCents = 0n;
    for (const l of body.lines) netCents += lineNetCents(l.qty, l.unitPrice.amount);
    const order = new SalesOrderRecord({
      number: this.next.salesOrder++,
      externalReference: body.externalReference,
      soldTo: customer.account.customerId,
      warehouse: this.word(body.warehouse),
      currency: this.word(body.currency),
      lines: body.lines,
      at: now,
      netCents,
      duplicateOf: existing?.salesOrderNumber,
    });
    customer.openOrderNetCents += netCents;
    this.salesOrders.push(order);
    this.ordersByReference.add(body.externalReference, order);
    return json(201, order.document, { location: `/sales-orders/${order.salesOrderNumber}` });
  }

  private cancelSalesOrder(salesOrderNumber: string, request: HttpRequest): HttpResponse {
    const order = this.salesOrder(salesOrderNumber);
    if (!order) return notFound('Sales order not found', `No sales order ${salesOrderNumber}.`, request);
    if (order.status === 'cancelled') return json(200, order.document);
    if (order.status !== 'booked') {
      return problem(409, 'Goods already issued', `Sales order ${salesOrderNumber} is ${order.status}; it can no longer be cancelled.`, {
        type: `${PROBLEM_BASE}goods-already-issued`,
        extra: { salesOrderNumber, externalReference: order.externalReference },
      });
    }
    if (this.options.documentLockedProbability > 0 && this.lockRandom.next() < this.options.documentLockedProbability) {
      return unprocessable('document-locked', 'Document locked', `Sales order ${salesOrderNumber} is being edited by another user; retry later.`);
    }
    this.setStatus(order, 'cancelled');
    this.customers.get(order.soldTo)!.openOrderNetCents -= order.openNetCents;
    order.openNetCents = 0n;
    return json(200, order.document);
  }

  private listBalances(query: { itemNumber?: string; warehouse?: string }): HttpResponse {
    if (query.itemNumber !== undefined && !this.items.has(query.itemNumber)) {
      return unprocessable('unknown-item', 'Unknown item', `Item ${query.itemNumber} does not exist.`, [{ pointer: '/query/itemNumber', message: `unknown item ${query.itemNumber}` }]);
    }
    if (query.warehouse !== undefined && !this.warehouses.has(query.warehouse)) {
      return unprocessable('unknown-warehouse', 'Unknown warehouse', `Warehouse ${query.warehouse} does not exist.`, [{ pointer: '/query/warehouse', message: `unknown warehouse ${query.warehouse}` }]);
    }
    const items: S['InventoryBalance'][] = [...this.balances.values()]
      .filter((b) => (query.itemNumber === undefined || b.itemNumber === query.itemNumber) && (query.warehouse === undefined || b.warehouse === query.warehouse))
      .sort(byItemThenWarehouse)
      .map((b) => ({ itemNumber: b.itemNumber, warehouse: b.warehouse, onHand: b.onHand, uom: this.items.get(b.itemNumber)?.salesUnits[0] ?? 'EA' }));
    return json(200, { asOf: iso(this.clock.now()), items } satisfies S['InventoryBalances']);
  }

  private postGoodsIssue(body: S['GoodsIssueCreate'], request: HttpRequest): HttpResponse {
    const existing = this.issuesByReference.first(body.externalReference);
    const policy = this.options.duplicateReferencePolicy;
    if (existing && policy === 'return-existing') return json(200, existing.document);
    if (existing && policy === 'reject') return duplicate(body.externalReference, { goodsIssueNumber: existing.goodsIssueNumber }, 'goods issue');
    const order = this.salesOrder(body.salesOrderNumber);
    if (!order) return notFound('Sales order not found', `No sales order ${body.salesOrderNumber}.`, request);
    const status = order.status;
    if (status === 'cancelled') {
      return problem(409, 'Sales order cancelled', `Sales order ${body.salesOrderNumber} is cancelled.`, { type: `${PROBLEM_BASE}sales-order-cancelled`, extra: { salesOrderNumber: body.salesOrderNumber } });
    }
    if (body.warehouse !== order.warehouse) {
      return unprocessable('warehouse-mismatch', 'Warehouse mismatch', `Sales order ${body.salesOrderNumber} ships from ${order.warehouse}, not ${body.warehouse}.`, [{ pointer: '/warehouse', message: `must be ${order.warehouse}` }]);
    }
    const lines = order.lineStates();
    const needed = new Map<string, number>();
    for (const [i, line] of body.lines.entries()) {
      const onOrder = lines.filter((l) => l.line.itemNumber === line.itemNumber);
      if (onOrder.length === 0 || !onOrder.some((l) => l.line.uom === line.uom)) {
        return unprocessable('item-not-on-document', 'Item not on the sales order', `${line.itemNumber} in ${line.uom} is not on sales order ${body.salesOrderNumber}.`, [{ pointer: `/lines/${i}/itemNumber`, message: 'not on the sales order' }]);
      }
      needed.set(line.itemNumber, (needed.get(line.itemNumber) ?? 0) + line.qty);
    }
    for (const [itemNumber, qty] of needed) {
      const open = lines.filter((l) => l.line.itemNumber === itemNumber).reduce((n, l) => n + l.line.qty - l.issued, 0);
      if (qty > open + 1e-9) {
        return problem(409, 'Quantity exceeds open quantity', `${qty} ${itemNumber} requested, ${open} still open on ${body.salesOrderNumber}.`, {
          type: `${PROBLEM_BASE}quantity-exceeds-open`,
          extra: { salesOrderNumber: body.salesOrderNumber },
        });
      }
    }
    for (const [itemNumber, qty] of needed) {
      let rest = qty;
      for (const l of lines) {
        if (l.line.itemNumber !== itemNumber || rest <= 0) continue;
        const take = Math.min(rest, l.line.qty - l.issued);
        l.issued += take;
        rest -= take;
      }
      this.adjustBalance(itemNumber, body.warehouse, -qty);
    }
    order.keepProgress(lines);
    const now = this.clock.now();
    const issue = new GoodsIssueRecord(this.next.goodsIssue++, body.externalReference, order, now, this.word(body.carrier), body.trackingNumber, body.lines, existing?.goodsIssueNumber);
    this.goodsIssues.push(issue);
    this.issuesByReference.add(body.externalReference, issue);
    if (status === 'booked') this.setStatus(order, 'goods_issued');
    return json(201, issue.document, { location: `/goods-issues?externalReference=${encodeURIComponent(body.externalReference)}` });
  }

  private postInvoice(body: S['InvoiceCreate'], request: HttpRequest): HttpResponse {
    const existing = this.invoicesByReference.first(body.externalReference);
    const policy = this.options.duplicateReferencePolicy;
    if (existing && policy === 'return-existing') return json(200, existing.document);
    if (existing && policy === 'reject') return duplicate(body.externalReference, { invoiceNumber: existing.invoiceNumber }, 'invoice');
    const order = this.salesOrder(body.salesOrderNumber);
    if (!order) return notFound('Sales order not found', `No sales order ${body.salesOrderNumber}.`, request);
    const lines = order.lineStates();
    const billable = lines.filter((l) => l.issued - l.invoiced > 1e-9);
    if (billable.length === 0) {
      const why = order.goodsIssued ? 'everything issued is already invoiced' : 'no goods have been issued yet';
      return problem(409, 'Nothing to invoice', `Sales order ${body.salesOrderNumber}: ${why}.`, {
        type: `${PROBLEM_BASE}nothing-to-invoice`,
        extra: { salesOrderNumber: body.salesOrderNumber, ...(order.invoices[0] ? { invoiceNumber: order.invoices[0].invoiceNumber } : {}) },
      });
    }
    const now = this.clock.now();
    let netCents = 0n;
    const quantities = lines.map((l) => {
      if (!billable.includes(l)) return 0;
      const qty = l.issued - l.invoiced;
      l.invoiced = l.issued;
      netCents += lineNetCents(qty, l.line.unitPrice.amount);
      return qty;
    });
    order.keepProgress(lines);
    const tax = taxCents(netCents, this.taxBasisPoints);
    const paidAt = this.options.paymentDelay ? now + sample(this.paymentRandom, this.options.paymentDelay) : undefined;
    const billsEveryLine = quantities.every((qty, i) => qty === lines[i]!.line.qty);
    const invoice = new InvoiceRecord(
      this.next.invoice++,
      body.externalReference,
      order,
      this.word(body.invoiceDate),
      now,
      billsEveryLine ? undefined : quantities,
      this.taxBasisPoints,
      paidAt,
      existing?.invoiceNumber,
      netCents + tax,
    );
    const customer = this.customers.get(order.soldTo)!;
    const fromOrders = netCents < order.openNetCents ? netCents : order.openNetCents;
    order.openNetCents -= fromOrders;
    customer.openOrderNetCents -= fromOrders;
    customer.receivableCents += invoice.outstandingCents;
    if (paidAt !== undefined) customer.payments.push(invoice);
    this.invoices.push(invoice);
    order.addInvoice(invoice);
    this.invoicesByReference.add(body.externalReference, invoice);
    if (order.status !== 'invoiced') this.setStatus(order, 'invoiced');
    return json(201, invoice.document, { location: `/invoices/${invoice.invoiceNumber}` });
  }

  private postCreditMemo(body: S['CreditMemoCreate'], request: HttpRequest): HttpResponse {
    const existing = this.memosByReference.first(body.externalReference);
    const policy = this.options.duplicateReferencePolicy;
    if (existing && policy === 'return-existing') return json(200, existing.document);
    if (existing && policy === 'reject') return duplicate(body.externalReference, { creditMemoNumber: existing.creditMemoNumber }, 'credit memo');
    const order = this.salesOrder(body.salesOrderNumber);
    if (!order) return notFound('Sales order not found', `No sales order ${body.salesOrderNumber}.`, request);
    let invoices = order.invoices;
    if (body.invoiceNumber !== undefined) {
      const invoice = this.invoice(body.invoiceNumber);
      if (!invoice) return notFound('Invoice not found', `No invoice ${body.invoiceNumber}.`, request);
      if (invoice.order !== order) {
        return unprocessable('item-not-on-document', 'Invoice of another sales order', `Invoice ${body.invoiceNumber} bills ${invoice.order.salesOrderNumber}, not ${body.salesOrderNumber}.`, [
          { pointer: '/invoiceNumber', message: `not an invoice of ${body.salesOrderNumber}` },
        ]);
      }
      invoices = [invoice];
    }
    // Price each line from the invoice(s), else from the sales order; cap at invoiced minus credited.
    let netCents = 0n;
    const takes: Array<{ invoice: InvoiceRecord; itemNumber: string; qty: number }> = [];
    const orderLines = order.documentLines();
    for (const [i, line] of body.lines.entries()) {
      const orderLine = orderLines.find((l) => l.itemNumber === line.itemNumber && l.uom === line.uom);
      if (!orderLine) {
        return unprocessable('item-not-on-document', 'Item not on the document', `${line.itemNumber} in ${line.uom} is not on sales order ${body.salesOrderNumber}.`, [{ pointer: `/lines/${i}/itemNumber`, message: 'not on the sales order' }]);
      }
      let rest = line.qty;
      for (const invoice of invoices) {
        const invoiceLines = invoice.documentLines();
        const invoiced = invoiceLines.filter((l) => l.itemNumber === line.itemNumber).reduce((n, l) => n + l.qty, 0);
        const credited = (invoice.credited?.get(line.itemNumber) ?? 0) + takes.filter((t) => t.invoice === invoice && t.itemNumber === line.itemNumber).reduce((n, t) => n + t.qty, 0);
        const take = Math.min(rest, invoiced - credited);
        if (take <= 0) continue;
        takes.push({ invoice, itemNumber: line.itemNumber, qty: take });
        const price = invoiceLines.find((l) => l.itemNumber === line.itemNumber)?.unitPrice.amount ?? orderLine.unitPrice.amount;
        netCents += lineNetCents(take, price);
        rest -= take;
      }
      if (rest > 1e-9) {
        return problem(409, 'Credit exceeds invoiced', `${line.qty} ${line.itemNumber} to credit, more than invoiced minus already credited on ${body.salesOrderNumber}.`, {
          type: `${PROBLEM_BASE}credit-exceeds-invoiced`,
          extra: { salesOrderNumber: body.salesOrderNumber, externalReference: body.externalReference },
        });
      }
    }
    const grossCents = netCents + taxCents(netCents, this.taxBasisPoints);
    const now = this.clock.now();
    const customer = this.customers.get(order.soldTo)!;
    this.settlePayments(customer);
    for (const take of takes) {
      const credited = (take.invoice.credited ??= new Map());
      credited.set(take.itemNumber, (credited.get(take.itemNumber) ?? 0) + take.qty);
    }
    // The credit reduces what the customer still owes on unpaid invoices (a paid invoice is refunded instead).
    let toApply = grossCents;
    for (const invoice of invoices) {
      if (invoice.paid || toApply <= 0n) continue;
      const applied = invoice.outstandingCents < toApply ? invoice.outstandingCents : toApply;
      invoice.outstandingCents -= applied;
      customer.receivableCents -= applied;
      toApply -= applied;
    }
    const document: S['CreditMemo'] = {
      creditMemoNumber: `CM-${this.next.creditMemo++}`,
      externalReference: body.externalReference,
      salesOrderNumber: body.salesOrderNumber,
      amount: { amount: formatCents(grossCents), currency: order.currency },
      postedAt: iso(now),
    };
    const memo = new CreditMemoRecord(document, now, body.lines, body.invoiceNumber, existing?.creditMemoNumber);
    this.creditMemos.push(memo);
    this.memosByReference.add(body.externalReference, memo);
    return json(201, document, { location: `/credit-memos?externalReference=${encodeURIComponent(body.externalReference)}` });
  }

  // -------------------------------------------------------------------------------------------

  /** 422 for the first unknown item or unit not allowed, in line order; undefined when all are fine. */
  private checkItems(lines: ReadonlyArray<{ itemNumber: string; uom: Uom }>): HttpResponse | undefined {
    for (const [i, line] of lines.entries()) {
      const item = this.items.get(line.itemNumber);
      if (!item) {
        return unprocessable('unknown-item', 'Unknown item', `Item ${line.itemNumber} does not exist.`, [{ pointer: `/lines/${i}/itemNumber`, message: `unknown item ${line.itemNumber}` }]);
      }
      if (!item.salesUnits.includes(line.uom)) {
        const allowed = item.salesUnits.join(', ');
        return unprocessable('uom-not-allowed', 'Unit of measure not allowed', `${line.itemNumber} has no sales unit ${line.uom}; allowed units are ${allowed}.`, [{ pointer: `/lines/${i}/uom`, message: `allowed units are ${allowed}` }]);
      }
    }
    return undefined;
  }

  private priceFor(customerId: string, itemNumber: string): S['Money'] {
    const item = this.items.get(itemNumber)!;
    const condition = this.options.customerPrices[customerId]?.[itemNumber];
    return condition === undefined ? { ...item.listPrice } : { amount: condition, currency: item.listPrice.currency };
  }

  private exposure(customer: CustomerState): bigint {
    this.settlePayments(customer);
    const openGross = customer.openOrderNetCents + taxCents(customer.openOrderNetCents, this.taxBasisPoints);
    return openGross + customer.receivableCents;
  }

  /** Applies every payment due by now (invoices leave the receivables when paid). */
  private settlePayments(customer: CustomerState): void {
    const now = this.clock.now();
    for (let head = customer.payments.peek(); head && (head.paidAt ?? Infinity) <= now; head = customer.payments.peek()) {
      customer.payments.pop();
      head.paid = true;
      customer.receivableCents -= head.outstandingCents;
      head.outstandingCents = 0n;
    }
  }

  private setStatus(order: SalesOrderRecord, status: S['SalesOrderStatus']): void {
    order.setStatus(status, this.clock.now());
  }

  private salesOrder(salesOrderNumber: string): SalesOrderRecord | undefined {
    return numbered(this.salesOrders, 'SO-', this.options.numbering.salesOrder, salesOrderNumber);
  }

  private invoice(invoiceNumber: string): InvoiceRecord | undefined {
    return numbered(this.invoices, 'INV-', this.options.numbering.invoice, invoiceNumber);
  }

  /** The one instance kept of a short string that many documents repeat. */
  private word(text: string): string {
    return this.words.canonical(text);
  }

  private adjustBalance(itemNumber: string, warehouse: string, delta: number): void {
    const key = `${itemNumber}@${warehouse}`;
    const balance = this.balances.get(key);
    if (balance) balance.onHand += delta;
    else this.balances.set(key, { itemNumber, warehouse, onHand: delta });
  }
}

// ---------------------------------------------------------------------------------------------

function byItemThenWarehouse(a: { itemNumber: string; warehouse: string }, b: { itemNumber: string; warehouse: string }): number {
  return a.itemNumber < b.itemNumber ? -1 : a.itemNumber > b.itemNumber ? 1 : a.warehouse < b.warehouse ? -1 : a.warehouse > b.warehouse ? 1 : 0;
}

function unprocessable(slug: string, title: string, detail: string, errors?: FieldProblem[]): HttpResponse {
  return problem(422, title, detail, { type: PROBLEM_BASE + slug, ...(errors ? { errors } : {}) });
}

function notFound(title: string, detail: string, _request: HttpRequest): HttpResponse {
  return problem(404, title, detail, { type: `${PROBLEM_BASE}not-found` });
}

function duplicate(externalReference: string, names: Record<string, string>, what: string): HttpResponse {
  const [number] = Object.values(names);
  return problem(409, 'Duplicate external reference', `${externalReference} is already posted as ${what} ${number}.`, {
    type: `${PROBLEM_BASE}duplicate-external-reference`,
    extra: { externalReference, ...names },
  });
}

/** The external reference a request names (body or query), for the request log. */
function referenceOf(_entry: OperationEntry, request: HttpRequest, body: unknown): string | undefined {
  if (body !== undefined) {
    const value = (body as { externalReference?: unknown }).externalReference;
    if (typeof value === 'string') return value;
  }
  const q = request.path.indexOf('?');
  if (q !== -1) {
    const ref = new URLSearchParams(request.path.slice(q + 1)).get('externalReference');
    if (ref !== null) return ref;
  }
  if (request.body?.includes('"externalReference"')) {
    try {
      const value = (JSON.parse(request.body) as { externalReference?: unknown }).externalReference;
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
