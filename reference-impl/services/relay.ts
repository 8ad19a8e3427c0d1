import { MinHeap } from '../../runtime/heap.ts';
import type { Bus, Clock, Timer } from '../../runtime/ports.ts';
import { cloudEventTypes } from '../../contracts/generated/events/index.ts';
import type { SqlValue } from '../ports.ts';
import type { OutgoingEvent } from '../domain/events.ts';
import type { JitteredBackoff } from '../resilience/backoff.ts';
import type { LaneSession, SystemLane } from '../resilience/lane.ts';
import type { CallOutcome } from '../resilience/outcome.ts';
import type { Logger } from '../observability/logger.ts';
import type { LayerMetrics } from '../observability/metrics.ts';
import type { MutableStats } from '../observability/stats.ts';
import { decodeMessage, encodeState, type CommandKind, type Db, type OutboxMessage, type Unit, type UnitListener } from './unit.ts';

/** What one attempt at an outbox message came to. */
export type AttemptResult =
  /** Done: the handler committed its effect together with `unit.finish`/`unit.advance`. */
  | { kind: 'done' }
  /** Try again later (the message stays in the outbox). */
  | { kind: 'retry'; outcome: Extract<CallOutcome, { kind: 'transient' | 'blocked' }> }
  /** Will not succeed by retrying: park it in the exception queue. */
  | { kind: 'fail'; reason: string; status?: number; payload: unknown; operation?: string };

export interface CommandHandler {
  /** The downstream operationId, for the exception queue (`bookSalesOrder`); may depend on the message. */
  operation: string | ((msg: OutboxMessage) => string);
  /** One attempt; calls go through `session` (the system's gate, circuit and timeout). */
  attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult>;
}

export interface ParkInfo {
  operation: string;
  reason: string;
  status?: number;
  payload: unknown;
  retryable: boolean;
}

export interface RelayOptions {
  clock: Clock;
  db: Db;
  lane: (system: string) => SystemLane;
  backoff: JitteredBackoff;
  maxAttempts: number;
  downstreamTimeoutMs: number;
  honourRetryAfter: boolean;
  /** DEFECT(drop-after-retries) passes true. */
  dropExhausted: boolean;
  park: (unit: Unit, msg: OutboxMessage, info: ParkInfo) => Promise<void>;
  stats: MutableStats;
  metrics: LayerMetrics;
  log: Logger;
}

/**
 * The outbox relay. Messages committed by a transaction are handed over right after the commit
 * (no polling); messages of one key (an order) run one at a time in order; each runs on its
 * system's lane (bulkhead, Retry-After gate, circuit). Retries wait on one shared timer (a heap of
 * due times), never one timer per message; a periodic sweep only recovers what this instance
 * does not hold (after a restart, or work inserted behind its back).
 */
export class Relay implements UnitListener {
  private readonly handlers = new Map<CommandKind, CommandHandler>();
  /** Per key: the message running or waiting (head) and those queued behind it. */
  private readonly chains = new Map<string, OutboxMessage[]>();
  private readonly known = new Set<number>();
  private readonly heap = new MinHeap<OutboxMessage>((a, b) => a.nextAt < b.nextAt);
  private timer: Timer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  private sweepCursor = 0;
  publisher: EventPublisher | undefined;

  constructor(private readonly o: RelayOptions) {}

