import type { CircuitState } from '../resilience/circuit.ts';
import type { SystemCounters } from '../resilience/lane.ts';

/** Counters the harness samples on virtual time through `layer.stats()`. */
export interface LayerStats {
  /** Clock reading when sampled. */
  at: number;
  orders: {
    /** Acknowledged with 202 (status accepted or pending_validation). */
    accepted: number;
    /** Of those, acknowledged as pending_validation (ERP slow, down, throttled or circuit open). */
    pendingValidation: number;
    /** Refused at intake with a 4xx (validation, unknown sku, insufficient stock, credit…). */
    rejected: number;
    /** Answered 503 at intake without any work: `maxIntakeInFlight` orders were being handled. */
    shed: number;
    /** Pending orders the deferred validation accepted / rejected. */
    validatedLater: number;
    rejectedLater: number;
    cancelled: number;
    posted: number;
    shipped: number;
    delivered: number;
    invoiced: number;
    credited: number;
  };
  idempotency: { replays: number; conflicts: number; inFlight: number };
  /** Per downstream system (`erp`, `wms@DC-EAST`, `carrier-swift`…). */
  systems: Record<string, SystemCounters & { breaker: CircuitState; queued: number; active: number }>;
  breakers: { opens: number; open: string[] };
  exceptions: { depth: number; raised: number; resolved: number; replays: number; dropped: number };
  outbox: { backlog: number; delivered: number; eventsPublished: number; eventsPending: number };
  reconciliation: { runs: number; driftUnits: number; driftPositions: number; corrections: number; erpDriftUnits: number; erpDriftPositions: number; skipped: number };
  dedup: { hits: number; byChannel: Record<string, number> };
  inventory: { eventsApplied: number; staleEvents: number; reservationsSettled: number };
}

export function emptyStats(): Omit<LayerStats, 'at' | 'systems' | 'breakers'> {
  return {
    orders: { accepted: 0, pendingValidation: 0, rejected: 0, shed: 0, validatedLater: 0, rejectedLater: 0, cancelled: 0, posted: 0, shipped: 0, delivered: 0, invoiced: 0, credited: 0 },
    idempotency: { replays: 0, conflicts: 0, inFlight: 0 },
    exceptions: { depth: 0, raised: 0, resolved: 0, replays: 0, dropped: 0 },
    outbox: { backlog: 0, delivered: 0, eventsPublished: 0, eventsPending: 0 },
    reconciliation: { runs: 0, driftUnits: 0, driftPositions: 0, corrections: 0, erpDriftUnits: 0, erpDriftPositions: 0, skipped: 0 },
    dedup: { hits: 0, byChannel: {} },
    inventory: { eventsApplied: 0, staleEvents: 0, reservationsSettled: 0 },
  };
}

export type MutableStats = ReturnType<typeof emptyStats>;
