import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { SqlExecutor, SqlValue, Store } from '../../ports.ts';
import { toPositional } from './placeholders.ts';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` (any libpq-style URL `pg` accepts). */
  connectionString: string;
  /**
   * Schema to work in (sets `search_path` on every connection of the pool); it must exist.
   * Lower-case letters, digits and `_`. Default: the server's search_path.
   */
  schema?: string;
  /** Connections in the pool (default 10). */
  max?: number;
  /**
   * Runs of a transaction's function before a serialization failure is given up (default 30).
   * Measured: 50 transactions read-modify-writing one row at once need up to 7–10 runs each.
   */
  maxAttempts?: number;
  /** First retry waits up to this long; each further one doubles it, up to `retryCapMs` (default 10). */
  retryBaseMs?: number;
  /** Longest wait between two attempts (default 500). */
  retryCapMs?: number;
  /** Shown in pg_stat_activity (default `faultline`). */
  applicationName?: string;
}

/** SQLSTATEs after which rerunning the whole transaction can succeed. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

const INT8_OID = 20;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BIGINT ${text} is outside the range a JavaScript number holds exactly`);
  return n;
}

/** The driver's parsers, except BIGINT (int8), which is read as a number: timestamps are epoch ms. */
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The Store on PostgreSQL (`pg` pool). SQL arrives in the portable subset with `?` placeholders
 * and is translated to `$n` once per distinct statement. Transactions run at SERIALIZABLE; when
 * PostgreSQL aborts one for a serialization failure or a deadlock (40001, 40P01), the whole
 * function runs again after a jittered, exponentially growing pause, up to `maxAttempts` runs.
 *
 * One difference from SQLite is made explicit rather than papered over: on PostgreSQL a failed
 * statement aborts its transaction. A transaction whose function catches such a failure and goes
 * on gets a clear error on its next statement and is never committed (the SQLite adapter behaves
 * the same way, so code tested on one dialect holds on the other).
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryCapMs: number;
  private readonly translated = new Map<string, string>();
  private closing: Promise<void> | undefined;
  /** Transactions that had to run again, since the store opened (for stats and tests). */
  retries = 0;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new Error(`schema "${options.schema}": expected lower-case letters, digits and _ (at most 63), starting with a letter or _`);
    }
    this.maxAttempts = options.maxAttempts ?? 30;
    this.retryBaseMs = options.retryBaseMs ?? 10;
    this.retryCapMs = options.retryCapMs ?? 500;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      types: typeParsers,
      application_name: options.applicationName ?? 'faultline',
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    });
    // An idle connection that breaks (server restart) is dropped by the pool; without a
    // listener, Node would treat the event as an uncaught error and end the process.
    this.pool.on('error', () => undefined);
  }

  async query<T = Record<string, SqlValue>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const result = await this.pool.query(this.sql(sql), params as SqlValue[]);
    return result.rows as T[];
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result = await this.pool.query(this.sql(sql), params as SqlValue[]);
    return result.rowCount ?? 0;
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(fn);
      if (outcome.ok) return outcome.value;
      if (!outcome.retryable || attempt >= this.maxAttempts) {
        if (outcome.retryable) {
          throw new Error(`transaction gave up after ${attempt} attempts, each aborted by PostgreSQL (${describe(outcome.error)})`, { cause: outcome.error });
        }
        throw outcome.error;
      }
      this.retries++;
      // Full jitter: a random pause in [0, min(cap, base·2^(attempt-1))], so the transactions
      // that collided do not collide again in lockstep.
      await sleep(Math.random() * Math.min(this.retryCapMs, this.retryBaseMs * 2 ** (attempt - 1)));
    }
  }

  async migrate(statements: readonly string[]): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        // Concurrent migrations of the same schema (two processes starting together) take turns:
        // `CREATE … IF NOT EXISTS` alone is not safe against a concurrent twin.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('faultline.migrate.' || coalesce(current_schema(), '')))");
        for (const sql of statements) await client.query(sql);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  private sql(sql: string): string {
    let text = this.translated.get(sql);
    if (text === undefined) {
      text = toPositional(sql);
      this.translated.set(sql, text);
    }
    return text;
  }

  private async attempt<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; retryable: boolean; error: unknown }> {
    const client = await this.pool.connect();
    const tx = new Transaction(client, (sql) => this.sql(sql));
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      let value: T;
      try {
        value = await fn(tx);
      } catch (error) {
        tx.end();
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        // The function may have wrapped the driver's error: the statement failure decides.
        const cause = tx.failure ?? error;
        return { ok: false, retryable: isRetryable(cause), error };
      }
      tx.end();
      if (tx.failure !== undefined) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        const retryable = isRetryable(tx.failure);
        const error = retryable
          ? tx.failure
          : new Error(`transaction rolled back: a statement in it failed (${describe(tx.failure)}) and the transaction function went on instead of letting the error end it`, { cause: tx.failure });
        return { ok: false, retryable, error };
      }
      try {
        await client.query('COMMIT');
      } catch (error) {
        // A serialization failure can surface at commit; the transaction is over either way.
        return { ok: false, retryable: isRetryable(error), error };
      }
      return { ok: true, value };
    } catch (error) {
      // BEGIN failed: the connection is unusable.
      broken = error as Error;
      return { ok: false, retryable: false, error };
    } finally {
      client.release(broken);
    }
  }
}

/** The executor handed to a transaction's function: one pooled connection, valid until the end. */
class Transaction implements SqlExecutor {
  /** The first statement that failed in this transaction. */
  failure: unknown;
  private ended = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly translate: (sql: string) => string,
  ) {}

  async query<T = Record<string, SqlValue>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.run(sql, params)).rows as T[];
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.run(sql, params)).rowCount ?? 0;
  }

  end(): void {
    this.ended = true;
  }

  private async run(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    if (this.ended) throw new Error('transaction already ended: its executor is only valid inside the transaction function');
    if (this.failure !== undefined) {
      throw new Error(`a statement failed earlier in this transaction (${describe(this.failure)}); on PostgreSQL that aborts the transaction, so let the error end it`, {
        cause: this.failure,
      });
    }
    try {
      return await this.client.query(this.translate(sql), params as SqlValue[]);
    } catch (error) {
      this.failure ??= error;
      throw error;
    }
  }
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string } | null;
  return e?.code ? `${e.code}: ${e.message ?? ''}` : (e?.message ?? String(error));
}
