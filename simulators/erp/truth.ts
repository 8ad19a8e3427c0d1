import type { components } from '../../contracts/generated/openapi/erp.ts';
import { formatCents, lineNetCents, taxCents } from '../shared/money.ts';
import { iso } from '../shared/time.ts';

type S = components['schemas'];

// ---------------------------------------------------------------------------------------------
// Ground truth as `truth()` shows it
// ---------------------------------------------------------------------------------------------

/**
 * A document as the ERP holds it: the contract shape plus when it happened. Each record builds its
 * `document` anew on every read (and its JSON has exactly the fields below that are not marked
 * "not in the JSON"); the scalars the checkers read are there without building anything.
 */
export interface SalesOrderTruth {
  readonly document: S['SalesOrder'];
  /** Virtual ms when it was booked. */
  readonly at: number;
  /** Another sales order with the same reference booked before it (`book-again` only). */
  readonly duplicateOf?: string;
  /** Every status with the virtual time it was entered, oldest first. */
  readonly statusHistory: Array<{ status: S['SalesOrderStatus']; at: number }>;
  /** `document.externalReference` (not in the JSON). */
  readonly externalReference: string;
  /** `document.salesOrderNumber` (not in the JSON). */
  readonly salesOrderNumber: string;
}

export interface GoodsIssueTruth {
  readonly document: S['GoodsIssue'];
  readonly at: number;
  readonly warehouse: string;
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly lines: S['ItemQuantity'][];
  readonly duplicateOf?: string;
  /** `document.externalReference` (not in the JSON). */
  readonly externalReference: string;
  /** `document.goodsIssueNumber` (not in the JSON). */
  readonly goodsIssueNumber: string;
  /** `document.salesOrderNumber` (not in the JSON). */
  readonly salesOrderNumber: string;
}

export interface InvoiceTruth {
  readonly document: S['Invoice'];
  readonly at: number;
  readonly soldTo: string;
  readonly duplicateOf?: string;
  /** Virtual ms when the customer pays it (undefined: never, within the run). */
  readonly paidAt?: number;
  /** `document.externalReference` (not in the JSON). */
  readonly externalReference: string;
  /** `document.invoiceNumber` (not in the JSON). */
  readonly invoiceNumber: string;
  /** `document.salesOrderNumber` (not in the JSON). */
  readonly salesOrderNumber: string;
}

export interface CreditMemoTruth {
  readonly document: S['CreditMemo'];
  readonly at: number;
  readonly lines: S['ItemQuantity'][];
  readonly invoiceNumber?: string;
  readonly duplicateOf?: string;
  /** `document.externalReference` (not in the JSON). */
  readonly externalReference: string;
  /** `document.creditMemoNumber` (not in the JSON). */
  readonly creditMemoNumber: string;
}

// ---------------------------------------------------------------------------------------------
// Records: what the ERP keeps of each document (a 100,000-order day keeps every one)
// ---------------------------------------------------------------------------------------------

/** A sales order line as kept: `[lineNumber, itemNumber, qty, uom, unitPrice]`; its net amount is recomputed. */
type PackedLine = [number, string, number, S['UnitOfMeasure'], S['Money']];

/** A sales order line with the quantities issued and invoiced of it so far. */
export interface OrderLineState {
  line: S['DocumentLine'];
  issued: number;
  invoiced: number;
}

const STATUSES: readonly S['SalesOrderStatus'][] = ['booked', 'cancelled', 'goods_issued', 'invoiced'];
/** The progress of an order whose every line is issued and invoiced in full (how most orders end). */
const DONE: readonly number[] = [];

/**
 * A sales order: its scalars, its lines as compact JSON text (parsed when posting against it or
 * reading it), its status history and per-line progress as packed number arrays.
 */
export class SalesOrderRecord implements SalesOrderTruth {
  /** Status (index in STATUSES) and the virtual ms it was entered, pairwise, oldest first. */
  private history: number[];
  /** Quantity issued and invoiced per line, pairwise (or DONE); undefined until the first goods issue. */
  private progress: readonly number[] | undefined;
  /** Net cents still counted as open order exposure. */
  openNetCents: bigint;
  private invoiceList: OneOrMore<InvoiceRecord> | undefined = undefined;

  readonly number: number;
  readonly externalReference: string;
  readonly soldTo: string;
  readonly warehouse: string;
  readonly currency: string;
  readonly duplicateOf: string | undefined;
  private readonly packedLines: string;

  constructor(fields: { number: number; externalReference: string; soldTo: string; warehouse: string; currency: string; lines: readonly S['SalesOrderLineInput'][]; at: number; netCents: bigint; duplicateOf: string | undefined }) {
    this.number = fields.number;
    this.externalReference = fields.externalReference;
    this.soldTo = fields.soldTo;
    this.warehouse = fields.warehouse;
    this.currency = fields.currency;
    this.duplicateOf = fields.duplicateOf;
    this.packedLines = JSON.stringify(fields.lines.map((l): PackedLine => [l.lineNumber, l.itemNumber, l.qty, l.uom, l.unitPrice]));
    this.history = [0, fields.at];
    this.progress = undefined;
    this.openNetCents = fields.netCents;
  }

