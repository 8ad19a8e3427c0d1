/**
 * Known, switchable bugs of the reference implementation. Each is a small branch in the code marked
 * `// DEFECT(<name>): …`, off by default, so the harness can prove that its invariants catch it
 * (`faultline serve --defect NAME`, `faultline serve --list-defects`, config `defects: [...]`).
 */
export const DEFECTS = {
  'no-idempotency': 'ignores Idempotency-Key: a retried POST /v1/orders creates a second order',
  'ack-before-commit': 'answers 202 before the order, reservation and outbox message are committed (a crash in between loses the order)',
  'no-event-dedup': 'shipment and tracking events are not deduplicated (by event id, fulfillment order or shipment status)',
  'ignore-retry-after': 'retries 429/503 answers on its own backoff instead of waiting for Retry-After',
  'no-reconciliation': 'the reconciliation job never runs, so drift between the layer and WMS/ERP stock stays',
  'stale-atp': 'available-to-promise is not reduced by open reservations, so concurrent orders can oversell',
  'drop-after-retries': 'a message that exhausts its retries is dropped instead of parked in the exception queue',
  'non-monotonic-status': 'carrier tracking statuses are applied in arrival order, so a late event moves a shipment backwards',
} as const satisfies Record<string, string>;

export type DefectName = keyof typeof DEFECTS;

export const DEFECT_NAMES = Object.keys(DEFECTS) as DefectName[];

export function isDefectName(name: string): name is DefectName {
  return Object.hasOwn(DEFECTS, name);
}

/** The defects as `name: description` lines, for `--list-defects`. */
export function describeDefects(): string[] {
  return DEFECT_NAMES.map((name) => `${name}: ${DEFECTS[name]}`);
}

/** A fast membership test over the configured defects. */
export class DefectSwitches {
  private readonly on: ReadonlySet<DefectName>;
  constructor(defects: readonly DefectName[] = []) {
    this.on = new Set(defects);
  }
  has(name: DefectName): boolean {
    return this.on.has(name);
  }
  list(): DefectName[] {
    return DEFECT_NAMES.filter((d) => this.on.has(d));
  }
}