  register(kind: CommandKind, handler: CommandHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Outbox messages this instance holds (the backlog). */
  get backlog(): number {
    return this.known.size;
  }

  /** The backlog by downstream system (`erp`, `wms@DC-EAST`, `carrier-swift`): what a fault on one system left behind. */
  backlogBySystem(): Map<string, number> {
    const out = new Map<string, number>();
    for (const chain of this.chains.values()) for (const msg of chain) out.set(msg.system, (out.get(msg.system) ?? 0) + 1);
    return out;
  }

  committed(unit: Unit): void {
    for (const msg of unit.finished) this.finish(msg);
    for (const { from, to } of unit.advanced) this.continueWith(from, to);
    for (const msg of unit.commands) this.submit(msg);
    if (unit.events.length > 0) this.publisher?.enqueue(unit.events);
  }

  submit(msg: OutboxMessage): void {
    if (this.known.has(msg.seq)) return;
    this.known.add(msg.seq);
    const chain = this.chains.get(msg.key);
    if (chain) {
      chain.push(msg);
      return;
    }
    this.chains.set(msg.key, [msg]);
    this.dispatch(msg);
  }

  /** Loads every outbox message (at start). Recovered postings look their document up first. */
  async recover(): Promise<void> {
    let after = -1;
    for (;;) {
      const rows = await this.o.db.store.query<Record<string, SqlValue>>('SELECT * FROM outbox WHERE seq > ? ORDER BY seq LIMIT 1000', [after]);
      for (const row of rows) {
        const msg = decodeMessage(row);
        msg.lookupFirst = true; // the previous instance may have been mid-call
        this.submit(msg);
        after = msg.seq;
      }
      if (rows.length < 1000) break;
    }
  }

  /** The safety net: pick up outbox rows this instance does not hold, a page per sweep. */
  async sweep(): Promise<void> {
    if (this.stopped) return;
    const rows = await this.o.db.store.query<Record<string, SqlValue>>('SELECT seq FROM outbox WHERE seq > ? ORDER BY seq LIMIT 500', [this.sweepCursor]);
    const unknown = rows.map((r) => Number(r.seq)).filter((seq) => !this.known.has(seq));
    this.sweepCursor = rows.length < 500 ? 0 : Number(rows[rows.length - 1]!.seq);
    for (const seq of unknown) {
      const [row] = await this.o.db.store.query<Record<string, SqlValue>>('SELECT * FROM outbox WHERE seq = ?', [seq]);
      if (row && !this.known.has(seq) && !this.stopped) {
        const msg = decodeMessage(row);
        msg.lookupFirst = true;
        this.submit(msg);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private finish(msg: OutboxMessage): void {
    this.known.delete(msg.seq);
    this.o.stats.outbox.delivered++;
    const chain = this.chains.get(msg.key);
    if (!chain) return;
    const i = chain.findIndex((m) => m.seq === msg.seq);
    if (i >= 0) chain.splice(i, 1);
    if (chain.length === 0) this.chains.delete(msg.key);
    else if (i === 0) this.dispatch(chain[0]!);
  }

  private continueWith(from: OutboxMessage, to: OutboxMessage): void {
    const chain = this.chains.get(from.key);
    if (chain?.[0]?.seq === from.seq) chain[0] = to;
    else if (chain) chain.unshift(to);
    else this.chains.set(from.key, [to]);
    this.known.add(to.seq);
    this.dispatch(to);
  }

  private dispatch(msg: OutboxMessage): void {
    if (this.stopped) return;
    if (msg.nextAt > this.o.clock.now()) {
      this.schedule(msg);
      return;
    }
    const handler = this.handlers.get(msg.kind);
    if (!handler) {
      this.o.log.error({ kind: msg.kind, seq: msg.seq }, 'no handler for outbox message');
      return;
    }
    const lane = this.o.lane(msg.system);
    lane.enqueue(async (session) => {
      if (this.stopped) return;
      let result: AttemptResult;
      try {
        result = await handler.attempt(msg, session);
      } catch (error) {
        // A store failure or a bug: the message stays; it counts as a failed attempt.
        this.o.log.error({ err: error, kind: msg.kind, key: msg.key }, 'outbox attempt failed');
        result = { kind: 'retry', outcome: { kind: 'transient', reason: `layer error: ${error instanceof Error ? error.message : String(error)}`, indeterminate: true, throttled: false } };
      }
      if (this.stopped) return;
      try {
        await this.settle(msg, handler, lane, result);
      } catch (error) {
        this.o.log.error({ err: error, kind: msg.kind, key: msg.key }, 'could not record the outcome of an outbox attempt');
        msg.nextAt = this.o.clock.now() + this.o.backoff.delay(Math.max(1, msg.attempts));
        this.schedule(msg);
      }
    });
  }

  private async settle(msg: OutboxMessage, handler: CommandHandler, lane: SystemLane, result: AttemptResult): Promise<void> {
    if (result.kind === 'done') return;
    const now = this.o.clock.now();
    const operation = result.kind === 'fail' && result.operation ? result.operation : typeof handler.operation === 'function' ? handler.operation(msg) : handler.operation;
    if (result.kind === 'fail') {
      await this.parkOrDrop(msg, { operation, reason: result.reason, ...(result.status === undefined ? {} : { status: result.status }), payload: result.payload, retryable: false }, false);
      return;
    }
    const outcome = result.outcome;
    if (outcome.kind === 'blocked') {
      msg.nextAt = Math.max(outcome.until, now + 1);
      this.schedule(msg);
      return;
    }
    msg.attempts++;
    msg.lookupFirst ||= outcome.indeterminate;
    if (!outcome.throttled) {
      msg.failures++;
      // A failure that leaves the circuit closed is the message's own; one that opens it is the system's.
      if (lane.circuit.state === 'closed') msg.strikes++;
    }
    if (msg.strikes >= this.o.maxAttempts || msg.failures >= this.o.maxAttempts * 4) {
      await this.parkOrDrop(msg, { operation, reason: `${operation} failed ${msg.attempts} times; last: ${outcome.reason}`, ...(outcome.status === undefined ? {} : { status: outcome.status }), payload: msg.lastRequest ?? msg.payload, retryable: true }, true);
      return;
    }
    let delay = this.o.backoff.delay(msg.attempts);
    if (outcome.indeterminate) delay = Math.max(delay, this.o.downstreamTimeoutMs);
    let nextAt = now + delay;
    // DEFECT(ignore-retry-after): the backoff alone decides when to call again.
    if (outcome.retryAfterMs !== undefined && this.o.honourRetryAfter) nextAt = Math.max(nextAt, now + outcome.retryAfterMs);
    msg.nextAt = nextAt;
    lane.counters.retriesScheduled++;
    this.o.metrics.retries.inc({ system: msg.system });
    await this.o.db.store.execute('UPDATE outbox SET attempts = ?, next_at = ?, state = ? WHERE seq = ?', [msg.attempts, msg.nextAt, encodeState(msg), msg.seq]);
    if (!this.stopped) this.schedule(msg);
  }

  private async parkOrDrop(msg: OutboxMessage, info: ParkInfo, exhausted: boolean): Promise<void> {
    if (exhausted && this.o.dropExhausted) {
      // DEFECT(drop-after-retries): an exhausted message is deleted, not parked: it is silently lost.
      this.o.stats.exceptions.dropped++;
      await this.o.db.write((unit) => unit.finish(msg, { resolve: false }));
      return;
    }
    await this.o.db.write(async (unit) => {
      await unit.finish(msg, { resolve: false });
      await this.o.park(unit, msg, info);
    });
  }

  // ---- the retry heap: one timer for every waiting message -----------------------------------

  private schedule(msg: OutboxMessage): void {
    if (this.stopped) return;
    this.heap.push(msg);
    this.arm();
  }

  private arm(): void {
    const head = this.heap.peek();
    if (!head || this.stopped) return;
    if (this.timer && this.timerAt <= head.nextAt) return;
    this.timer?.cancel();
    this.timerAt = head.nextAt;
    this.timer = this.o.clock.setTimer(Math.max(0, head.nextAt - this.o.clock.now()), () => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      const now = this.o.clock.now();
      for (let due = this.heap.peek(); due && due.nextAt <= now; due = this.heap.peek()) this.dispatch(this.heap.pop()!);
      this.arm();
    });
  }
}

/**
 * Publishes committed canonical events on the bus, in commit order. Published rows are deleted in
 * contiguous ranges on the sweep, not one statement per event; a crash before that republishes
 * them (at least once: consumers deduplicate on the event id).
 */
export class EventPublisher {
  private chain: Promise<void> = Promise.resolve();
  private readonly failed: Array<{ seq: number; event: OutgoingEvent }> = [];
  private published: number[] = [];
  private stopped = false;
  private queued = 0;

  constructor(
    private readonly bus: Bus,
    private readonly db: Db,
    private readonly stats: MutableStats,
    private readonly log: Logger,
  ) {}

  /** Events accepted but not yet published. */
  get pending(): number {
    return this.queued + this.failed.length;
  }

  enqueue(events: Array<{ seq: number; event: OutgoingEvent }>): void {
    this.queued += events.length;
    this.chain = this.chain.then(() => this.publishAll(events));
  }

  /** Republishes what a previous instance left in the event outbox (at start). */
  async recover(): Promise<void> {
    let after = -1;
    for (;;) {
      const rows = await this.db.store.query<Record<string, SqlValue>>('SELECT * FROM event_outbox WHERE seq > ? ORDER BY seq LIMIT 1000', [after]);
      const events = rows.map((r) => ({
        seq: Number(r.seq),
        event: { id: String(r.id), type: String(r.type) as OutgoingEvent['type'], channel: String(r.channel), subject: String(r.subject), body: String(r.body) },
      }));
      if (events.length > 0) this.enqueue(events);
      after = events.at(-1)?.seq ?? after;
      if (rows.length < 1000) break;
    }
    await this.chain;
  }

  /** Retries failed publishes and deletes published rows. */
  async flush(): Promise<void> {
    if (this.failed.length > 0 && !this.stopped) {
      const retry = this.failed.splice(0);
      this.queued += retry.length;
      this.chain = this.chain.then(() => this.publishAll(retry));
    }
    await this.chain;
    if (this.published.length === 0) return;
    const seqs = this.published.sort((a, b) => a - b);
    this.published = [];
    let start = seqs[0]!;
    let prev = start;
    const ranges: Array<[number, number]> = [];
    for (let i = 1; i <= seqs.length; i++) {
      const s = seqs[i];
      if (s === prev + 1) {
        prev = s;
        continue;
      }
      ranges.push([start, prev]);
      if (s !== undefined) start = prev = s;
    }
    try {
      for (const [a, b] of ranges) await this.db.store.execute('DELETE FROM event_outbox WHERE seq >= ? AND seq <= ?', [a, b]);
    } catch (error) {
      this.log.warn({ err: error }, 'could not delete published events; they will be deleted on a later sweep');
      this.published.push(...seqs);
    }
  }

  /** Resolves when everything enqueued so far is published (or failed). */
  idle(): Promise<void> {
    return this.chain;
  }

  stop(): void {
    this.stopped = true;
  }

  private async publishAll(events: Array<{ seq: number; event: OutgoingEvent }>): Promise<void> {
    this.queued -= events.length;
    if (this.stopped) return;
    if (this.failed.length > 0) {
      this.failed.push(...events); // keep order behind what failed first
      return;
    }
    for (let i = 0; i < events.length; i++) {
      const { seq, event } = events[i]!;
      const headers: Record<string, string> = { 'ce-type': cloudEventTypes[event.type], 'content-type': 'application/cloudevents+json' };
      if (event.traceparent) headers.traceparent = event.traceparent;
      try {
        await this.bus.publish({ id: event.id, channel: event.channel, key: event.subject, headers, body: event.body });
      } catch (error) {
        this.log.warn({ err: error, channel: event.channel }, 'publishing an event failed; retried on the next sweep');
        this.failed.push(...events.slice(i));
        return;
      }
      this.published.push(seq);
      this.stats.outbox.eventsPublished++;
    }
  }
}