  get salesOrderNumber(): string {
    return `SO-${this.number}`;
  }

  get at(): number {
    return this.history[1]!;
  }

  get status(): S['SalesOrderStatus'] {
    return STATUSES[this.history[this.history.length - 2]!]!;
  }

  get statusHistory(): Array<{ status: S['SalesOrderStatus']; at: number }> {
    const entries: Array<{ status: S['SalesOrderStatus']; at: number }> = [];
    for (let i = 0; i < this.history.length; i += 2) entries.push({ status: STATUSES[this.history[i]!]!, at: this.history[i + 1]! });
    return entries;
  }

  /** Its invoices, oldest first. */
  get invoices(): readonly InvoiceRecord[] {
    return listOf(this.invoiceList);
  }

  addInvoice(invoice: InvoiceRecord): void {
    this.invoiceList = withAdded(this.invoiceList, invoice);
  }

  /** Whether a goods issue was posted against it. */
  get goodsIssued(): boolean {
    return this.progress !== undefined;
  }

  get document(): S['SalesOrder'] {
    const lines = this.documentLines();
    return {
      salesOrderNumber: this.salesOrderNumber,
      externalReference: this.externalReference,
      soldTo: this.soldTo,
      warehouse: this.warehouse,
      status: this.status,
      total: { amount: formatCents(lines.reduce((n, l) => n + lineNetCents(l.qty, l.unitPrice.amount), 0n)), currency: this.currency },
      lines,
      bookedAt: iso(this.at),
    };
  }

  documentLines(): S['DocumentLine'][] {
    return (JSON.parse(this.packedLines) as PackedLine[]).map(([lineNumber, itemNumber, qty, uom, unitPrice]) => ({
      lineNumber,
      itemNumber,
      qty,
      uom,
      unitPrice,
      netAmount: { amount: formatCents(lineNetCents(qty, unitPrice.amount)), currency: unitPrice.currency },
    }));
  }

  /** The lines with what is issued and invoiced of each, to post against; `keepProgress` stores the quantities back. */
  lineStates(): OrderLineState[] {
    const p = this.progress;
    return this.documentLines().map((line, i) => {
      if (p === DONE) return { line, issued: line.qty, invoiced: line.qty };
      return { line, issued: p ? p[2 * i]! : 0, invoiced: p ? p[2 * i + 1]! : 0 };
    });
  }

  keepProgress(states: readonly OrderLineState[]): void {
    if (states.every((s) => s.issued === s.line.qty && s.invoiced === s.line.qty)) {
      this.progress = DONE;
      return;
    }
    const p = new Array<number>(2 * states.length);
    for (const [i, s] of states.entries()) {
      p[2 * i] = s.issued;
      p[2 * i + 1] = s.invoiced;
    }
    this.progress = p;
  }

  setStatus(status: S['SalesOrderStatus'], at: number): void {
    // concat allocates exactly what the array holds (an array grown by push keeps room for 16 more).
    this.history = this.history.concat(STATUSES.indexOf(status), at);
  }

  toJSON(): unknown {
    return { document: this.document, at: this.at, statusHistory: this.statusHistory, ...(this.duplicateOf !== undefined ? { duplicateOf: this.duplicateOf } : {}) };
  }
}

/** A goods issue: its scalars and the order it ships; its lines as JSON text unless it ships the order's lines as they are. */
export class GoodsIssueRecord implements GoodsIssueTruth {
  /** The posted lines as JSON text; undefined when they are the order's own lines (the usual case). */
  private readonly packedLines: string | undefined;

  constructor(
    readonly number: number,
    readonly externalReference: string,
    readonly order: SalesOrderRecord,
    readonly at: number,
    readonly carrier: string,
    readonly trackingNumber: string,
    lines: readonly S['ItemQuantity'][],
    readonly duplicateOf: string | undefined,
  ) {
    const text = JSON.stringify(lines);
    this.packedLines = text === itemQuantitiesText(order) ? undefined : text;
  }

  get goodsIssueNumber(): string {
    return `GI-${this.number}`;
  }

  get salesOrderNumber(): string {
    return this.order.salesOrderNumber;
  }

  /** The order's warehouse: a goods issue from any other is refused. */
  get warehouse(): string {
    return this.order.warehouse;
  }

  get lines(): S['ItemQuantity'][] {
    return JSON.parse(this.packedLines ?? itemQuantitiesText(this.order)) as S['ItemQuantity'][];
  }

  get document(): S['GoodsIssue'] {
    return { goodsIssueNumber: this.goodsIssueNumber, externalReference: this.externalReference, salesOrderNumber: this.salesOrderNumber, postedAt: iso(this.at) };
  }

  toJSON(): unknown {
    const { document, at, warehouse, carrier, trackingNumber, lines, duplicateOf } = this;
    return { document, at, warehouse, carrier, trackingNumber, lines, ...(duplicateOf !== undefined ? { duplicateOf } : {}) };
  }
}

