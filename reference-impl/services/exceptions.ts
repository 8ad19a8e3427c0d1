import type { SqlValue } from '../ports.ts';
import { emit, iso, type LayerContext } from './context.ts';
import type { ParkInfo } from './relay.ts';
import type { Command, OutboxMessage, Unit } from './unit.ts';

export type ExceptionStatus = 'open' | 'replaying' | 'resolved';

export interface ExceptionRecord {
  exceptionId: string;
  system: string;
  operation: string;
  reason: string;
  attempts: number;
  traceId: string;
  status: ExceptionStatus;
  payload: Record<string, unknown>;
  createdAt: string;
  lastAttemptAt?: string;
  replayCount: number;
  resolvedAt?: string;
}

export interface ExceptionFilter {
  status?: ExceptionStatus;
  system?: string;
  operation?: string;
  /** Epoch ms. */
  since?: number;
}

function decode(row: Record<string, SqlValue>): ExceptionRecord {
  const payload = JSON.parse(String(row.payload)) as unknown;
  const rec: ExceptionRecord = {
    exceptionId: String(row.id),
    system: String(row.system),
    operation: String(row.operation),
    reason: String(row.reason),
    attempts: Math.max(1, Number(row.attempts)),
    traceId: String(row.trace_id),
    status: String(row.status) as ExceptionStatus,
    payload: payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : { value: payload },
    createdAt: iso(Number(row.created_at)),
    lastAttemptAt: iso(Number(row.last_attempt_at)),
    replayCount: Number(row.replay_count),
  };
  if (row.resolved_at !== null && row.resolved_at !== undefined) rec.resolvedAt = iso(Number(row.resolved_at));
  return rec;
}

/** A page cursor: the (created_at, id) of the last item, base64url JSON. */
const encodeCursor = (createdAt: number, id: string): string => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
export function decodeCursor(cursor: string): [number, string] | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && Number.isInteger(value[0]) && typeof value[1] === 'string') return [value[0] as number, value[1]];
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * The exception queue: every downstream transaction that failed for good (a permanent refusal,
 * or retries exhausted) with its system, operation, reason, attempts, trace id and the request in
 * the downstream dialect. Replay re-issues the recorded outbox command; it is idempotent.
 */
export class ExceptionQueue {
  depth = 0;
  /** Open entries by downstream system (the harness measures each fault's recovery on its own system). */
  readonly openBySystem = new Map<string, number>();

  constructor(private readonly ctx: LayerContext) {}

  async load(): Promise<void> {
    const rows = await this.ctx.store.query<{ system: SqlValue; n: SqlValue }>("SELECT system, COUNT(*) AS n FROM exceptions WHERE status <> 'resolved' GROUP BY system");
    this.openBySystem.clear();
    for (const r of rows) this.openBySystem.set(String(r.system), Number(r.n));
    this.depth = rows.reduce((n, r) => n + Number(r.n), 0);
    this.ctx.stats.exceptions.depth = this.depth;
    this.ctx.metrics.exceptionsOpen.set(this.depth);
  }

  /** Parks `msg` (already finished in `unit`): a new entry, or the replayed entry opened again. */
  async park(unit: Unit, msg: OutboxMessage, info: ParkInfo): Promise<void> {
    const ctx = this.ctx;
    const payload = JSON.stringify(info.payload ?? msg.payload);
    let id = msg.exceptionId;
    const parkedBefore = Boolean(id);
    let attempts = Math.max(1, msg.attempts);
    if (id) {
      const [row] = await unit.tx.query<{ attempts: SqlValue }>('SELECT attempts FROM exceptions WHERE id = ?', [id]);
      attempts += Number(row?.attempts ?? 0);
      await unit.tx.execute("UPDATE exceptions SET status = 'open', reason = ?, attempts = ?, payload = ?, http_status = ?, retryable = ?, last_attempt_at = ?, resolved_at = NULL WHERE id = ?", [
        info.reason,
        attempts,
        payload,
        info.status ?? null,
        info.retryable ? 1 : 0,
        unit.now,
        id,
      ]);
    } else {
      id = ctx.random.uuid();
      const command: Command = { kind: msg.kind, key: msg.key, system: msg.system, payload: msg.payload, traceId: msg.traceId };
      await unit.tx.execute(
        "INSERT INTO exceptions (id, system, operation, reason, attempts, trace_id, status, payload, command, http_status, retryable, business_key, created_at, last_attempt_at, replay_count, resolved_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, 0, NULL)",
        [id, msg.system, info.operation, info.reason, attempts, msg.traceId, payload, JSON.stringify(command), info.status ?? null, info.retryable ? 1 : 0, msg.key, unit.now, unit.now],
      );
      unit.after.push(() => {
        this.depth++;
        this.openBySystem.set(msg.system, (this.openBySystem.get(msg.system) ?? 0) + 1);
        ctx.stats.exceptions.depth = this.depth;
        ctx.metrics.exceptionsOpen.set(this.depth);
      });
    }
    const exceptionId = id;
    const data = { exceptionId, system: msg.system, operation: info.operation, businessKey: msg.key, reason: info.reason, attempts, retryable: info.retryable, traceId: msg.traceId, ...(info.status === undefined ? {} : { httpStatus: info.status }) };
    emit(ctx, unit, 'exception.raised', exceptionId, msg.traceId, data);
    const isNew = !parkedBefore;
    unit.after.push(() => {
      // A transaction parked again after a failed replay is the same exception, not a new one.
      if (isNew) {
        ctx.stats.exceptions.raised++;
        ctx.metrics.exceptionsRaised.inc({ system: msg.system });
      }
      ctx.log.warn({ exceptionId, downstream: msg.system, operation: data.operation, key: msg.key, reason: info.reason, traceId: msg.traceId }, 'parked in the exception queue');
    });
  }

