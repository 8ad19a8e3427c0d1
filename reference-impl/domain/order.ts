/** The canonical order model (the commerce contract's shapes) and its pure rules. */
import type { components } from '../../contracts/generated/openapi/commerce.ts';
import { applyRate, lineAmount, money, sum, toMinor, type Money } from './money.ts';
import type { OrderStatus } from './order-state.ts';

type Schemas = components['schemas'];
export type Address = Schemas['Address'];
export type OrderLine = Schemas['OrderLine'];
export type CreateOrderRequest = Schemas['CreateOrderRequest'];
export type Uom = Schemas['UnitOfMeasure'];

export interface OrderTotals {
  subtotal: Money;
  tax: Money;
  total: Money;
}

/** What the layer stores about an order beyond its status columns. */
export interface OrderDocument {
  lines: OrderLine[];
  shipTo: Address;
  externalOrderRef?: string;
  notes?: string;
  requestedDeliveryDate?: string;
  totals: OrderTotals;
}

export interface TimelineEntry {
  at: string;
  status: OrderStatus;
  detail?: string;
}

export const COUNTED_UNITS: ReadonlySet<string> = new Set(['EA', 'CS', 'PAL']);

/** Line numbers as the contract says: kept when given, assigned 1, 2, … by position when omitted. */
export function numberLines(lines: CreateOrderRequest['lines']): OrderLine[] {
  return lines.map((l, i) => ({ lineNumber: l.lineNumber ?? i + 1, sku: l.sku, quantity: { value: l.quantity.value, uom: l.quantity.uom }, unitPrice: { amount: l.unitPrice.amount, currency: l.unitPrice.currency } }));
}

/** Net subtotal, estimated tax and gross total of the lines, in `currency`. */
export function orderTotals(lines: readonly OrderLine[], currency: string, taxRate: string): OrderTotals {
  const subtotal = sum(lines.map((l) => lineAmount(toMinor(l.unitPrice.amount), l.quantity.value)));
  const tax = applyRate(subtotal, taxRate);
  return { subtotal: money(subtotal, currency), tax: money(tax, currency), total: money(subtotal + tax, currency) };
}

export interface FieldIssue {
  pointer: string;
  message: string;
}

/**
 * Structural rules the schema cannot say: whole numbers for counted units and unique line
 * numbers. Each issue points into the request body.
 */
export function structuralIssues(request: CreateOrderRequest, lines: readonly OrderLine[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Map<number, number>();
  lines.forEach((line, i) => {
    if (COUNTED_UNITS.has(line.quantity.uom) && !Number.isInteger(line.quantity.value)) {
      issues.push({ pointer: `/lines/${i}/quantity/value`, message: `must be a whole number for ${line.quantity.uom}` });
    }
    const first = seen.get(line.lineNumber);
    const pointer = request.lines[i]?.lineNumber === undefined ? `/lines/${i}` : `/lines/${i}/lineNumber`;
    if (first !== undefined) issues.push({ pointer, message: `line number ${line.lineNumber} is also used by /lines/${first}` });
    else seen.set(line.lineNumber, i);
  });
  return issues;
}

/** Lines whose unit price is not in the order currency. */
export function currencyIssues(currency: string, lines: readonly OrderLine[]): FieldIssue[] {
  return lines.flatMap((l, i) => (l.unitPrice.currency === currency ? [] : [{ pointer: `/lines/${i}/unitPrice/currency`, message: `must be ${currency}, the order currency` }]));
}

/**
 * Lines the catalogue refuses: an unknown sku, or a unit other than the sku's stock unit (the
 * layer keeps stock in that unit and the WMS counts in it).
 */
export function catalogueIssues(lines: readonly OrderLine[], unitOf: (sku: string) => string | undefined): { unknownSku: FieldIssue[]; uomMismatch: FieldIssue[] } {
  const unknownSku: FieldIssue[] = [];
  const uomMismatch: FieldIssue[] = [];
  lines.forEach((l, i) => {
    const uom = unitOf(l.sku);
    if (uom === undefined) unknownSku.push({ pointer: `/lines/${i}/sku`, message: `unknown sku ${l.sku}` });
    else if (uom !== l.quantity.uom) uomMismatch.push({ pointer: `/lines/${i}/quantity/uom`, message: `${l.sku} is sold in ${uom}` });
  });
  return { unknownSku, uomMismatch };
}

/** The timeline column holds comma-joined JSON objects, so an entry is appended with SQL `||`. */
export const timelineFragment = (entry: TimelineEntry): string => JSON.stringify(entry);
export const parseTimeline = (column: string): TimelineEntry[] => (column === '' ? [] : (JSON.parse(`[${column}]`) as TimelineEntry[]));
