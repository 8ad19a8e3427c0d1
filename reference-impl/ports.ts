/**
 * The ports of the reference implementation, beyond the runtime's Clock, Random, Transport and
 * Bus: its Store. Services depend on these interfaces only; adapters/ implement them.
 */

/** Values that cross the SQL boundary. Timestamps are epoch milliseconds (BIGINT). */
export type SqlValue = string | number | null;

export interface SqlExecutor {
  /** Rows of a SELECT (or of INSERT … RETURNING). Placeholders are `?`. */
  query<T = Record<string, SqlValue>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/**
 * The layer's durable state. SQL is written once in the subset SQLite and PostgreSQL share
 * (`?` placeholders, BIGINT epoch-ms timestamps, TEXT JSON, INSERT … ON CONFLICT, RETURNING).
 */
export interface Store extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` atomically: everything it does through `tx` commits together or not at all.
   * Inside `fn`, use `tx` only (the store itself waits for the transaction to end). `fn` may run
   * more than once (PostgreSQL retries serialization failures), so it must not have effects
   * outside the database.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Creates or upgrades the schema (idempotent). */
  migrate(statements: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
