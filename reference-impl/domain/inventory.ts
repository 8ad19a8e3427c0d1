/**
 * Stock rules: available-to-promise, applying WMS adjustments by sequence, and reconciliation
 * against a snapshot. Pure; the services do the I/O.
 */

export interface StockPosition {
  onHand: number;
  reserved: number;
  /** Sequence of the last WMS adjustment reflected in `onHand`. */
  version: number;
}

/** Available-to-promise: on hand minus open reservations, never below 0. */
export function availableToPromise(p: Pick<StockPosition, 'onHand' | 'reserved'>, ignoreReservations = false): number {
  // ignoreReservations is the stale-atp defect's view of stock.
  return Math.max(0, ignoreReservations ? p.onHand : p.onHand - p.reserved);
}

/**
 * What an `inventoryAdjusted` with `sequence` and absolute `onHand` does to a position: applied
 * only when newer than what the position reflects (a stale or duplicated event never overwrites
 * newer figures).
 */
export function applyAdjustment(current: StockPosition | undefined, sequence: number, onHand: number): { apply: boolean; delta: number } {
  if (current === undefined) return { apply: true, delta: onHand };
  if (sequence <= current.version) return { apply: false, delta: 0 };
  return { apply: true, delta: onHand - current.onHand };
}

/**
 * A snapshot item against the layer's view: adopt it when it reflects newer (or the same, but
 * different) figures; `drift` is how far the layer's on-hand was off.
 */
export function reconcilePosition(current: StockPosition | undefined, snapshot: { onHand: number; version: number }): { adopt: boolean; drift: number } {
  if (current === undefined) return { adopt: true, drift: snapshot.onHand };
  if (snapshot.version < current.version) return { adopt: false, drift: 0 };
  if (snapshot.version === current.version && snapshot.onHand === current.onHand) return { adopt: false, drift: 0 };
  return { adopt: true, drift: Math.abs(snapshot.onHand - current.onHand) };
}
