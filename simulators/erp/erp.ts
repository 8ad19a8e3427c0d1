import type { components, operations } from '../../contracts/generated/openapi/erp.ts';
import { appended } from '../../runtime/append.ts';
import { loadOpenApi } from '../../contracts/load.ts';
import type { OperationHandlers } from '../../runtime/http/contract-handler.ts';
import type { OpenApiDocument, OperationEntry } from '../../runtime/http/openapi-document.ts';
import { json, problem, type FieldProblem } from '../../runtime/http/problem.ts';
import { sample, type Distribution } from '../../runtime/random/distributions.ts';
import type { Bus, Clock, HttpHandler, HttpRequest, HttpResponse, Random, Transport } from '../../runtime/ports.ts';
import { DEFAULT_CATALOG, DEFAULT_CUSTOMERS, DISTRIBUTION_CENTERS, initialStock, type CustomerAccount, type Uom } from '../shared/defaults.ts';
import { MinHeap } from '../../runtime/heap.ts';
import { formatCents, lineNetCents, sameAmount, taxCents, toCents } from '../shared/money.ts';
import { createSimulatorHandler, RequestLog, type RequestRecord, type ServiceTimeOptions } from '../shared/service.ts';
import { iso } from '../shared/time.ts';

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

/** A document as the ERP holds it: the contract shape plus when it happened. */
export interface SalesOrderTruth {
  document: S['SalesOrder'];
  /** Virtual ms when it was booked. */
  at: number;
  /** Another sales order with the same reference booked before it (`book-again` only). */
  duplicateOf?: string;
  /** Every status with the virtual time it was entered, oldest first. */
  statusHistory: Array<{ status: S['SalesOrderStatus']; at: number }>;
}

export interface GoodsIssueTruth {
  document: S['GoodsIssue'];
  at: number;
  warehouse: string;
  carrier: string;
  trackingNumber: string;
  lines: S['ItemQuantity'][];
  duplicateOf?: string;
}

export interface InvoiceTruth {
  document: S['Invoice'];
  at: number;
  soldTo: string;
  duplicateOf?: string;
  /** Virtual ms when the customer pays it (undefined: never, within the run). */
  paidAt?: number;
}

export interface CreditMemoTruth {
  document: S['CreditMemo'];
  at: number;
  lines: S['ItemQuantity'][];
  invoiceNumber?: string;
  duplicateOf?: string;
}

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

interface OrderLineState {
  line: S['DocumentLine'];
  issued: number;
  invoiced: number;
}

interface SalesOrderState {
  truth: SalesOrderTruth;
  lines: OrderLineState[];
  currency: string;
  /** Net cents still counted as open order exposure. */
  openNetCents: bigint;
  invoices: InvoiceState[];
  goodsIssued: boolean;
}

interface InvoiceState {
  truth: InvoiceTruth;
  order: SalesOrderState;
  /** Gross cents the customer still owes on it. */
  outstandingCents: bigint;
  paid: boolean;
  /** Quantity credited so far per item. */
  credited: Map<string, number>;
}

interface CustomerState {
  account: CustomerAccount;
  creditLimitCents: bigint;
  openOrderNetCents: bigint;
  receivableCents: bigint;
  payments: MinHeap<InvoiceState>;
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

  private readonly salesOrders: SalesOrderTruth[] = [];
  private readonly goodsIssues: GoodsIssueTruth[] = [];
  private readonly invoices: InvoiceTruth[] = [];
  private readonly creditMemos: CreditMemoTruth[] = [];
  private readonly requestLog: RequestLog;

