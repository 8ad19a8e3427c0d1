import type { SqlExecutor, SqlValue, Store } from '../ports.ts';
import type { OutgoingEvent } from '../domain/events.ts';
import type { OrderCache } from './orders.ts';

/** What an outbox message asks a downstream system to do. */
export type CommandKind =
  | 'erp.validateOrder'
  | 'erp.bookSalesOrder'
  | 'carrier.buyLabel'
  | 'wms.releaseFulfillmentOrder'
  | 'erp.postGoodsIssue'
  | 'erp.postInvoice'
  | 'wms.expectReturn'
  | 'erp.postCreditMemo'
  | 'wms.cancelFulfillmentOrder'
  | 'erp.cancelSalesOrder';

export interface Command {
  kind: CommandKind;
  /** Ordering key: messages sharing it run one at a time, in order (the order id). */
  key: string;
  /** The downstream system (`erp`, `wms@DC-EAST`, `carrier-swift`). */
  system: string;
  payload: Record<string, unknown>;
  traceId: string;
  /** Set when the message replays an exception-queue entry. */
  exceptionId?: string;
}

export interface OutboxMessage extends Command {
  seq: number;
  /** Calls made for this message so far. */
  attempts: number;
  /** Not before this instant (backoff, Retry-After). */
  nextAt: number;
  /** An earlier attempt may have taken effect: look the document up before posting again. */
  lookupFirst: boolean;
  /** Failures that count towards giving up (see Relay). */
  strikes: number;
  /** Failures of any kind but throttling. */
  failures: number;
  createdAt: number;
  /** The last request body sent for it, in the downstream dialect (memory only; for the exception queue). */
  lastRequest?: unknown;
}

interface MessageState {
  lookup?: boolean;
  strikes?: number;
  failures?: number;
}

export const encodeState = (m: Pick<OutboxMessage, 'lookupFirst' | 'strikes' | 'failures'>): string | null =>
  m.lookupFirst || m.strikes || m.failures ? JSON.stringify({ lookup: m.lookupFirst || undefined, strikes: m.strikes || undefined, failures: m.failures || undefined } satisfies MessageState) : null;

export function decodeMessage(row: Record<string, SqlValue>): OutboxMessage {
  const state = row.state ? (JSON.parse(String(row.state)) as MessageState) : {};
  const msg: OutboxMessage = {
    seq: Number(row.seq),
    key: String(row.okey),
    kind: String(row.kind) as CommandKind,
    system: String(row.system),
    payload: JSON.parse(String(row.payload)) as Record<string, unknown>,
    traceId: String(row.trace_id),
    attempts: Number(row.attempts),
    nextAt: Number(row.next_at),
    lookupFirst: state.lookup ?? false,
    strikes: state.strikes ?? 0,
    failures: state.failures ?? 0,
    createdAt: Number(row.created_at),
  };
  if (row.exception_id) msg.exceptionId = String(row.exception_id);
  return msg;
}

/** Monotonic sequence numbers for the outbox tables (this layer is their only writer). */
export class Sequences {
  command = 0;
  event = 0;
}

