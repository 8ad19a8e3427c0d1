import Database from 'better-sqlite3';
import type { SqlExecutor, SqlValue, Store } from '../../ports.ts';
import { Checkpointer } from './checkpointer.ts';

type Statement = Database.Statement<unknown[], unknown>;

let emptyImage: Buffer | undefined;
/** The serialized image of an empty database (made once per process). */
const EMPTY_IMAGE = (): Buffer => {
  if (!emptyImage) {
    const empty = new Database(':memory:');
    emptyImage = empty.serialize();
    empty.close();
  }
  return emptyImage;
};

/**
 * The embedded store: better-sqlite3 (synchronous, in-process) in WAL mode, in memory or in a
 * file. One connection serves every caller, so statements and transactions are serialized by an
 * async lock: a coroutine awaiting inside a transaction must not let another one's statements
 * slip into it.
 *
 * Like PostgreSQL (where a failed statement aborts its transaction), a statement that fails inside
 * a transaction poisons it: later statements in it throw, and it is rolled back even if the
 * transaction function caught the failure and returned. Code tested here then holds there.
 *
 * `groupCommit` (for a file that this store alone writes, as `faultline serve` does): the
 * transactions of one event-loop turn share one COMMIT, each in its own savepoint, and each
 * caller's promise settles only after that COMMIT, so an answer never goes out before its data is
 * in the WAL. A COMMIT writes every page its transaction changed (about 65 µs for an order's), and
 * the transactions of one turn mostly change the same pages. The write lock is held for that turn,
 * so another connection that writes the same file (even in this process) would wait on it. A plain
 * query while a group is open reads the group's writes (one connection): only a COMMIT that fails
 * (disk full, I/O error) could make such a read wrong, and then every member of the group fails.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  /** Work waiting for the connection, in arrival order; the head is running. */
  private readonly waiting: Array<() => void> = [];
  private busy = false;
  private closed = false;
  private readonly grouped: boolean;
  /** The open group of transactions (group commit), committed at the end of this turn. */
  private batch: Batch | undefined;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;
  /** COMMITs so far. */
  commits = 0;
  private readonly checkpointer: Checkpointer | undefined;

  /**
   * The first time SQLite refused to grow the database (SQLITE_FULL: an in-memory database's
   * 1 GiB bound, `max_page_count`, or a full disk); undefined while it never has.
   */
  full: Error | undefined;

  /**
   * `file` is a path, or `:memory:`. `scratch`: the file is thrown away with the process (a large
   * simulated world's store): nothing is synced to disk, and this connection alone uses it.
   */
  constructor(
    readonly file: string = ':memory:',
    options: { groupCommit?: boolean; backgroundCheckpoint?: boolean; scratch?: boolean } = {},
  ) {
    this.grouped = options.groupCommit ?? false;
    // `:memory:` is opened as a deserialized (empty) image on SQLite's memdb VFS: the same
    // in-memory database, but with the pager of a file, whose COMMIT costs what the transaction
    // changed. The `:memory:` pager's COMMIT and DELETE grow with the database (measured: 12 µs
    // at 13k pages, 107 µs at 66k), which made a 100,000-order day quadratic.
    this.db = file === ':memory:' ? new Database(EMPTY_IMAGE()) : new Database(file);
    if (file !== ':memory:') {
      // No other connection: no file locks taken and released around every transaction.
      if (options.scratch) this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      // The automatic checkpoint runs inside the COMMIT that crosses the threshold, on the event
      // loop, and syncs the database file. Every 10,000 pages (~40 MB of WAL) instead of SQLite's
      // 1,000 doubles the transaction rate and makes those pauses ten times rarer (measured:
      // ~10k → ~20k small transactions/s; commits over 5 ms 196 → 38 in 40k). The WAL file is
      // cut back to 64 MB after a checkpoint.
      // `backgroundCheckpoint` moves them off the event loop altogether (see Checkpointer), but
      // keeps SQLite's own as a backstop at 32,768 pages (~128 MB), never reached while the worker
      // keeps up (measured: 82 MB at most). On a starved host the worker's RESTART can miss every
      // pause between the writer's commits; the WAL then grew past 560 MB in a CI run.
      this.db.pragma(`wal_autocheckpoint = ${options.backgroundCheckpoint ? BACKSTOP_PAGES : 10000}`);
      this.db.pragma(`journal_size_limit = ${WAL_LIMIT}`);
      if (options.backgroundCheckpoint) {
        // Without its worker the WAL would grow without end: SQLite checkpoints in COMMIT again.
        this.checkpointer = new Checkpointer(file, WAL_LIMIT, () => {
          if (!this.closed) this.db.pragma('wal_autocheckpoint = 10000');
        });
      }
    }
    this.db.pragma(options.scratch ? 'synchronous = OFF' : 'synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
    this.rollback = this.db.prepare('ROLLBACK');
    this.savepoint = this.db.prepare('SAVEPOINT member');
    this.release = this.db.prepare('RELEASE member');
    this.rollbackTo = this.db.prepare('ROLLBACK TO member');
  }

  query<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    // better-sqlite3 is synchronous: with the connection free, the statement runs now.
    if (!this.busy) return this.now(() => this.prepare(sql).all(...params) as T[]);
    return this.exclusive(async () => this.now(() => this.prepare(sql).all(...params) as T[]));
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    if (this.grouped) return this.transaction((tx) => tx.execute(sql, params)); // settles after its COMMIT
    if (!this.busy) return this.now(() => this.prepare(sql).run(...params).changes);
    return this.exclusive(async () => this.now(() => this.prepare(sql).run(...params).changes));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.grouped) return this.exclusive(() => this.member(fn)).then(({ value, batch }) => batch.committed.then(() => value));
    return this.exclusive(async () => {
      const tx = new Transaction(this);
      this.begin.run();
      try {
        const result = await fn(tx);
        tx.end();
        if (tx.failure !== undefined) throw poisoned(tx.failure);
        this.commit.run();
        this.commits++;
        return result;
      } catch (error) {
        tx.end();
        if (this.db.inTransaction) this.rollback.run();
        throw this.noted(error);
      }
    });
  }

  /** One transaction of a group: a savepoint in the group's transaction (opened if none is). */
  private async member<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<{ value: T; batch: Batch }> {
    let batch = this.batch;
    if (!batch) {
      this.begin.run();
      const opened = new Batch();
      this.batch = batch = opened;
      setImmediate(() => this.flush(opened));
    }
    this.savepoint.run();
    const tx = new Transaction(this);
    try {
      const value = await fn(tx);
      tx.end();
      if (tx.failure !== undefined) throw poisoned(tx.failure);
      this.release.run();
      if (++batch.members >= MAX_GROUP) this.flush(batch);
      return { value, batch };
    } catch (error) {
      tx.end();
      if (this.db.inTransaction) {
        this.rollbackTo.run();
        this.release.run();
      } else {
        // SQLite gave up the whole transaction (I/O error, disk full): the group's other work is gone too.
        this.batch = undefined;
        batch.fail(new Error(`the group commit was rolled back by SQLite (${describe(error)}); nothing of this transaction was stored`, { cause: error }));
      }
      throw this.noted(error);
    }
  }

  /** Commits a group once the transactions already waiting for the connection have run. */
  private flush(batch: Batch): void {
    if (batch.flushing) return;
    batch.flushing = true;
    void this.exclusive(async () => this.commitBatch(batch));
  }

  /** Commits the open group now (the caller holds the connection). */
  private commitBatch(batch: Batch | undefined = this.batch): void {
    if (!batch || this.batch !== batch) return;
    this.batch = undefined;
    try {
      this.commit.run();
      this.commits++;
      batch.succeed();
    } catch (error) {
      this.noted(error);
      if (this.db.inTransaction) this.rollback.run();
      batch.fail(new Error(`the group commit failed (${describe(error)}); nothing of this transaction was stored`, { cause: error }));
    }
  }

  async migrate(statements: readonly string[]): Promise<void> {
    await this.exclusive(async () => {
      this.commitBatch();
      this.db.transaction(() => {
        for (const sql of statements) this.db.exec(rowidKeys(sql));
      })();
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      if (this.closed) return;
      this.commitBatch();
      this.closed = true;
      await this.checkpointer?.stop();
      this.db.close(); // the last connection to close checkpoints what is left
    });
  }

  /** Keeps the first SQLITE_FULL (in `full`); returns the error. */
  noted(error: unknown): unknown {
    if ((error as { code?: unknown } | null)?.code === 'SQLITE_FULL') this.full ??= error as Error;
    return error;
  }

  /** The prepared statement for `sql` (prepared once). Run it only while holding the connection. */
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** A statement on a free connection: runs at once, its outcome as a settled promise. */
  private now<T>(statement: () => T): Promise<T> {
    try {
      return Promise.resolve(statement());
    } catch (error) {
      return Promise.reject(this.noted(error));
    }
  }

  /**
   * Serializes work on the one connection: `work` starts when everything queued before it has
   * settled (a coroutine awaiting inside a transaction keeps the others out).
   */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = (): void => {
        work().then(
          (value) => {
            this.next();
            resolve(value);
          },
          (error: unknown) => {
            this.next();
            reject(error);
          },
        );
      };
      if (this.busy) this.waiting.push(run);
      else {
        this.busy = true;
        queueMicrotask(run);
      }
    });
  }

  private next(): void {
    const run = this.waiting.shift();
    if (run) run();
    else this.busy = false;
  }
}