  private readonly orderByNumber = new Map<string, SalesOrderState>();
  private readonly ordersByReference = new Map<string, SalesOrderState[]>();
  private readonly issuesByReference = new Map<string, GoodsIssueTruth[]>();
  private readonly invoiceByNumber = new Map<string, InvoiceState>();
  private readonly invoicesByReference = new Map<string, InvoiceState[]>();
  private readonly memosByReference = new Map<string, CreditMemoTruth[]>();
  private readonly next: ErpOptions['numbering'];

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
        payments: new MinHeap<InvoiceState>((a, b) => (a.truth.paidAt ?? Infinity) < (b.truth.paidAt ?? Infinity)),
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
      findSalesOrders: async ({ params }) => json(200, { items: (this.ordersByReference.get(params.query.externalReference) ?? []).map((so) => so.truth.document) } satisfies S['SalesOrderList']),
      getSalesOrder: async ({ params, request }) => {
        const order = this.orderByNumber.get(params.path.salesOrderNumber);
        return order ? json(200, order.truth.document) : notFound('Sales order not found', `No sales order ${params.path.salesOrderNumber}.`, request);
      },
      cancelSalesOrder: async ({ params, request }) => this.cancelSalesOrder(params.path.salesOrderNumber, request),
      listInventoryBalances: async ({ params }) => this.listBalances(params.query),
      postGoodsIssue: async ({ body, request }) => this.postGoodsIssue(body, request),
      findGoodsIssues: async ({ params }) => json(200, { items: (this.issuesByReference.get(params.query.externalReference) ?? []).map((gi) => gi.document) } satisfies S['GoodsIssueList']),
      postInvoice: async ({ body, request }) => this.postInvoice(body, request),
      listInvoices: async ({ params }) => {
        const order = this.orderByNumber.get(params.query.salesOrderNumber);
        if (!order) return unprocessable('unknown-sales-order', 'Unknown sales order', `No sales order ${params.query.salesOrderNumber}.`, [{ pointer: '/query/salesOrderNumber', message: 'unknown sales order' }]);
        return json(200, { items: order.invoices.map((inv) => inv.truth.document) } satisfies S['InvoiceList']);
      },
      getInvoice: async ({ params, request }) => {
        const invoice = this.invoiceByNumber.get(params.path.invoiceNumber);
        return invoice ? json(200, invoice.truth.document) : notFound('Invoice not found', `No invoice ${params.path.invoiceNumber}.`, request);
      },
      postCreditMemo: async ({ body, request }) => this.postCreditMemo(body, request),
      findCreditMemos: async ({ params }) => json(200, { items: (this.memosByReference.get(params.query.externalReference) ?? []).map((cm) => cm.document) } satisfies S['CreditMemoList']),
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
    const existing = this.ordersByReference.get(body.externalReference);
    const policy = this.options.duplicateReferencePolicy;
    if (existing && policy === 'return-existing') return json(200, existing[0]!.truth.document);
    if (existing && policy === 'reject') return duplicate(body.externalReference, { salesOrderNumber: existing[0]!.truth.document.salesOrderNumber }, 'sales order');
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
    const lines: OrderLineState[] = body.lines.map((l) => {
      const net = lineNetCents(l.qty, l.unitPrice.amount);
      netCents += net;
      return {
        line: { lineNumber: l.lineNumber, itemNumber: l.itemNumber, qty: l.qty, uom: l.uom, unitPrice: l.unitPrice, netAmount: { amount: formatCents(net), currency: l.unitPrice.currency } },
        issued: 0,
        invoiced: 0,
      };
    });
    const document: S['SalesOrder'] = {
      salesOrderNumber: `SO-${this.next.salesOrder++}`,
      externalReference: body.externalReference,
      soldTo: body.soldTo,
      warehouse: body.warehouse,
      status: 'booked',
      total: { amount: formatCents(netCents), currency: body.currency },
      lines: lines.map((l) => l.line),
      bookedAt: iso(now),
    };
    const truth: SalesOrderTruth = { document, at: now, statusHistory: [{ status: 'booked', at: now }] };
    if (existing) truth.duplicateOf = existing[0]!.truth.document.salesOrderNumber;
    const state: SalesOrderState = { truth, lines, currency: body.currency, openNetCents: netCents, invoices: [], goodsIssued: false };
    customer.openOrderNetCents += netCents;
    this.salesOrders.push(truth);
    this.orderByNumber.set(document.salesOrderNumber, state);
    pushTo(this.ordersByReference, body.externalReference, state);
    return json(201, document, { location: `/sales-orders/${document.salesOrderNumber}` });
  }

  private cancelSalesOrder(salesOrderNumber: string, request: HttpRequest): HttpResponse {
    const order = this.orderByNumber.get(salesOrderNumber);
    if (!order) return notFound('Sales order not found', `No sales order ${salesOrderNumber}.`, request);
    const doc = order.truth.document;
    if (doc.status === 'cancelled') return json(200, doc);
    if (doc.status !== 'booked') {
      return problem(409, 'Goods already issued', `Sales order ${salesOrderNumber} is ${doc.status}; it can no longer be cancelled.`, {
        type: `${PROBLEM_BASE}goods-already-issued`,
        extra: { salesOrderNumber, externalReference: doc.externalReference },
      });
    }
    if (this.options.documentLockedProbability > 0 && this.lockRandom.next() < this.options.documentLockedProbability) {
      return unprocessable('document-locked', 'Document locked', `Sales order ${salesOrderNumber} is being edited by another user; retry later.`);
    }
    this.setStatus(order, 'cancelled');
    this.customers.get(doc.soldTo)!.openOrderNetCents -= order.openNetCents;
    order.openNetCents = 0n;
    return json(200, doc);
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
    const existing = this.issuesByReference.get(body.externalReference);
    const policy = this.options.duplicateReferencePolicy;
    if (existing && policy === 'return-existing') return json(200, existing[0]!.document);
    if (existing && policy === 'reject') return duplicate(body.externalReference, { goodsIssueNumber: existing[0]!.document.goodsIssueNumber }, 'goods issue');
    const order = this.orderByNumber.get(body.salesOrderNumber);
    if (!order) return notFound('Sales order not found', `No sales order ${body.salesOrderNumber}.`, request);
    const doc = order.truth.document;
    if (doc.status === 'cancelled') {
      return problem(409, 'Sales order cancelled', `Sales order ${body.salesOrderNumber} is cancelled.`, { type: `${PROBLEM_BASE}sales-order-cancelled`, extra: { salesOrderNumber: body.salesOrderNumber } });
    }
    if (body.warehouse !== doc.warehouse) {
      return unprocessable('warehouse-mismatch', 'Warehouse mismatch', `Sales order ${body.salesOrderNumber} ships from ${doc.warehouse}, not ${body.warehouse}.`, [{ pointer: '/warehouse', message: `must be ${doc.warehouse}` }]);
    }
    const needed = new Map<string, number>();
    for (const [i, line] of body.lines.entries()) {
      const onOrder = order.lines.filter((l) => l.line.itemNumber === line.itemNumber);
      if (onOrder.length === 0 || !onOrder.some((l) => l.line.uom === line.uom)) {
        return unprocessable('item-not-on-document', 'Item not on the sales order', `${line.itemNumber} in ${line.uom} is not on sales order ${body.salesOrderNumber}.`, [{ pointer: `/lines/${i}/itemNumber`, message: 'not on the sales order' }]);
      }
      needed.set(line.itemNumber, (needed.get(line.itemNumber) ?? 0) + line.qty);
    }
    for (const [itemNumber, qty] of needed) {
      const open = order.lines.filter((l) => l.line.itemNumber === itemNumber).reduce((n, l) => n + l.line.qty - l.issued, 0);
      if (qty > open + 1e-9) {
        return problem(409, 'Quantity exceeds open quantity', `${qty} ${itemNumber} requested, ${open} still open on ${body.salesOrderNumber}.`, {
          type: `${PROBLEM_BASE}quantity-exceeds-open`,
          extra: { salesOrderNumber: body.salesOrderNumber },
        });
      }
    }
    for (const [itemNumber, qty] of needed) {
      let rest = qty;
      for (const l of order.lines) {
        if (l.line.itemNumber !== itemNumber || rest <= 0) continue;
        const take = Math.min(rest, l.line.qty - l.issued);
        l.issued += take;
        rest -= take;
      }
      this.adjustBalance(itemNumber, body.warehouse, -qty);
    }
    const now = this.clock.now();
    const document: S['GoodsIssue'] = { goodsIssueNumber: `GI-${this.next.goodsIssue++}`, externalReference: body.externalReference, salesOrderNumber: body.salesOrderNumber, postedAt: iso(now) };
    const truth: GoodsIssueTruth = { document, at: now, warehouse: body.warehouse, carrier: body.carrier, trackingNumber: body.trackingNumber, lines: body.lines };
    if (existing) truth.duplicateOf = existing[0]!.document.goodsIssueNumber;
    this.goodsIssues.push(truth);
    pushTo(this.issuesByReference, body.externalReference, truth);
    order.goodsIssued = true;
    if (doc.status === 'booked') this.setStatus(order, 'goods_issued');
    return json(201, document, { location: `/goods-issues?externalReference=${encodeURIComponent(body.externalReference)}` });
  }

  private postInvoice(body: S['InvoiceCreate'], request: HttpRequest): HttpResponse {
    const existing = this.invoicesByReference.get(body.externalReference);
    const policy = this.options.duplicateReferencePolicy;
    if (existing && policy === 'return-existing') return json(200, existing[0]!.truth.document);
    if (existing && policy === 'reject') return duplicate(body.externalReference, { invoiceNumber: existing[0]!.truth.document.invoiceNumber }, 'invoice');
    const order = this.orderByNumber.get(body.salesOrderNumber);
    if (!order) return notFound('Sales order not found', `No sales order ${body.salesOrderNumber}.`, request);
    const billable = order.lines.filter((l) => l.issued - l.invoiced > 1e-9);
    if (billable.length === 0) {
      const why = order.goodsIssued ? 'everything issued is already invoiced' : 'no goods have been issued yet';
      return problem(409, 'Nothing to invoice', `Sales order ${body.salesOrderNumber}: ${why}.`, {
        type: `${PROBLEM_BASE}nothing-to-invoice`,
        extra: { salesOrderNumber: body.salesOrderNumber, ...(order.invoices[0] ? { invoiceNumber: order.invoices[0].truth.document.invoiceNumber } : {}) },
      });
    }
    const now = this.clock.now();
    const currency = order.currency;
    let netCents = 0n;
    const lines: S['DocumentLine'][] = billable.map((l) => {
      const qty = l.issued - l.invoiced;
      l.invoiced = l.issued;
      const net = lineNetCents(qty, l.line.unitPrice.amount);
      netCents += net;
      return { lineNumber: l.line.lineNumber, itemNumber: l.line.itemNumber, qty, uom: l.line.uom, unitPrice: l.line.unitPrice, netAmount: { amount: formatCents(net), currency } };
    });
    const tax = taxCents(netCents, this.taxBasisPoints);
    const document: S['Invoice'] = {
      invoiceNumber: `INV-${this.next.invoice++}`,
      externalReference: body.externalReference,
      salesOrderNumber: body.salesOrderNumber,
      invoiceDate: body.invoiceDate,
      total: { amount: formatCents(netCents + tax), currency },
      tax: { amount: formatCents(tax), currency },
      lines,
      postedAt: iso(now),
    };
    const soldTo = order.truth.document.soldTo;
    const truth: InvoiceTruth = { document, at: now, soldTo };
    if (existing) truth.duplicateOf = existing[0]!.truth.document.invoiceNumber;
    if (this.options.paymentDelay) truth.paidAt = now + sample(this.paymentRandom, this.options.paymentDelay);
    const state: InvoiceState = { truth, order, outstandingCents: netCents + tax, paid: false, credited: new Map() };
    const customer = this.customers.get(soldTo)!;
    const fromOrders = netCents < order.openNetCents ? netCents : order.openNetCents;
    order.openNetCents -= fromOrders;
    customer.openOrderNetCents -= fromOrders;
    customer.receivableCents += state.outstandingCents;
    if (truth.paidAt !== undefined) customer.payments.push(state);
    this.invoices.push(truth);
    order.invoices = appended(order.invoices, state);
    this.invoiceByNumber.set(document.invoiceNumber, state);
    pushTo(this.invoicesByReference, body.externalReference, state);
    if (order.truth.document.status !== 'invoiced') this.setStatus(order, 'invoiced');
    return json(201, document, { location: `/invoices/${document.invoiceNumber}` });
  }

  private postCreditMemo(body: S['CreditMemoCreate'], request: HttpRequest): HttpResponse {
    const existing = this.memosByReference.get(body.externalReference);
    const policy = this.options.duplicateReferencePolicy;
    if (existing && policy === 'return-existing') return json(200, existing[0]!.document);
    if (existing && policy === 'reject') return duplicate(body.externalReference, { creditMemoNumber: existing[0]!.document.creditMemoNumber }, 'credit memo');
    const order = this.orderByNumber.get(body.salesOrderNumber);
    if (!order) return notFound('Sales order not found', `No sales order ${body.salesOrderNumber}.`, request);
    let invoices = order.invoices;
    if (body.invoiceNumber !== undefined) {
      const invoice = this.invoiceByNumber.get(body.invoiceNumber);
      if (!invoice) return notFound('Invoice not found', `No invoice ${body.invoiceNumber}.`, request);
      if (invoice.order !== order) {
        return unprocessable('item-not-on-document', 'Invoice of another sales order', `Invoice ${body.invoiceNumber} bills ${invoice.order.truth.document.salesOrderNumber}, not ${body.salesOrderNumber}.`, [
          { pointer: '/invoiceNumber', message: `not an invoice of ${body.salesOrderNumber}` },
        ]);
      }
      invoices = [invoice];
    }
    // Price each line from the invoice(s), else from the sales order; cap at invoiced minus credited.
    let netCents = 0n;
    const takes: Array<{ invoice: InvoiceState; itemNumber: string; qty: number }> = [];
    for (const [i, line] of body.lines.entries()) {
      const orderLine = order.lines.find((l) => l.line.itemNumber === line.itemNumber && l.line.uom === line.uom);
      if (!orderLine) {
        return unprocessable('item-not-on-document', 'Item not on the document', `${line.itemNumber} in ${line.uom} is not on sales order ${body.salesOrderNumber}.`, [{ pointer: `/lines/${i}/itemNumber`, message: 'not on the sales order' }]);
      }
      let rest = line.qty;
      for (const invoice of invoices) {
        const invoiced = invoice.truth.document.lines.filter((l) => l.itemNumber === line.itemNumber).reduce((n, l) => n + l.qty, 0);
        const credited = (invoice.credited.get(line.itemNumber) ?? 0) + takes.filter((t) => t.invoice === invoice && t.itemNumber === line.itemNumber).reduce((n, t) => n + t.qty, 0);
        const take = Math.min(rest, invoiced - credited);
        if (take <= 0) continue;
        takes.push({ invoice, itemNumber: line.itemNumber, qty: take });
        const price = invoice.truth.document.lines.find((l) => l.itemNumber === line.itemNumber)?.unitPrice.amount ?? orderLine.line.unitPrice.amount;
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
    const customer = this.customers.get(order.truth.document.soldTo)!;
    this.settlePayments(customer);
    for (const take of takes) take.invoice.credited.set(take.itemNumber, (take.invoice.credited.get(take.itemNumber) ?? 0) + take.qty);
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
    const truth: CreditMemoTruth = { document, at: now, lines: body.lines };
    if (body.invoiceNumber !== undefined) truth.invoiceNumber = body.invoiceNumber;
    if (existing) truth.duplicateOf = existing[0]!.document.creditMemoNumber;
    this.creditMemos.push(truth);
    pushTo(this.memosByReference, body.externalReference, truth);
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
    for (let head = customer.payments.peek(); head && (head.truth.paidAt ?? Infinity) <= now; head = customer.payments.peek()) {
      customer.payments.pop();
      head.paid = true;
      customer.receivableCents -= head.outstandingCents;
      head.outstandingCents = 0n;
    }
  }

  private setStatus(order: SalesOrderState, status: S['SalesOrderStatus']): void {
    order.truth.document.status = status;
    order.truth.statusHistory = appended(order.truth.statusHistory, { status, at: this.clock.now() });
  }

  private adjustBalance(itemNumber: string, warehouse: string, delta: number): void {
    const key = `${itemNumber}@${warehouse}`;
    const balance = this.balances.get(key);
    if (balance) balance.onHand += delta;
    else this.balances.set(key, { itemNumber, warehouse, onHand: delta });
  }
}

// ---------------------------------------------------------------------------------------------

function pushTo<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

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
