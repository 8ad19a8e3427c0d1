import type { Anomaly, InvariantId } from '../harness/invariants/checker.ts';

/**
 * The result of `faultline run`: one document per run, versioned, documented in
 * reports/result.schema.json. It holds nothing that varies between runs of the same scenarios and
 * seeds (no wall-clock times, no absolute paths), so it is byte-identical on replay.
 */

export const RESULT_SCHEMA = 'https://faultline.dev/schemas/result/v1';

export type Status = 'pass' | 'fail' | 'unknown';

/** What outcomes add up to: fail if any fails, else unknown if any is unknown, else pass. */
export function verdictOf(statuses: Iterable<Status>): Status {
  let verdict: Status = 'pass';
  for (const s of statuses) {
    if (s === 'fail') return 'fail';
    if (s === 'unknown') verdict = 'unknown';
  }
  return verdict;
}

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  faultline: { version: string };
  /** sha256 of each contract file used, by path relative to the project root. */
  contracts: Record<string, string>;
  /** fail if any scenario fails, else unknown if any is unknown, else pass. */
  verdict: Status;
  scenarios: ScenarioResult[];
}

export interface ScenarioResult {
  /** The scenario's name (its file name without extension). */
  id: string;
  /** Path relative to the project root (or the file name when outside it). */
  file: string;
  title: string;
  description: string;
  seed: number;
  defects: string[];
  /** The command that replays this run exactly. */
  replay: string;
  verdict: Status;
  /** Every setting derived from the seed and the scenario, printed first by `run`. */
  settings: Record<string, string | number | boolean>;
  invariants: InvariantOutcome[];
  slos: SloOutcome[];
  faults: FaultOutcome[];
  counts: Counts;
  metrics: Metrics;
  timeseries: TimeSeries;
  /** Simulated time covered, ms. */
  virtualDurationMs: number;
}

export interface InvariantOutcome {
  id: InvariantId;
  status: Status;
  summary: string;
  anomalyTypes: string[];
  anomalyCount: number;
  anomalies: Anomaly[];
  reason?: string;
}

export interface SloOutcome {
  /** The metric, e.g. `order_ack_p99_ms`. */
  id: string;
  /** As written in the scenario, e.g. `order_ack_p99_ms < 300`. */
  expression: string;
  status: Status;
  observed: number | null;
  threshold: number;
  comparator: '<' | '<=' | '>' | '>=';
  unit: 'ms' | 'ratio' | 'count';
  detail?: string;
}

export interface FaultOutcome {
  id: string;
  kind: string;
  target: string;
  /** ms since scenario start. */
  fromMs: number;
  toMs: number | null;
  /** How many requests/messages it changed. */
  fired: number;
  /** ms from the fault's end until the layer held no outbox message and no open exception for its target system (any system for a channel or layer fault); null: not within the run. */
  recoveryMs: number | null;
}

export interface Counts {
  /** Orders the storefronts submitted (each once, however often it was retried or sent twice). */
  ordersSubmitted: number;
  /**
   * Submitted orders the layer acknowledged (202), each once. With `ordersRefused` and
   * `ordersUnanswered` it adds up to `ordersSubmitted`. Some are rejected later
   * (`ordersRejectedAfterAck`) or cancelled.
   */
  ordersAcknowledged: number;
  /** Submitted orders refused at intake (4xx) and never acknowledged. Absent in results written before it existed. */
  ordersRefused?: number;
  /** Acknowledged orders the layer rejected afterwards (credit refused, out of stock…). Absent in results written before it existed. */
  ordersRejectedAfterAck?: number;
  /** `ordersRefused` + `ordersRejectedAfterAck`: every order that was turned down, however. */
  ordersRejected: number;
  /**
   * The rejected orders by reason, keys sorted, in the contract's rejection reasons
   * (`insufficient_stock`, `credit_refused`…), whether refused at intake or rejected after
   * acknowledgement. Absent in results written before it existed.
   */
  rejectionsByReason?: Record<string, number>;
  /**
   * Orders the storefront gave up on without an answer: neither acknowledged nor refused (its
   * retries ran out on 429s, 503s or timeouts). Lost sales, as the channel sees them. Absent in
   * results written before it existed.
   */
  ordersUnanswered?: number;
  ordersCancelled: number;
  ordersBooked: number;
  ordersShipped: number;
  ordersDelivered: number;
  ordersInvoiced: number;
  returns: number;
  clientRetries: number;
  doubleSubmissions: number;
  exceptionsRaised: number;
  exceptionsReplayed: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface Metrics {
  /** Storefront → 202, ms. */
  orderAckLatencyMs: LatencySummary;
  /** Acknowledgement → booked in the ERP, ms. */
  erpPostingLagMs: LatencySummary;
  /** Shipment → invoice posted, ms. */
  invoiceDelayMs: LatencySummary;
  /** Share of (sku, DC) pairs where the layer's availability equals the truth, sampled. */
  inventoryAccuracy: number;
  exceptionRate: number;
  technical: {
    retries: number;
    throttled429: number;
    unavailable503: number;
    circuitOpens: number;
    maxExceptionQueueDepth: number;
    maxOutboxBacklog: number;
    reconciliationDriftUnits: number;
  };
}

export interface TimeSeries {
  /** Sampling interval during the fault phase, ms of virtual time (draining, samples are up to 5 min apart: read `t`). */
  intervalMs: number;
  /** Sample times, ms since scenario start. */
  t: number[];
  series: Record<string, number[]>;
}
