import Database from 'better-sqlite3';
import type { SqlExecutor, SqlValue, Store } from '../../ports.ts';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The embedded store: better-sqlite3 (synchronous, in-process) in WAL mode, in memory or in a
 * file. One connection serves every caller, so statements and transactions are serialized by an
 * async lock: a coroutine awaiting inside a transaction must not let another one's statements
 * slip into it.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** `file` is a path, or `:memory:`. */
  constructor(readonly file: string = ':memory:') {
    this.db = new Database(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
  }

  query<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.exclusive(() => this.run.query<T>(sql, params));
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.exclusive(() => this.run.execute(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.run);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async migrate(statements: readonly string[]): Promise<void> {
    await this.exclusive(async () => {
      this.db.transaction(() => {
        for (const sql of statements) this.db.exec(sql);
      })();
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      if (!this.closed) this.db.close();
      this.closed = true;
    });
  }

  /** Direct statement execution, for use while holding the lock. */
  private readonly run: SqlExecutor = {
    query: async <T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> => this.prepare(sql).all(...params) as T[],
    execute: async (sql: string, params: readonly SqlValue[] = []): Promise<number> => this.prepare(sql).run(...params).changes,
  };

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