  /** In the unit that completes a replayed message: the entry is resolved. */
  async resolve(unit: Unit, exceptionId: string): Promise<void> {
    const [row] = await unit.tx.query<{ system: SqlValue }>("SELECT system FROM exceptions WHERE id = ? AND status <> 'resolved'", [exceptionId]);
    if (!row) return;
    const changed = await unit.tx.execute("UPDATE exceptions SET status = 'resolved', resolved_at = ?, last_attempt_at = ? WHERE id = ? AND status <> 'resolved'", [unit.now, unit.now, exceptionId]);
    if (changed > 0) {
      const system = String(row.system);
      unit.after.push(() => {
        this.depth = Math.max(0, this.depth - 1);
        const open = (this.openBySystem.get(system) ?? 0) - 1;
        if (open > 0) this.openBySystem.set(system, open);
        else this.openBySystem.delete(system);
        this.ctx.stats.exceptions.depth = this.depth;
        this.ctx.stats.exceptions.resolved++;
        this.ctx.metrics.exceptionsOpen.set(this.depth);
      });
    }
  }

  async list(filter: ExceptionFilter, limit: number, cursor?: [number, string]): Promise<{ items: ExceptionRecord[]; nextCursor?: string }> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (clause: string, value: SqlValue): void => {
      where.push(clause);
      params.push(value);
    };
    if (filter.status) add('status = ?', filter.status);
    if (filter.system) add('system = ?', filter.system);
    if (filter.operation) add('operation = ?', filter.operation);
    if (filter.since !== undefined) add('created_at >= ?', filter.since);
    if (cursor) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(cursor[0], cursor[0], cursor[1]);
    }
    const sql = `SELECT * FROM exceptions${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    const rows = await this.ctx.store.query<Record<string, SqlValue>>(sql, [...params, limit + 1]);
    const page = rows.slice(0, limit);
    const out: { items: ExceptionRecord[]; nextCursor?: string } = { items: page.map(decode) };
    if (rows.length > limit) {
      const last = page[page.length - 1]!;
      out.nextCursor = encodeCursor(Number(last.created_at), String(last.id));
    }
    return out;
  }

  /** Replays one entry: `undefined` when unknown, else its status after the call. */
  async replay(exceptionId: string): Promise<ExceptionStatus | undefined> {
    const [row] = await this.ctx.store.query<Record<string, SqlValue>>('SELECT status FROM exceptions WHERE id = ?', [exceptionId]);
    if (!row) return undefined;
    const status = String(row.status) as ExceptionStatus;
    if (status !== 'open') return status;
    const scheduled = await this.schedule([exceptionId], 'open');
    return scheduled.length > 0 ? 'replaying' : (await this.statusOf(exceptionId)) ?? 'resolved';
  }

  /** Replays every entry matching the filter (status `open` by default; resolved never). */
  async replayMatching(filter: ExceptionFilter): Promise<string[]> {
    const status = filter.status === 'replaying' ? 'replaying' : 'open';
    const where = ['status = ?'];
    const params: SqlValue[] = [status];
    const add = (clause: string, value: SqlValue): void => {
      where.push(clause);
      params.push(value);
    };
    if (filter.system) add('system = ?', filter.system);
    if (filter.operation) add('operation = ?', filter.operation);
    if (filter.since !== undefined) add('created_at >= ?', filter.since);
    const rows = await this.ctx.store.query<{ id: string }>(`SELECT id FROM exceptions WHERE ${where.join(' AND ')} ORDER BY created_at, id`, params);
    return this.schedule(
      rows.map((r) => String(r.id)),
      status,
    );
  }

  private async statusOf(id: string): Promise<ExceptionStatus | undefined> {
    const [row] = await this.ctx.store.query<{ status: string }>('SELECT status FROM exceptions WHERE id = ?', [id]);
    return row ? (String(row.status) as ExceptionStatus) : undefined;
  }

  /**
   * Moves the entries to `replaying` and re-issues their commands, in one transaction. An entry
   * that already has a replay in the outbox is not scheduled twice.
   */
  private async schedule(ids: readonly string[], from: 'open' | 'replaying'): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.ctx.db.write(async (unit) => {
      const scheduled: string[] = [];
      for (const id of ids) {
        const [row] = await unit.tx.query<Record<string, SqlValue>>('SELECT status, command FROM exceptions WHERE id = ?', [id]);
        if (!row || String(row.status) !== from) continue;
        if (from === 'replaying') {
          const pending = await unit.tx.query('SELECT seq FROM outbox WHERE exception_id = ?', [id]);
          if (pending.length > 0) continue;
        }
        await unit.tx.execute("UPDATE exceptions SET status = 'replaying', replay_count = replay_count + 1, last_attempt_at = ? WHERE id = ?", [unit.now, id]);
        const command = JSON.parse(String(row.command)) as Command;
        await unit.command({ ...command, exceptionId: id });
        scheduled.push(id);
      }
      unit.after.push(() => (this.ctx.stats.exceptions.replays += scheduled.length));
      return scheduled;
    });
  }
}