/** The executor handed to a transaction's function: valid until the transaction ends. */
class Transaction implements SqlExecutor {
  /** The first statement that failed in this transaction. */
  failure: unknown;
  private ended = false;

  constructor(private readonly store: SqliteStore) {}

  query<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    try {
      return Promise.resolve(this.store.prepare(sql).all(...params) as T[]);
    } catch (error) {
      this.failure ??= error;
      return Promise.reject(this.store.noted(error));
    }
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    try {
      return Promise.resolve(this.store.prepare(sql).run(...params).changes);
    } catch (error) {
      this.failure ??= error;
      return Promise.reject(this.store.noted(error));
    }
  }

  end(): void {
    this.ended = true;
  }

  private refusal(): Error | undefined {
    if (this.ended) return new Error('transaction already ended: its executor is only valid inside the transaction function');
    if (this.failure !== undefined) {
      return new Error(`a statement failed earlier in this transaction (${describe(this.failure)}); let the error end the transaction`, { cause: this.failure });
    }
    return undefined;
  }
}

/** The WAL file is cut back to this size when it restarts. */
const WAL_LIMIT = 64 * 1024 * 1024;
/** The automatic checkpoint's threshold when a worker checkpoints (see the constructor). */
const BACKSTOP_PAGES = 32_768;

