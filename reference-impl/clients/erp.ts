/** The ERP's typed client and the mapping from the canonical model to its dialect. */
import type { Transport } from '../../runtime/ports.ts';
import { createTypedClient, type TypedClient } from '../../runtime/http/typed-client.ts';
import type { components, paths } from '../../contracts/generated/openapi/erp.ts';
import type { Address, OrderLine } from '../domain/order.ts';
import { DEFAULT_CREDENTIAL } from '../config.ts';

export type ErpPaths = paths;
export type ErpSchemas = components['schemas'];
export type ErpClient = TypedClient<paths>;

export const ERP = 'erp';

/** The ERP client; every call carries `Authorization: Bearer <credential>` (erp.yaml's bearerAuth). */
export const erpClient = (transport: Transport, credential: string = DEFAULT_CREDENTIAL): ErpClient =>
  createTypedClient<paths>(transport, ERP, { headers: { authorization: `Bearer ${credential}` } });

const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n) : s);

export function toErpAddress(a: Address): ErpSchemas['ErpAddress'] {
  const out: ErpSchemas['ErpAddress'] = { name: clip(a.name, 100), street: clip(a.line1, 100), city: clip(a.city, 60), postalCode: a.postalCode, country: a.country };
  if (a.line2) out.street2 = clip(a.line2, 100);
  return out;
}

/** Canonical order → `SalesOrderCreate` (itemNumber, warehouse, qty/uom, soldTo, externalReference). */
export function toSalesOrderCreate(order: { id: string; customerId: string; currency: string; dc: string; createdAt: string; lines: readonly OrderLine[]; shipTo: Address }): ErpSchemas['SalesOrderCreate'] {
  return {
    externalReference: order.id,
    soldTo: order.customerId,
    currency: order.currency,
    warehouse: order.dc,
    orderDate: order.createdAt,
    lines: order.lines.map((l) => ({ lineNumber: l.lineNumber, itemNumber: l.sku, qty: l.quantity.value, uom: l.quantity.uom, unitPrice: { amount: l.unitPrice.amount, currency: l.unitPrice.currency } })),
    shipTo: toErpAddress(order.shipTo),
  };
}

export function toPriceValidation(customerId: string, currency: string, lines: readonly OrderLine[]): ErpSchemas['PriceValidationRequest'] {
  return {
    soldTo: customerId,
    currency,
    lines: lines.map((l) => ({ itemNumber: l.sku, qty: l.quantity.value, uom: l.quantity.uom, unitPrice: { amount: l.unitPrice.amount, currency: l.unitPrice.currency } })),
  };
}

/** Return reason → credit memo reason. */
export const CREDIT_REASON: Record<string, ErpSchemas['CreditMemoCreate']['reason']> = {
  damaged: 'DAMAGED',
  wrong_item: 'WRONG_ITEM',
  not_needed: 'NOT_NEEDED',
  other: 'OTHER',
};

/** The ERP's pointer into a price-validation body (`/lines/2/uom`) → the order request's (`/lines/2/quantity/uom`). */
export function erpPointerToOrder(pointer: string): string {
  return pointer
    .replace(/^\/lines\/(\d+)\/itemNumber$/, '/lines/$1/sku')
    .replace(/^\/lines\/(\d+)\/uom$/, '/lines/$1/quantity/uom')
    .replace(/^\/lines\/(\d+)\/qty$/, '/lines/$1/quantity/value')
    .replace(/^\/soldTo$/, '/customerId')
    .replace(/^\/amount\/currency$/, '/currency');
}