/** An order's lines as a goods issue of all of them would post them, as JSON text. */
function itemQuantitiesText(order: SalesOrderRecord): string {
  return JSON.stringify(order.documentLines().map(({ itemNumber, qty, uom }) => ({ itemNumber, qty, uom })));
}

/** An invoice: its scalars, the order it bills and the quantity billed per order line; amounts are recomputed. */
export class InvoiceRecord implements InvoiceTruth {
  /** Gross cents the customer still owes on it. */
  outstandingCents: bigint;
  paid = false;
  /** Quantity credited so far per item; undefined until the first credit memo against it. */
  credited: Map<string, number> | undefined = undefined;

  constructor(
    readonly number: number,
    readonly externalReference: string,
    readonly order: SalesOrderRecord,
    readonly invoiceDate: string,
    readonly at: number,
    /** Quantity billed per order line (0: not on the invoice); undefined: every line in full (the usual case). */
    private readonly quantities: number[] | undefined,
    /** The tax rate it was posted with. */
    private readonly taxBasisPoints: number,
    readonly paidAt: number | undefined,
    readonly duplicateOf: string | undefined,
    grossCents: bigint,
  ) {
    this.outstandingCents = grossCents;
  }

  get invoiceNumber(): string {
    return `INV-${this.number}`;
  }

  get salesOrderNumber(): string {
    return this.order.salesOrderNumber;
  }

  get soldTo(): string {
    return this.order.soldTo;
  }

  /** Its lines: the billed quantity of each order line on it, priced as on the order. */
  documentLines(): S['DocumentLine'][] {
    const currency = this.order.currency;
    const lines: S['DocumentLine'][] = [];
    for (const [i, l] of this.order.documentLines().entries()) {
      const qty = this.quantities ? this.quantities[i]! : l.qty;
      if (qty === 0) continue;
      const netAmount = { amount: formatCents(lineNetCents(qty, l.unitPrice.amount)), currency };
      lines.push({ lineNumber: l.lineNumber, itemNumber: l.itemNumber, qty, uom: l.uom, unitPrice: l.unitPrice, netAmount });
    }
    return lines;
  }

  get document(): S['Invoice'] {
    const lines = this.documentLines();
    const currency = this.order.currency;
    const netCents = lines.reduce((n, l) => n + lineNetCents(l.qty, l.unitPrice.amount), 0n);
    const tax = taxCents(netCents, this.taxBasisPoints);
    return {
      invoiceNumber: this.invoiceNumber,
      externalReference: this.externalReference,
      salesOrderNumber: this.salesOrderNumber,
      invoiceDate: this.invoiceDate,
      total: { amount: formatCents(netCents + tax), currency },
      tax: { amount: formatCents(tax), currency },
      lines,
      postedAt: iso(this.at),
    };
  }

  toJSON(): unknown {
    const { document, at, soldTo, duplicateOf, paidAt } = this;
    return { document, at, soldTo, ...(duplicateOf !== undefined ? { duplicateOf } : {}), ...(paidAt !== undefined ? { paidAt } : {}) };
  }
}

/** A credit memo (returns are few: kept as posted). */
export class CreditMemoRecord implements CreditMemoTruth {
  constructor(
    readonly document: S['CreditMemo'],
    readonly at: number,
    readonly lines: S['ItemQuantity'][],
    readonly invoiceNumber: string | undefined,
    readonly duplicateOf: string | undefined,
  ) {}

  get externalReference(): string {
    return this.document.externalReference;
  }

  get creditMemoNumber(): string {
    return this.document.creditMemoNumber;
  }

  toJSON(): unknown {
    const { document, at, lines, invoiceNumber, duplicateOf } = this;
    return { document, at, lines, ...(invoiceNumber !== undefined ? { invoiceNumber } : {}), ...(duplicateOf !== undefined ? { duplicateOf } : {}) };
  }
}

// ---------------------------------------------------------------------------------------------
// Indexes
// ---------------------------------------------------------------------------------------------

/** One document, or several oldest first: almost always there is exactly one, and it needs no array. */
type OneOrMore<T extends object> = T | readonly T[];

function listOf<T extends object>(value: OneOrMore<T> | undefined): readonly T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value as T];
}

function withAdded<T extends object>(value: OneOrMore<T> | undefined, item: T): OneOrMore<T> {
  return value === undefined ? item : [...listOf(value), item];
}

/** Documents by external reference: the one document, or (after `book-again`) every one, oldest first. */
export class ByReference<T extends object> {
  private readonly map = new Map<string, OneOrMore<T>>();

  first(reference: string): T | undefined {
    return listOf(this.map.get(reference))[0];
  }

  all(reference: string): readonly T[] {
    return listOf(this.map.get(reference));
  }

  add(reference: string, document: T): void {
    this.map.set(reference, withAdded(this.map.get(reference), document));
  }
}

/**
 * The document named `key` (`SO-100042`) in a series kept in number order from `first`: numbers
 * are handed out one by one, so the position follows from the number (no index needed).
 */
export function numbered<T extends { readonly number: number }>(series: readonly T[], prefix: string, first: number, key: string): T | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const record = series[Number(key.slice(prefix.length)) - first];
  return record !== undefined && `${prefix}${record.number}` === key ? record : undefined;
}
