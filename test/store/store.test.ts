import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../reference-impl/adapters/postgres/postgres-store.ts';
import { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';
import { SCHEMA } from '../../reference-impl/schema.ts';
import type { SqlExecutor } from '../../reference-impl/ports.ts';
import { freshSchema, postgresService } from './postgres-service.ts';
import { describeWithService } from './services.ts';
import { storeCases } from './store.case.ts';

describe('Store: SQLite in memory', () => {
  storeCases(async () => ({ store: new SqliteStore(':memory:') }));
});

describe('Store: SQLite file (WAL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-store-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  storeCases(async () => {
    const file = join(dir, `db-${n++}.sqlite`);
    return { store: new SqliteStore(file), another: () => new SqliteStore(file) };
  });

  it('keeps the WAL bounded under sustained writes, and leaves none behind after close', async () => {
    const file = join(dir, 'wal.sqlite');
    const store = new SqliteStore(file);
    await store.migrate(['CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, body TEXT NOT NULL)']);
    await writeBlobs(store, 24, 1000);
    // ~100 MB written: checkpoints have moved it into the database and the WAL was reused.
    expect(statSync(`${file}-wal`).size).toBeLessThan(64 * 1024 * 1024);
    expect(statSync(file).size).toBeGreaterThan(40 * 1024 * 1024);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = new SqliteStore(file);
    expect(await again.query('SELECT COUNT(*) AS n FROM blobs')).toEqual([{ n: 24_000 }]);
    await again.close();
  });
});

describe('Store: SQLite schema mapping', () => {
  it("keeps the outboxes in their rowid B-tree: the shared schema's BIGINT PRIMARY KEY becomes INTEGER PRIMARY KEY, no extra index", async () => {
    const store = new SqliteStore();
    await store.migrate(SCHEMA);
    const indexes = await store.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('outbox', 'event_outbox')");
    expect(indexes).toEqual([]);
    // Still 64-bit, and still a key: a repeated seq is refused.
    await store.execute("INSERT INTO event_outbox (seq, channel, id, subject, type, body) VALUES (?, 'c', 'i', 's', 't', 'b')", [2 ** 53 - 1]);
    await expect(store.execute("INSERT INTO event_outbox (seq, channel, id, subject, type, body) VALUES (?, 'c', 'i', 's', 't', 'b')", [2 ** 53 - 1])).rejects.toThrow(/UNIQUE|PRIMARY/);
    await store.close();
  });
});

