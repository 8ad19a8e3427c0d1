import { createHash } from 'node:crypto';
import type { HttpResponse } from '../../runtime/ports.ts';
import type { SqlValue } from '../ports.ts';
import { problem } from '../api/problems.ts';
import type { LayerContext } from './context.ts';
import type { Unit } from './unit.ts';

/** JSON with object keys sorted at every level: equal documents serialize equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (value[i] === undefined ? 'null' : canonicalJson(value[i]));
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

export const requestHash = (body: unknown): string => createHash('sha256').update(canonicalJson(body)).digest('hex');

export type IdempotencyStart =
  | { kind: 'replay'; response: HttpResponse }
  | { kind: 'conflict'; response: HttpResponse }
  | { kind: 'proceed'; hash: string; done(): void };

/** Two requests with one key committed at once: the loser re-reads and answers from the record. */
export class IdempotencyRace extends Error {
  constructor() {
    super('idempotency key recorded concurrently');
    this.name = 'IdempotencyRace';
  }
}

/**
 * Idempotency per (partner, operation, Idempotency-Key): the first 202 is stored with the order
 * (same transaction) and replayed byte for byte; the same key with another body is a 409, as is
 * a retry while the first request is still being processed.
 */
export class IdempotencyService {
  private readonly inFlight = new Set<string>();

  constructor(private readonly ctx: LayerContext) {}

  async begin(partner: string, operation: string, key: string, body: unknown, instance: string, traceId: string): Promise<IdempotencyStart> {
    const ctx = this.ctx;
    const slot = `${partner}\u0000${operation}\u0000${key}`;
    const hash = requestHash(body);
    if (this.inFlight.has(slot)) {
      ctx.stats.idempotency.inFlight++;
      return { kind: 'conflict', response: problem(409, 'idempotency-key-in-flight', 'Request with this Idempotency-Key in progress', `A request with Idempotency-Key ${key} is still being processed; retry shortly.`, { instance, traceId }) };
    }
    const stored = await this.lookup(partner, operation, key, hash, instance, traceId);
    if (stored) return stored;
    this.inFlight.add(slot);
    return { kind: 'proceed', hash, done: () => this.inFlight.delete(slot) };
  }

  /** Answers from the stored record, if a fresh one exists. */
  async lookup(partner: string, operation: string, key: string, hash: string, instance: string, traceId: string): Promise<Exclude<IdempotencyStart, { kind: 'proceed' }> | undefined> {
    const ctx = this.ctx;
    const [row] = await ctx.store.query<Record<string, SqlValue>>('SELECT request_hash, status, headers, body, created_at FROM idempotency WHERE partner = ? AND operation = ? AND idem_key = ?', [partner, operation, key]);
    if (!row || Number(row.created_at) + ctx.config.idempotencyTtlMs < ctx.clock.now()) return undefined;
    if (String(row.request_hash) !== hash) {
      ctx.stats.idempotency.conflicts++;
      return { kind: 'conflict', response: problem(409, 'idempotency-key-reused', 'Idempotency-Key reused', `Idempotency-Key ${key} was first used with a different request body.`, { instance, traceId }) };
    }
    ctx.stats.idempotency.replays++;
    const headers = JSON.parse(String(row.headers)) as Record<string, string>;
    headers['idempotent-replayed'] = 'true';
    return { kind: 'replay', response: { status: Number(row.status), headers, body: String(row.body) } };
  }

  /** Stores the response in `unit` (with the order). An expired record with this key is replaced. */
  async record(unit: Unit, partner: string, operation: string, key: string, hash: string, response: HttpResponse): Promise<void> {
    const changed = await unit.tx.execute(
      'INSERT INTO idempotency (partner, operation, idem_key, request_hash, status, headers, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (partner, operation, idem_key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status, headers = excluded.headers, body = excluded.body, created_at = excluded.created_at WHERE idempotency.created_at < ?',
      [partner, operation, key, hash, response.status, JSON.stringify(response.headers), response.body, unit.now, unit.now - this.ctx.config.idempotencyTtlMs],
    );
    if (changed === 0) throw new IdempotencyRace();
  }
}
