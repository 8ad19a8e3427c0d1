/** The carriers' typed clients and label purchase in each one's dialect. */
import type { Transport } from '../../runtime/ports.ts';
import { createTypedClient, type TypedClient, type TypedResponse } from '../../runtime/http/typed-client.ts';
import type { components as SwiftComponents, operations as SwiftOperations, paths as SwiftPaths } from '../../contracts/generated/openapi/carrier-swift.ts';
import type { components as PelicanComponents, operations as PelicanOperations, paths as PelicanPaths } from '../../contracts/generated/openapi/carrier-pelican.ts';
import { DEFAULT_CREDENTIALS, type AddressConfig, type CarrierSystem } from '../config.ts';
import type { Address } from '../domain/order.ts';

export type SwiftClient = TypedClient<SwiftPaths>;
export type PelicanClient = TypedClient<PelicanPaths>;

/** A label as the layer keeps it, whoever sold it. */
export interface BoughtLabel {
  trackingNumber: string;
  /** Pelican's `label_id` (needed to tender), SwiftShip's `shipmentId`. */
  labelId: string;
}

export interface LabelRequest {
  reference: string;
  serviceLevel: string;
  shipFrom: AddressConfig;
  shipTo: Address;
  weightKg: number;
}

const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n) : s);

export function toSwiftShipment(r: LabelRequest): SwiftComponents['schemas']['ShipmentRequest'] {
  const address = (a: Address | AddressConfig): SwiftComponents['schemas']['Address'] => {
    const out: SwiftComponents['schemas']['Address'] = { name: clip(a.name, 70), street1: clip(a.line1, 70), city: clip(a.city, 50), postalCode: clip(a.postalCode, 16), countryCode: a.country };
    if (a.line2) out.street2 = clip(a.line2, 70);
    if ('phone' in a && a.phone) out.phone = a.phone;
    return out;
  };
  return {
    reference: clip(r.reference, 64),
    serviceCode: r.serviceLevel as SwiftComponents['schemas']['ServiceCode'],
    shipFrom: address(r.shipFrom),
    shipTo: address(r.shipTo),
    parcels: [{ weightKg: Math.min(70, Math.max(0.1, r.weightKg)) }],
  };
}

export function toPelicanLabel(r: LabelRequest): PelicanComponents['schemas']['LabelRequest'] {
  const address = (a: Address | AddressConfig): PelicanComponents['schemas']['PelicanAddress'] => {
    const out: PelicanComponents['schemas']['PelicanAddress'] = { contact_name: clip(a.name, 60), address_1: clip(a.line1, 60), city: clip(a.city, 40), zip: clip(a.postalCode, 16), country_code: a.country };
    if (a.line2) out.address_2 = clip(a.line2, 60);
    if ('phone' in a && a.phone) out.phone = a.phone;
    return out;
  };
  const pallet = r.serviceLevel === 'pallet_std';
  return {
    client_reference: clip(r.reference, 64),
    service_level: r.serviceLevel as PelicanComponents['schemas']['ServiceLevel'],
    ship_from: address(r.shipFrom),
    ship_to: address(r.shipTo),
    packages: [{ weight_g: Math.max(1, Math.min(pallet ? 1_200_000 : 31_500, Math.round(r.weightKg * 1000))), kind: pallet ? 'pallet' : 'parcel' }],
  };
}

/** Buys a label from `carrier`; the answer is mapped to a BoughtLabel when it is a 2xx. */
export interface CarrierClients {
  buyLabel(carrier: CarrierSystem, request: LabelRequest, init: { headers: Record<string, string>; signal: AbortSignal }): Promise<TypedResponse<SwiftOperations['createShipment']> | TypedResponse<PelicanOperations['createLabel']>>;
  labelOf(carrier: CarrierSystem, data: unknown): BoughtLabel | undefined;
  /** The request body as sent, for the exception queue. */
  payloadOf(carrier: CarrierSystem, request: LabelRequest): unknown;
}

/** Each carrier's client with the credential its contract asks for (SwiftShip bearer, Pelican X-Api-Key). */
export function carrierClients(transport: Transport, credentials: { 'carrier-swift': string; 'carrier-pelican': string } = DEFAULT_CREDENTIALS): CarrierClients {
  const swift = createTypedClient<SwiftPaths>(transport, 'carrier-swift', { headers: { authorization: `Bearer ${credentials['carrier-swift']}` } });
  const pelican = createTypedClient<PelicanPaths>(transport, 'carrier-pelican', { headers: { 'x-api-key': credentials['carrier-pelican'] } });
  return {
    buyLabel: (carrier, request, init) =>
      carrier === 'carrier-swift' ? swift.POST('/v2/shipments', { body: toSwiftShipment(request), ...init }) : pelican.POST('/api/labels', { body: toPelicanLabel(request), ...init }),
    labelOf: (carrier, data) => {
      const d = (data ?? {}) as Record<string, unknown>;
      if (carrier === 'carrier-swift') return typeof d.trackingNumber === 'string' ? { trackingNumber: d.trackingNumber, labelId: String(d.shipmentId ?? d.trackingNumber) } : undefined;
      return typeof d.tracking_code === 'string' && typeof d.label_id === 'string' ? { trackingNumber: d.tracking_code, labelId: d.label_id } : undefined;
    },
    payloadOf: (carrier, request) => (carrier === 'carrier-swift' ? toSwiftShipment(request) : toPelicanLabel(request)),
  };
}