describe('Store: SQLite file with group commit and background checkpoints (faultline serve)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-store-grouped-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // No second writer here: the group holds the write lock for an event-loop turn (serve is the file's only writer).
  const SERVE = { groupCommit: true, backgroundCheckpoint: true };
  storeCases(async () => ({ store: new SqliteStore(join(dir, `db-${n++}.sqlite`), SERVE) }));

  const open = async (): Promise<{ store: SqliteStore; reader: SqliteStore; file: string }> => {
    const file = join(dir, `group-${n++}.sqlite`);
    const store = new SqliteStore(file, SERVE);
    await store.migrate(['CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, qty INTEGER NOT NULL)']);
    return { store, reader: new SqliteStore(file), file };
  };

  it('transactions started in one turn share one COMMIT, and each settles only once it is readable by another connection', async () => {
    const { store, reader } = await open();
    const before = store.commits;
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store
          .transaction(async (tx) => tx.execute('INSERT INTO items (id, qty) VALUES (?, ?)', [`o${i}`, i]))
          .then(async () => {
            // Durable before the caller hears of it: another connection (its own WAL snapshot) sees the row.
            const rows = await reader.query<{ qty: number }>('SELECT qty FROM items WHERE id = ?', [`o${i}`]);
            seen.push(rows[0]?.qty ?? -1);
          }),
      ),
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(store.commits - before).toBe(1);
    // Ungrouped, the same work is 20 COMMITs.
    const plain = new SqliteStore(join(dir, `plain-${n++}.sqlite`));
    await plain.migrate(['CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, qty INTEGER NOT NULL)']);
    await Promise.all(Array.from({ length: 20 }, (_, i) => plain.transaction(async (tx) => tx.execute('INSERT INTO items (id, qty) VALUES (?, ?)', [`o${i}`, i]))));
    expect(plain.commits).toBe(20);
    await Promise.all([store.close(), reader.close(), plain.close()]);
  });

  it('a member that fails is rolled back alone; the rest of its group commits', async () => {
    const { store, reader } = await open();
    await store.execute('INSERT INTO items (id, qty) VALUES (?, ?)', ['dup', 0]);
    const results = await Promise.allSettled([
      store.transaction(async (tx) => tx.execute('INSERT INTO items (id, qty) VALUES (?, ?)', ['a', 1])),
      store.transaction(async (tx) => {
        await tx.execute('INSERT INTO items (id, qty) VALUES (?, ?)', ['b', 2]);
        await tx.execute('INSERT INTO items (id, qty) VALUES (?, ?)', ['dup', 3]); // primary key violation
      }),
      store.transaction(async (tx) => {
        await tx.execute('INSERT INTO items (id, qty) VALUES (?, ?)', ['c', 4]);
        throw new Error('refused by the ERP');
      }),
      store.transaction(async (tx) => tx.execute('INSERT INTO items (id, qty) VALUES (?, ?)', ['d', 5])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((await reader.query<{ id: string }>('SELECT id FROM items ORDER BY id')).map((r) => r.id)).toEqual(['a', 'd', 'dup']);
    await Promise.all([store.close(), reader.close()]);
  });

  it('checkpoints in a worker thread: the event loop never runs one, yet the database file takes the writes while the store is open', async () => {
    const file = join(dir, `checkpoint-${n++}.sqlite`);
    const store = new SqliteStore(file, SERVE);
    // SQLite's own checkpoint is only a backstop, at ~128 MB of WAL.
    expect(await store.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 32_768 }]);
    await store.migrate(['CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, body TEXT NOT NULL)']);
    await writeBlobs(store, 8, 500);
    // ~16 MB sit in the WAL; only the worker can move them into the database file.
    const moved = async (): Promise<boolean> => {
      for (let k = 0; k < 100; k++) {
        if (statSync(file).size > 15 * 1024 * 1024) return true;
        await sleep(50);
      }
      return false;
    };
    expect(await moved()).toBe(true);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = new SqliteStore(file);
    expect(await again.query('SELECT COUNT(*) AS n FROM blobs')).toEqual([{ n: 4000 }]);
    await again.close();
  });

  it('if the checkpoint worker dies, SQLite checkpoints in COMMIT again (the WAL does not grow without end)', async () => {
    const store = new SqliteStore(join(dir, `died-${n++}.sqlite`), SERVE);
    expect(await store.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 32_768 }]);
    const worker = (store as unknown as { checkpointer: { worker: { terminate(): Promise<number> } } }).checkpointer.worker;
    await worker.terminate();
    await sleep(10);
    expect(await store.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 10000 }]);
    await store.close();
  });

  it('a worker that never checkpoints (a starved host) still leaves the WAL bounded: the backstop checkpoint restarts it', async () => {
    const file = join(dir, `starved-${n++}.sqlite`);
    const store = new SqliteStore(file, SERVE);
    // Stopped, not killed: the store does not fall back to checkpointing every 10,000 pages.
    await (store as unknown as { checkpointer: { stop(): Promise<void> } }).checkpointer.stop();
    expect(await store.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 32_768 }]);
    await store.migrate(['CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, body TEXT NOT NULL)']);
    await writeBlobs(store, 50, 1000);
    // ~205 MB written; without the backstop all of it stays in the WAL.
    expect(statSync(`${file}-wal`).size).toBeLessThan(140 * 1024 * 1024);
    expect(statSync(file).size).toBeGreaterThan(100 * 1024 * 1024);
    await store.close();
  });

  it('under steady writes the WAL still starts afresh: it stays far smaller than what was written through it', async () => {
    const file = join(dir, `steady-${n++}.sqlite`);
    const store = new SqliteStore(file, SERVE);
    await store.migrate(['CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, body TEXT NOT NULL)']);
    const body = 'x'.repeat(4000);
    const until = Date.now() + 3500;
    let written = 0;
    for (let round = 0; Date.now() < until || written < 300e6; round++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, t) =>
          store.transaction(async (tx) => {
            for (let i = 0; i < 100; i++) await tx.execute('INSERT INTO blobs (id, body) VALUES (?, ?)', [`${round}-${t}-${i}`, body]);
          }),
        ),
      );
      written += 10 * 100 * 4096;
      await sleep(5);
    }
    // A checkpointer that never lets the writer restart the WAL leaves all of it there (it grew to 2 GB).
    expect(statSync(`${file}-wal`).size).toBeLessThan(written * 0.6);
    await store.close();
  });

  it('close() commits an open group: nothing acknowledged is lost', async () => {
    const { store, file } = await open();
    const pending = store.transaction(async (tx) => tx.execute('INSERT INTO items (id, qty) VALUES (?, ?)', ['last', 1]));
    await store.close();
    await expect(pending).resolves.toBe(1);
    const again = new SqliteStore(file);
    expect(await again.query('SELECT id FROM items')).toEqual([{ id: 'last' }]);
    await again.close();
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `transactions` transactions of `rows` rows of ~4 KB each (one page apiece) into `blobs`. */
async function writeBlobs(store: SqliteStore, transactions: number, rows: number): Promise<void> {
  const body = 'x'.repeat(4000);
  for (let t = 0; t < transactions; t++) {
    await store.transaction(async (tx) => {
      for (let i = 0; i < rows; i++) await tx.execute('INSERT INTO blobs (id, body) VALUES (?, ?)', [`${t}-${i}`, body]);
    });
  }
}

const postgres = await postgresService();

describeWithService('Store: PostgreSQL', postgres, (url) => {
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await Promise.all(drops.map((drop) => drop()));
    if (postgres.available) await postgres.stop();
  });
  const schema = async (): Promise<string> => {
    const s = await freshSchema(url);
    drops.push(s.drop);
    return s.schema;
  };

  storeCases(async () => {
    const s = await schema();
    return { store: new PostgresStore({ connectionString: url, schema: s }), another: () => new PostgresStore({ connectionString: url, schema: s }) };
  });

  describe('PostgreSQL specifics', () => {
    const open = async (options: { maxAttempts?: number } = {}): Promise<PostgresStore> => {
      const store = new PostgresStore({ connectionString: url, schema: await schema(), ...options });
      await store.migrate(['CREATE TABLE IF NOT EXISTS duty (id TEXT PRIMARY KEY, person TEXT NOT NULL)']);
      return store;
    };

    /**
     * Write skew: each transaction counts who is on duty, then adds someone. Run at once, one of
     * them must be aborted by SERIALIZABLE (40001). `wrap` makes the function hide the driver's
     * error behind its own, as application code often does.
     */
    async function writeSkew(store: PostgresStore, wrap = false): Promise<{ seen: number[]; runs: number; errors: Error[] }> {
      let runs = 0;
      let arrived = 0;
      let bothRead: () => void = () => undefined;
      const barrier = new Promise<void>((r) => (bothRead = r));
      const onDuty = (tx: SqlExecutor) => tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM duty').then((rows) => rows[0]!.n);
      const add = (person: string) =>
        store.transaction(async (tx) => {
          const first = runs++ < 2;
          try {
            const n = await onDuty(tx);
            if (first && ++arrived === 2) bothRead();
            if (first) await barrier; // both have read before either writes
            await tx.execute('INSERT INTO duty (id, person) VALUES (?, ?)', [`${person}-${n}`, person]);
            return n;
          } catch (error) {
            if (wrap) throw new Error(`could not put ${person} on duty`, { cause: error });
            throw error;
          }
        });
      const settled = await Promise.allSettled([add('ana'), add('ben')]);
      const seen = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      return { seen: seen.sort(), runs, errors };
    }

    it('reruns a transaction PostgreSQL aborted for a serialization failure, so the outcome is serial', async () => {
      const store = await open();
      try {
        const { seen, runs, errors } = await writeSkew(store);
        expect(errors).toEqual([]);
        expect(seen).toEqual([0, 1]); // as if one ran after the other
        expect(runs).toBeGreaterThanOrEqual(3);
        expect(store.retries).toBeGreaterThanOrEqual(1);
        expect(await store.query('SELECT COUNT(*) AS n FROM duty')).toEqual([{ n: 2 }]);
      } finally {
        await store.close();
      }
    });

    it('reruns it even when the function wrapped the driver error in its own', async () => {
      const store = await open();
      try {
        expect((await writeSkew(store, true)).seen).toEqual([0, 1]);
      } finally {
        await store.close();
      }
    });

    it('gives up after maxAttempts with an error that says so and keeps the cause', async () => {
      const store = await open({ maxAttempts: 1 });
      try {
        const { errors, seen } = await writeSkew(store);
        expect(seen).toEqual([0]);
        expect(errors).toHaveLength(1);
        const error = errors[0];
        expect(error?.message).toMatch(/gave up after 1 attempts, each aborted by PostgreSQL \(40001/);
        expect((error?.cause as { code?: string }).code).toBe('40001');
        expect(await store.query('SELECT COUNT(*) AS n FROM duty')).toEqual([{ n: 1 }]);
      } finally {
        await store.close();
      }
    });

    it('reruns a transaction chosen as a deadlock victim (40P01)', async () => {
      const store = await open();
      try {
        await store.execute("INSERT INTO duty (id, person) VALUES ('a', '-'), ('b', '-')");
        let arrived = 0;
        let bothLocked: () => void = () => undefined;
        const barrier = new Promise<void>((r) => (bothLocked = r));
        let runs = 0;
        const cross = (first: string, second: string, who: string) =>
          store.transaction(async (tx) => {
            const initial = runs++ < 2;
            await tx.execute('UPDATE duty SET person = ? WHERE id = ?', [who, first]);
            if (initial && ++arrived === 2) bothLocked();
            if (initial) await barrier;
            await tx.execute('UPDATE duty SET person = ? WHERE id = ?', [who, second]);
          });
        await Promise.all([cross('a', 'b', 'ana'), cross('b', 'a', 'ben')]);
        // The victim runs again (and may meet the survivor's commit once more: 40001, again).
        expect(runs).toBeGreaterThanOrEqual(3);
        expect(store.retries).toBe(runs - 2);
        const people = (await store.query<{ person: string }>('SELECT person FROM duty ORDER BY id')).map((r) => r.person);
        expect(people[0]).toBe(people[1]); // one transaction's writes, whole
      } finally {
        await store.close();
      }
    });

    it('parses BIGINT as a number on its own connections only, and refuses one it cannot hold exactly', async () => {
      const store = await open();
      const plain = new pg.Client({ connectionString: url });
      await plain.connect();
      try {
        expect(await store.query('SELECT CAST(? AS BIGINT) AS v', [String(2 ** 40)])).toEqual([{ v: 2 ** 40 }]);
        expect((await plain.query('SELECT 1099511627776::bigint AS v')).rows).toEqual([{ v: '1099511627776' }]);
        await expect(store.query('SELECT 9007199254740993::bigint AS v')).rejects.toThrow(/outside the range a JavaScript number holds exactly/);
      } finally {
        await plain.end();
        await store.close();
      }
    });

    it('works in its own schema: tables of another schema are invisible', async () => {
      const a = await open();
      const b = await open();
      try {
        await a.execute("INSERT INTO duty (id, person) VALUES ('x', 'ana')");
        expect(await b.query('SELECT * FROM duty')).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
