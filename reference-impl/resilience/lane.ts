import type { Clock, Timer } from '../../runtime/ports.ts';
import type { TypedResponse } from '../../runtime/http/typed-client.ts';
import { Circuit, type CircuitState } from './circuit.ts';
import type { Deadlines } from './deadlines.ts';
import { classifyError, classifyResponse, type CallOutcome } from './outcome.ts';

/** Per-system counters, sampled by the harness through `stats()`. */
export interface SystemCounters {
  calls: number;
  failures: number;
  timeouts: number;
  throttled429: number;
  unavailable503: number;
  retriesScheduled: number;
  blockedCalls: number;
  breakerOpens: number;
  breaker: CircuitState;
  /** Epoch ms before which the system must not be called (its last Retry-After), 0 when none. */
  blockedUntil: number;
}

export interface LaneOptions {
  system: string;
  clock: Clock;
  /** Call timeouts (shared abort signals and timers). */
  deadlines: Deadlines;
  concurrency: number;
  breakerFailures: number;
  halfOpenAfterMs: number;
  /** DEFECT(ignore-retry-after) passes false. */
  honourRetryAfter: boolean;
  /** A Retry-After moved the gate: persist it so a restarted layer honours it too. */
  onGate?: (system: string, until: number) => void;
  onCircuit?: (system: string, state: CircuitState) => void;
  /** Every call made (not the ones the gate or circuit held back), with how it ended. */
  onCall?: (system: string, outcome: CallOutcome['kind']) => void;
}

/** A unit of work run on a lane once admitted (concurrency, Retry-After gate, circuit). */
export type LaneJob = (session: LaneSession) => Promise<void>;

/** One admitted job's access to the system. */
export interface LaneSession {
  /** Calls the system (unless its gate closed meanwhile), with a timeout; classifies the answer. */
  call<Op extends Record<string | number, unknown>>(timeoutMs: number, send: (signal: AbortSignal) => Promise<TypedResponse<Op>>): Promise<CallOutcome>;
}

/**
 * The executor in front of one downstream system (`erp`, `wms@DC-EAST`, `carrier-swift`): a
 * bulkhead (calls in flight), the system's Retry-After gate (no call before the instant it
 * named, whoever makes it) and its circuit breaker. Queued jobs wait without timers of their
 * own: one timer per lane wakes it when the gate or circuit reopens.
 *
 * The bulkhead adapts to throttling (AIMD, as TCP does): each 429 halves the calls allowed in
 * flight, each success adds one back up to `concurrency`. Honouring Retry-After alone is not
 * enough: when the gate reopens, every waiting job would call at that instant, and a partner
 * that takes one call every few seconds answers all but one with 429 again (measured in
 * carrier-throttling: 64 calls per reopening, 85,657 429s in the hour).
 */
export class SystemLane {
  readonly circuit: Circuit;
  readonly counters: SystemCounters;
  private readonly queue: LaneJob[] = [];
  private head = 0;
  private inFlight = 0;
  private wake: Timer | undefined;
  private wakeAt = 0;
  private stopped = false;
  /** Calls allowed in flight now (queued jobs and direct calls): `concurrency`, less after 429s. */
  private limit: number;
  private directInFlight = 0;

  constructor(private readonly options: LaneOptions) {
    this.circuit = new Circuit(options.clock, options.breakerFailures, options.halfOpenAfterMs);
    this.counters = { calls: 0, failures: 0, timeouts: 0, throttled429: 0, unavailable503: 0, retriesScheduled: 0, blockedCalls: 0, breakerOpens: 0, breaker: 'closed', blockedUntil: 0 };
    this.limit = options.concurrency;
  }

  /** Calls allowed in flight now (lower than the configured concurrency after 429s). */
  get allowedInFlight(): number {
    return this.limit;
  }