const EVENT_CHUNK = 40;
const eventInsertSql = new Map<number, string>();
function eventInsert(n: number): string {
  let sql = eventInsertSql.get(n);
  if (!sql) {
    sql = `INSERT INTO event_outbox (seq, channel, id, subject, type, body) VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;
    eventInsertSql.set(n, sql);
  }
  return sql;
}

/** Everything one transaction does to the outboxes; acted on (kick, publish) after it commits. */
export class Unit {
  readonly commands: OutboxMessage[] = [];
  readonly events: Array<{ seq: number; event: OutgoingEvent }> = [];
  readonly finished: OutboxMessage[] = [];
  readonly advanced: Array<{ from: OutboxMessage; to: OutboxMessage }> = [];
  /** Run after commit (counters, metrics). */
  readonly after: Array<() => void> = [];

  constructor(
    readonly tx: SqlExecutor,
    private readonly seqs: Sequences,
    readonly now: number,
    private readonly resolver?: Resolver,
    /** Refreshed with the orders this unit changed, after it commits. */
    readonly orders?: OrderCache,
  ) {}

  emit(event: OutgoingEvent): void {
    this.events.push({ seq: ++this.seqs.event, event });
  }

  /** A new outbox message, appended to its key's queue. */
  async command(cmd: Command, notBefore = this.now): Promise<OutboxMessage> {
    // Object.assign, not a leading spread: V8 gives each `{ ...x, more }` a hidden class of its own.
    const msg: OutboxMessage = Object.assign({}, cmd, { seq: ++this.seqs.command, attempts: 0, nextAt: notBefore, lookupFirst: false, strikes: 0, failures: 0, createdAt: this.now });
    await this.tx.execute('INSERT INTO outbox (seq, okey, kind, system, payload, trace_id, attempts, next_at, state, exception_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      msg.seq,
      msg.key,
      msg.kind,
      msg.system,
      JSON.stringify(msg.payload),
      msg.traceId,
      0,
      msg.nextAt,
      null,
      msg.exceptionId ?? null,
      msg.createdAt,
    ]);
    this.commands.push(msg);
    return msg;
  }

  /**
   * The message is done: removed from the outbox when this transaction commits. A replayed
   * message resolves its exception-queue entry, unless it is being parked again.
   */
  async finish(msg: OutboxMessage, options: { resolve?: boolean } = {}): Promise<void> {
    await this.tx.execute('DELETE FROM outbox WHERE seq = ?', [msg.seq]);
    if (msg.exceptionId && options.resolve !== false) await this.resolver?.(this, msg.exceptionId);
    this.finished.push(msg);
  }

  /**
   * The message is done and its workflow continues with `next` (same row, same place in its
   * key's queue, so the continuation runs before anything queued behind it).
   */
  async advance(msg: OutboxMessage, next: Omit<Command, 'key' | 'traceId'> & { traceId?: string }): Promise<OutboxMessage> {
    const to: OutboxMessage = Object.assign({}, next, { key: msg.key, traceId: next.traceId ?? msg.traceId, seq: msg.seq, attempts: 0, nextAt: this.now, lookupFirst: false, strikes: 0, failures: 0, createdAt: msg.createdAt });
    if (msg.exceptionId) await this.resolver?.(this, msg.exceptionId);
    await this.tx.execute('UPDATE outbox SET kind = ?, system = ?, payload = ?, trace_id = ?, attempts = 0, next_at = ?, state = NULL, exception_id = ? WHERE seq = ?', [
      to.kind,
      to.system,
      JSON.stringify(to.payload),
      to.traceId,
      to.nextAt,
      to.exceptionId ?? null,
      msg.seq,
    ]);
    this.advanced.push({ from: msg, to });
    return to;
  }

  /** Writes the events (multi-row inserts). Called by Db before commit. */
  async flush(): Promise<void> {
    for (let i = 0; i < this.events.length; i += EVENT_CHUNK) {
      const chunk = this.events.slice(i, i + EVENT_CHUNK);
      const params: SqlValue[] = [];
      for (const { seq, event } of chunk) params.push(seq, event.channel, event.id, event.subject, event.type, event.body);
      await this.tx.execute(eventInsert(chunk.length), params);
    }
  }
}

/** Resolves the exception-queue entry a replayed message came from. */
export type Resolver = (unit: Unit, exceptionId: string) => Promise<void>;

export interface UnitListener {
  committed(unit: Unit): void;
}

/** Transactions with an outbox: `write` commits the work, then hands the unit to the relay and the publisher. */
export class Db {
  private listener: UnitListener | undefined;
  /** Set by the layer once the exception queue exists. */
  resolver: Resolver | undefined;
  /** Set by the layer: the order cache units refresh after commit. */
  orders: OrderCache | undefined;

  constructor(
    readonly store: Store,
    readonly seqs: Sequences,
    private readonly now: () => number,
  ) {}

  listen(listener: UnitListener): void {
    this.listener = listener;
  }

  /** Set when the layer stops: a stopped instance writes nothing more (its successor owns the store). */
  closed = false;

  async write<T>(fn: (unit: Unit) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('this layer instance is stopped; it writes nothing more');
    let unit: Unit | undefined;
    const result = await this.store.transaction(async (tx) => {
      unit = new Unit(tx, this.seqs, this.now(), this.resolver, this.orders);
      const value = await fn(unit);
      await unit.flush();
      return value;
    });
    for (const f of unit!.after) f();
    this.listener?.committed(unit!);
    return result;
  }
}
