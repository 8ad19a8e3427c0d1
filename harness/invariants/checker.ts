/**
 * The checker contract (after Jepsen): a checker reads the history and the ground truth and says
 * true, false or 'unknown', with every anomaly carrying the operations that caused it.
 */

export type Validity = true | false | 'unknown';

export const INVARIANT_IDS = [
  'no-lost-orders',
  'no-duplicate-erp-postings',
  'no-oversell',
  'inventory-converges',
  'exceptions-replayable',
  'shipment-status-monotonic',
  'invoice-for-every-shipment',
  'retry-after-respected',
] as const;

export type InvariantId = (typeof INVARIANT_IDS)[number];

/** One history entry, as cited by an anomaly: what happened, to what, when, under which trace. */
export interface HistoryExcerpt {
  /** Virtual time, ms since scenario start. */
  at: number;
  /** Who acted: a channel, a system, the layer. */
  actor: string;
  /** invoke | ok | fail | info | event | truth */
  type: string;
  /** What was done: `createOrder`, `bookSalesOrder`, `shipment.dispatched`… */
  what: string;
  detail?: string;
  traceId?: string;
}

export interface Anomaly {
  /** A kind of violation, e.g. `lost`, `duplicate-booking`, `status-regressed`. */
  type: string;
  /** One sentence a person can act on. */
  message: string;
  /** The business keys involved. */
  subject: Record<string, string>;
  traceIds: string[];
  /** Virtual time (ms since scenario start) the violation became visible. */
  at?: number;
  /** A short excerpt of the history that shows it, oldest first. */
  excerpt: HistoryExcerpt[];
}

export interface CheckResult {
  id: InvariantId;
  valid: Validity;
  /** One line: what was checked and what was found. */
  summary: string;
  anomalyTypes: string[];
  /** Every anomaly found (the run keeps the first `--violations` of them); `anomalyCount` is the total. */
  anomalies: Anomaly[];
  anomalyCount: number;
  /** Why the checker could not decide (valid: 'unknown'). */
  reason?: string;
}

/** How many anomalies of each invariant a result keeps unless `--violations` says otherwise. */
export const MAX_ANOMALIES = 20;


/** Builds a result from the anomalies found. */
export function resultOf(id: InvariantId, anomalies: Anomaly[], summaryOk: string, summaryFail: (n: number) => string): CheckResult {
  const types = [...new Set(anomalies.map((a) => a.type))].sort();
  return {
    id,
    valid: anomalies.length === 0,
    summary: anomalies.length === 0 ? summaryOk : summaryFail(anomalies.length),
    anomalyTypes: types,
    anomalies,
    anomalyCount: anomalies.length,
  };
}

/** Runs a checker; one that throws yields 'unknown' with the reason, never a pass. */
export function checkSafe(id: InvariantId, run: () => CheckResult): CheckResult {
  try {
    return run();
  } catch (error) {
    return {
      id,
      valid: 'unknown',
      summary: `the checker could not decide: ${error instanceof Error ? error.message : String(error)}`,
      anomalyTypes: [],
      anomalies: [],
      anomalyCount: 0,
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}
