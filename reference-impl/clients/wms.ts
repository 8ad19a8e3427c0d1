/** A distribution center's WMS: typed client and mapping. */
import type { Transport } from '../../runtime/ports.ts';
import { createTypedClient, type TypedClient } from '../../runtime/http/typed-client.ts';
import type { components, paths } from '../../contracts/generated/openapi/wms.ts';
import type { Address, OrderLine } from '../domain/order.ts';
import { DEFAULT_CREDENTIALS } from '../config.ts';

export type WmsSchemas = components['schemas'];
export type WmsClient = TypedClient<paths>;

/** A WMS's client; every call carries `X-Api-Key: <credential>` (wms.yaml's apiKey). */
export const wmsClient = (transport: Transport, target: string, credential: string = DEFAULT_CREDENTIALS.wms): WmsClient =>
  createTypedClient<paths>(transport, target, { headers: { 'x-api-key': credential } });

const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n) : s);

export function toWmsAddress(a: Address): WmsSchemas['Address'] {
  const out: WmsSchemas['Address'] = { name: clip(a.name, 100), line1: clip(a.line1, 100), city: clip(a.city, 60), postalCode: clip(a.postalCode, 16), country: a.country };
  if (a.line2) out.line2 = clip(a.line2, 100);
  return out;
}

export function toFulfillmentOrder(order: {
  id: string;
  lines: readonly OrderLine[];
  shipTo: Address;
  requestedDeliveryDate?: string | undefined;
  carrier: 'carrier-swift' | 'carrier-pelican';
  serviceLevel: string;
  label: { trackingNumber: string; labelId?: string | undefined };
}): WmsSchemas['FulfillmentOrderRequest'] {
  const label: WmsSchemas['ShippingLabel'] = { trackingNumber: order.label.trackingNumber };
  if (order.label.labelId) label.labelId = order.label.labelId;
  return {
    fulfillmentOrderId: order.id,
    orderReference: order.id,
    lines: order.lines.map((l) => ({ lineNumber: l.lineNumber, sku: l.sku, quantity: { value: l.quantity.value, uom: l.quantity.uom } })),
    shipTo: toWmsAddress(order.shipTo),
    carrier: order.carrier,
    serviceLevel: order.serviceLevel as WmsSchemas['ServiceLevel'],
    label,
  };
}