  get system(): string {
    return this.options.system;
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  get active(): number {
    return this.inFlight;
  }

  /** Restores a persisted gate (after a restart). */
  restoreGate(until: number): void {
    if (until > this.counters.blockedUntil) this.counters.blockedUntil = until;
  }

  /** Why a call cannot start now, or undefined when it can (does not take a half-open trial). */
  blockedReason(): { reason: string; until: number } | undefined {
    const now = this.options.clock.now();
    if (now < this.counters.blockedUntil) return { reason: `${this.system} asked not to be called before ${new Date(this.counters.blockedUntil).toISOString()} (Retry-After)`, until: this.counters.blockedUntil };
    if (this.circuit.state === 'open') return { reason: `circuit of ${this.system} is open`, until: this.circuit.trialAt };
    return undefined;
  }

  enqueue(job: LaneJob): void {
    this.queue.push(job);
    this.pump();
  }

  /**
   * A call outside the queue (intake validation, reconciliation): made at once when the gate and
   * circuit allow, else answered `blocked` without calling.
   */
  async direct<Op extends Record<string | number, unknown>>(timeoutMs: number, send: (signal: AbortSignal) => Promise<TypedResponse<Op>>): Promise<CallOutcome> {
    const blocked = this.blockedReason();
    if (blocked) {
      this.counters.blockedCalls++;
      return { kind: 'blocked', ...blocked };
    }
    if (this.limit < this.options.concurrency && this.inFlight + this.directInFlight >= this.limit) {
      this.counters.blockedCalls++;
      return { kind: 'blocked', reason: `${this.system} is throttling: ${this.limit} call(s) at a time until it takes calls again`, until: this.options.clock.now() };
    }
    if (!this.circuit.admit()) {
      this.counters.blockedCalls++;
      return { kind: 'blocked', reason: `circuit of ${this.system} is half-open with its trial call in flight`, until: this.options.clock.now() };
    }
    this.directInFlight++;
    try {
      return await this.callOnce(timeoutMs, send);
    } finally {
      this.directInFlight--;
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.cancel();
    this.wake = undefined;
  }

  private pump(): void {
    while (!this.stopped && this.head < this.queue.length && this.inFlight + this.directInFlight < this.limit) {
      const blocked = this.blockedReason();
      if (blocked) {
        this.sleepUntil(blocked.until);
        return;
      }
      if (!this.circuit.admit()) return; // a half-open trial is in flight; its report pumps again
      const job = this.queue[this.head]!;
      this.queue[this.head++] = undefined as never;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.inFlight++;
      void this.runJob(job);
    }
  }

  private async runJob(job: LaneJob): Promise<void> {
    let calls = 0;
    const session: LaneSession = {
      call: async (timeoutMs, send) => {
        // The gate may have closed since the job was admitted (another call got a 429).
        const blocked = this.blockedReason();
        if (blocked) {
          this.counters.blockedCalls++;
          return { kind: 'blocked', ...blocked };
        }
        calls++;
        return this.callOnce(timeoutMs, send);
      },
    };
    try {
      await job(session);
    } finally {
      if (calls === 0) this.circuit.release();
      this.inFlight--;
      this.pump();
    }
  }

  private async callOnce<Op extends Record<string | number, unknown>>(timeoutMs: number, send: (signal: AbortSignal) => Promise<TypedResponse<Op>>): Promise<CallOutcome> {
    const clock = this.options.clock;
    const deadline = this.options.deadlines.acquire(timeoutMs);
    this.counters.calls++;
    let outcome: CallOutcome;
    try {
      const answer = await send(deadline.signal);
      outcome = classifyResponse(answer.response, answer.data ?? answer.error, clock.now());
    } catch (error) {
      outcome = classifyError(error, deadline.expired(), timeoutMs);
    } finally {
      deadline.release();
    }
    this.observe(outcome);
    return outcome;
  }

  private observe(outcome: CallOutcome): void {
    this.options.onCall?.(this.system, outcome.kind);
    const c = this.counters;
    const before = this.circuit.opens;
    if (outcome.kind === 'transient') {
      if (outcome.status === 429) c.throttled429++;
      if (outcome.status === 503) c.unavailable503++;
      if (outcome.reason.startsWith('no answer within')) c.timeouts++;
      if (outcome.throttled) {
        this.circuit.success();
        this.limit = Math.max(1, Math.floor(this.limit / 2));
      } else {
        c.failures++;
        this.circuit.failure();
      }
      // DEFECT(ignore-retry-after): with the defect the gate is never set, so calls resume on backoff alone.
      if (outcome.retryAfterMs !== undefined && this.options.honourRetryAfter) {
        const until = this.options.clock.now() + outcome.retryAfterMs;
        if (until > c.blockedUntil) {
          c.blockedUntil = until;
          this.options.onGate?.(this.system, until);
        }
      }
    } else if (outcome.kind === 'ok' || outcome.kind === 'refused') {
      this.circuit.success();
      if (this.limit < this.options.concurrency) this.limit++;
    }
    c.breakerOpens = this.circuit.opens;
    const state = this.circuit.state;
    if (state !== c.breaker) {
      c.breaker = state;
      this.options.onCircuit?.(this.system, state);
    }
    if (this.circuit.opens !== before || outcome.kind !== 'ok') this.pump();
  }

  private sleepUntil(at: number): void {
    if (this.stopped) return;
    if (this.wake && this.wakeAt <= at) return;
    this.wake?.cancel();
    this.wakeAt = at;
    this.wake = this.options.clock.setTimer(Math.max(0, at - this.options.clock.now()), () => {
      this.wake = undefined;
      const state = this.circuit.state;
      if (state !== this.counters.breaker) {
        this.counters.breaker = state;
        this.options.onCircuit?.(this.system, state);
      }
      this.pump();
    });
  }
}
