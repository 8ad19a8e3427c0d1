/**
 * The fault vocabulary: one typed, documented entry per kind, as written in a fault plan (YAML or
 * JSON). `fault-plan.schema.json` validates the same shapes; `plan.ts` turns them into compiled
 * faults (durations in milliseconds, targets parsed) that both injectors read.
 *
 * Every fault acts only inside its window and, within it, on each matching call or message with
 * its `probability`. Faults are data: adding one never changes what another does (each draws from
 * its own random stream, forked from the run's seed by fault id).
 */

/** A duration string: `250ms`, `90s`, `15m`, `2h`, `1h30m`. */
export type Duration = string;
/** Milliseconds as a number, or a duration string (`2s`). */
export type Millis = number | string;

export const FAULT_KINDS = [
  'downtime',
  'latency',
  'timeout',
  'error-rate',
  'throttle',
  'duplicate',
  'reorder',
  'delay-messages',
  'lost-ack',
  'malformed',
  'schema-drift',
  'clock-skew',
  'crash',
  'reset',
  'slow-body',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Fields every fault has. */
export interface FaultCommon<K extends FaultKind = FaultKind> {
  /** Which fault; decides the other fields. */
  kind: K;
  /**
   * What it acts on, in the grammar of docs/landscape.md ("Fault targets"): a system (`erp`,
   * `wms`, `wms@DC-EAST`, `carrier-swift`, `layer`), one of its operations
   * (`erp:bookSalesOrder`, `wms@DC-EAST:releaseFulfillmentOrder`), or a bus channel and every
   * channel below it (`events:wms.shipment`, `events:wms`, `events:carrier.tracking`).
   */
  target: string;
  /** Name in reports and in the proxy's admin API. Default `<kind>-<index in the plan>`. */
  id?: string;
  /** Free text for people reading the plan. */
  description?: string;
  /** Start of the window, as an offset from scenario time 0 (proxy: from proxy start). Default 0. */
  from?: Duration;
  /** End of the window (exclusive). Absent: until the end of the run. */
  to?: Duration;
  /** Chance in [0, 1] that a matching call or message is affected. Default 1. */
  probability?: number;
}

/** How long something waits, drawn per call or message. */
export type DelayDistribution =
  | {
      /** Always the same delay (the default distribution). */
      distribution?: 'fixed';
      /** The delay. */
      ms: Millis;
      /** Plus or minus up to this much, uniformly (never below 0). Default 0. */
      jitter?: Millis;
    }
  | {
      distribution: 'uniform';
      /** Shortest delay. */
      min: Millis;
      /** Longest delay (at least `min`). */
      max: Millis;
      jitter?: Millis;
    }
  | {
      /** Heavy-tailed, like real service latency: exp(N(ln median, sigma²)). */
      distribution: 'lognormal';
      /** Half the delays are shorter than this. */
      median: Millis;
      /** Spread of ln(delay); 0.5 gives p99 ≈ 3.2 × median, 1 gives p99 ≈ 10 × median. */
      sigma: number;
      jitter?: Millis;
    };

/** The system is down: every call fails (`mode`). */
export interface DowntimeFault extends FaultCommon<'downtime'> {
  /**
   * `unavailable` (default): `503` problem+json with `Retry-After` (maintenance).
   * `refused`: no answer at all, the call fails with TransportError code `refused` (the proxy
   * closes the connection before answering).
   */
  mode?: 'unavailable' | 'refused';
  /** The `Retry-After` to announce. Default: until the window ends (30s when it has no end). */
  retryAfter?: Duration;
  /** `seconds` (default) or `http-date` (IMF-fixdate, as Pelican sends it). */
  retryAfterFormat?: 'seconds' | 'http-date';
}

/** Calls take longer: the delay is added before the request reaches the system. */
export type LatencyFault = FaultCommon<'latency'> & DelayDistribution;

/** No answer until the caller gives up (its AbortSignal aborts; the proxy: the client hangs up). The request never reaches the system. */
export type TimeoutFault = FaultCommon<'timeout'>;

/** The system answers a 5xx problem+json instead of doing the work (set the share with `probability`). */
export interface ErrorRateFault extends FaultCommon<'error-rate'> {
  /** The status, 500–599. Default 500. */
  status?: number;
}

/** A token bucket in front of the system: over the rate, `429` problem+json with `Retry-After`. */
export interface ThrottleFault extends FaultCommon<'throttle'> {
  /** Tokens added per second (the sustained rate admitted). */
  rate: number;
  /** Bucket size: how many calls pass in a burst. Starts full. Default max(1, ceil(rate)). */
  burst?: number;
  /** `seconds` (default) or `http-date`. */
  retryAfterFormat?: 'seconds' | 'http-date';
}

/** Delivered more than once: a request forwarded, or a message published, `copies` times in all. */
export interface DuplicateFault extends FaultCommon<'duplicate'> {
  /** Deliveries in all, at least 2. Default 2. The caller sees the first copy's answer. */
  copies?: number;
  /** Wait between copies. Default 0 (back to back). */
  spacing?: Duration;
}

/** Messages are held for `window`, then released together in a shuffled order. */
export interface ReorderFault extends FaultCommon<'reorder'> {
  /** How long the first held message waits before the batch is shuffled and released. */
  window: Duration;
}

/**
 * Messages arrive late. Messages sharing an ordering key stay in order (a later message waits for
 * an earlier, delayed one): use `reorder` to break the order on purpose.
 */
export interface DelayMessagesFault extends FaultCommon<'delay-messages'> {
  /** The delay, drawn per message. */
  delay: DelayDistribution;
}

/** The request takes effect but the answer is lost. */
export interface LostAckFault extends FaultCommon<'lost-ack'> {
  /** `reset` (default): the call fails with TransportError `reset`. `timeout`: no answer until the caller gives up. */
  mode?: 'reset' | 'timeout';
}

/** A broken response (system targets) or message (channel targets; system targets also cover the messages the system publishes). */
export interface MalformedFault extends FaultCommon<'malformed'> {
  /**
   * `truncated-json`: the body is cut in half. `wrong-content-type`: the body is unchanged but
   * labelled `text/html`. `schema-violation`: valid JSON, but one member has the wrong type.
   */
  variant: 'truncated-json' | 'wrong-content-type' | 'schema-violation';
  /** For `schema-violation`: JSON pointer of the member to break. Default: the first member of the top-level object. */
  field?: string;
}

/** A v2 payload: members renamed and added (responses, or messages on channel targets). */
export interface SchemaDriftFault extends FaultCommon<'schema-drift'> {
  /** Old member name → new member name, applied at every depth. */
  renames?: Record<string, string>;
  /** Members added to the top-level object (to each element of a top-level array). */
  adds?: Record<string, unknown>;
}

/** The target's clock is off: RFC 3339 timestamps and `*_ms` epoch members in what it sends are shifted. */
export interface ClockSkewFault extends FaultCommon<'clock-skew'> {
  /** Signed offset, e.g. `-5m` (the target's clock is 5 minutes behind). */
  offset: Duration;
}

/** The integration layer restarts at `from` (target `layer` only). The harness carries it out. */
export interface CrashFault extends FaultCommon<'crash'> {
  /** How long the layer stays down before the new instance starts. Default 0. */
  downFor?: Duration;
}

/** Real sockets only (faultline proxy): the connection is reset part-way through the response body. */
export interface ResetFault extends FaultCommon<'reset'> {
  /** Body bytes sent before the reset. Default: half the body. */
  afterBytes?: number;
}

/** Real sockets only (faultline proxy): the response body is dribbled out. */
export interface SlowBodyFault extends FaultCommon<'slow-body'> {
  /** Body bytes per second. */
  bytesPerSecond: number;
}

/** One entry of a fault plan, as written. */
export type FaultSpec =
  | DowntimeFault
  | LatencyFault
  | TimeoutFault
  | ErrorRateFault
  | ThrottleFault
  | DuplicateFault
  | ReorderFault
  | DelayMessagesFault
  | LostAckFault
  | MalformedFault
  | SchemaDriftFault
  | ClockSkewFault
  | CrashFault
  | ResetFault
  | SlowBodyFault;

/** A fault plan file: `faults:` and nothing else. */
export interface FaultPlanSpec {
  faults: FaultSpec[];
}

/** Where a kind can act. */
export interface KindInfo {
  /** On HTTP calls to a system (`erp`, `erp:bookSalesOrder`). */
  calls: boolean;
  /** On bus messages (`events:…`). */
  messages: boolean;
  /** Only the `faultline proxy` can do it (it needs a real socket). */
  socketsOnly: boolean;
  /** What it does, in a few words (for error messages and `--help`). */
  summary: string;
}

export const KIND_INFO: Record<FaultKind, KindInfo> = {
  downtime: { calls: true, messages: false, socketsOnly: false, summary: 'answers 503 or refuses calls' },
  latency: { calls: true, messages: false, socketsOnly: false, summary: 'delays calls' },
  timeout: { calls: true, messages: false, socketsOnly: false, summary: 'never answers calls' },
  'error-rate': { calls: true, messages: false, socketsOnly: false, summary: 'answers calls with a 5xx' },
  throttle: { calls: true, messages: false, socketsOnly: false, summary: 'answers 429 over a rate' },
  duplicate: { calls: true, messages: true, socketsOnly: false, summary: 'delivers a call or message several times' },
  reorder: { calls: false, messages: true, socketsOnly: false, summary: 'holds and shuffles bus messages' },
  'delay-messages': { calls: false, messages: true, socketsOnly: false, summary: 'delays bus messages' },
  'lost-ack': { calls: true, messages: false, socketsOnly: false, summary: 'loses the answer to a call that took effect' },
  malformed: { calls: true, messages: true, socketsOnly: false, summary: 'breaks response or message bodies' },
  'schema-drift': { calls: true, messages: true, socketsOnly: false, summary: 'renames and adds members in responses or messages' },
  'clock-skew': { calls: true, messages: true, socketsOnly: false, summary: 'shifts the timestamps a system sends' },
  crash: { calls: false, messages: false, socketsOnly: false, summary: 'restarts the integration layer' },
  reset: { calls: true, messages: false, socketsOnly: true, summary: 'resets the connection mid-response' },
  'slow-body': { calls: true, messages: false, socketsOnly: true, summary: 'dribbles the response body' },
};