/** Transactions in one group commit at most (bounds how long a caller waits for the COMMIT). */
const MAX_GROUP = 256;

/** A group of transactions sharing one COMMIT: their callers learn its outcome together. */
class Batch {
  members = 0;
  flushing = false;
  readonly committed: Promise<void>;
  succeed!: () => void;
  fail!: (error: unknown) => void;

  constructor() {
    this.committed = new Promise<void>((resolve, reject) => {
      this.succeed = resolve;
      this.fail = reject;
    });
    this.committed.catch(() => undefined); // each member awaits it; a group with none must not be an unhandled rejection
  }
}

function poisoned(failure: unknown): Error {
  return new Error(`transaction rolled back: a statement in it failed (${describe(failure)}) and the transaction function went on instead of letting the error end it`, { cause: failure });
}

/**
 * `seq BIGINT PRIMARY KEY` in the shared schema becomes `seq INTEGER PRIMARY KEY` here: the same
 * 64-bit integer in SQLite, but the table's rowid, so the rows live in one B-tree instead of a
 * table plus a unique index (an outbox insert or delete then changes one tree, not two).
 */
export const rowidKeys = (sql: string): string => sql.replace(/\b(\w+) BIGINT PRIMARY KEY\b/g, '$1 INTEGER PRIMARY KEY');

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string } | null;
  return e?.code ? `${e.code}: ${e.message ?? ''}` : (e?.message ?? String(error));
}
