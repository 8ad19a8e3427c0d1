/**
 * Carrier tracking normalised to the canonical shipment status, and the monotonic merge that
 * keeps the status a channel sees from ever moving backwards.
 */

export type ShipmentStatus = 'label_created' | 'dispatched' | 'in_transit' | 'out_for_delivery' | 'delivered';

export const SHIPMENT_RANK: Record<ShipmentStatus, number> = {
  label_created: 0,
  dispatched: 1,
  in_transit: 2,
  out_for_delivery: 3,
  delivered: 4,
};

/** SwiftShip `ShipmentStatus` → canonical; `EXCEPTION` (the shipment usually continues) changes nothing. */
export const SWIFT_STATUS: Record<string, ShipmentStatus | null> = {
  LABEL_CREATED: 'label_created',
  PICKED_UP: 'dispatched',
  IN_TRANSIT: 'in_transit',
  OUT_FOR_DELIVERY: 'out_for_delivery',
  DELIVERED: 'delivered',
  EXCEPTION: null,
};

/** Pelican `EventCode` → canonical; hub arrivals and departures are both in transit. */
export const PELICAN_STATUS: Record<string, ShipmentStatus | null> = {
  LC: 'label_created',
  PU: 'dispatched',
  AR: 'in_transit',
  DP: 'in_transit',
  OD: 'out_for_delivery',
  DL: 'delivered',
  EX: null,
};

export function normaliseCarrierStatus(carrier: string, code: string): ShipmentStatus | null {
  const table = carrier === 'carrier-pelican' ? PELICAN_STATUS : SWIFT_STATUS;
  return table[code] ?? null;
}

/**
 * The status after observing `next`: `next` when it is further along, else `undefined` (a
 * duplicate or a late event; nothing to apply or announce). With `monotonic` false (the
 * non-monotonic-status defect) any different status is applied.
 */
export function mergeShipmentStatus(current: ShipmentStatus | undefined, next: ShipmentStatus, monotonic = true): ShipmentStatus | undefined {
  if (current === undefined) return next;
  if (!monotonic) return next === current ? undefined : next;
  return SHIPMENT_RANK[next] > SHIPMENT_RANK[current] ? next : undefined;
}

/** The canonical carrier code of event payloads (`carrier-swift` → `swift`). */
export const carrierCode = (system: string): string => system.replace(/^carrier-/, '');
