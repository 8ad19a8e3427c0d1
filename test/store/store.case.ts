import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import type { SqlExecutor, Store } from '../../reference-impl/ports.ts';

export interface StoreUnderTest {
  /** A store on a fresh, empty database. */
  store: Store;
  /** A second, independent store on the same database (a second process), where that exists. */
  another?: () => Store;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS items (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     qty INTEGER NOT NULL DEFAULT 0,
     updated_at BIGINT NOT NULL
   )`,
  'CREATE INDEX IF NOT EXISTS items_by_name ON items (name)',
];

const T0 = Date.UTC(2026, 0, 5, 8); // 2026-01-05T08:00:00Z in epoch ms: beyond 32 bits

/** The behaviour every Store adapter shares: the portable SQL subset and its transaction semantics. */
export function storeCases(open: () => Promise<StoreUnderTest>): void {
  const opened: Store[] = [];
  const fresh = async (): Promise<StoreUnderTest> => {
    const s = await open();
    opened.push(s.store);
    await s.store.migrate(SCHEMA);
    const another = s.another;
    return another ? { store: s.store, another: () => track(another()) } : { store: s.store };
  };
  const track = (store: Store): Store => {
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  const count = async (db: SqlExecutor): Promise<number> => (await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM items'))[0]!.n;

  it('creates, reads, updates and deletes rows through ? placeholders', async () => {
    const { store } = await fresh();
    expect(await store.execute('INSERT INTO items (id, name, qty, updated_at) VALUES (?, ?, ?, ?)', ['a', 'bearing', 3, T0])).toBe(1);
    expect(await store.execute('INSERT INTO items (id, name, qty, updated_at) VALUES (?, ?, ?, ?)', ['b', 'valve', 1, T0])).toBe(1);
    expect(await store.query('SELECT id, name, qty FROM items WHERE qty >= ? ORDER BY id', [1])).toEqual([
      { id: 'a', name: 'bearing', qty: 3 },
      { id: 'b', name: 'valve', qty: 1 },
    ]);
    expect(await store.execute('UPDATE items SET qty = qty + ? WHERE id = ?', [2, 'a'])).toBe(1);
    expect(await store.execute('UPDATE items SET qty = 0 WHERE id = ?', ['missing'])).toBe(0);
    expect(await store.execute('DELETE FROM items WHERE id = ?', ['b'])).toBe(1);
    expect(await store.query('SELECT id, qty FROM items')).toEqual([{ id: 'a', qty: 5 }]);
    // NULLs go in and come out as null.
    await store.execute('CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, body TEXT)');
    await store.execute('INSERT INTO notes (id, body) VALUES (?, ?)', ['n', null]);
    expect(await store.query('SELECT body FROM notes WHERE id = ?', ['n'])).toEqual([{ body: null }]);
  });

  it('keeps a ? inside a string literal as text, not a placeholder', async () => {
    const { store } = await fresh();
    expect(await store.query("SELECT 'who?' AS q, ? AS v", ['x'])).toEqual([{ q: 'who?', v: 'x' }]);
  });

  it('INSERT … ON CONFLICT DO NOTHING changes nothing on a duplicate; DO UPDATE upserts', async () => {
    const { store } = await fresh();
    const insert = 'INSERT INTO items (id, name, qty, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING';
    expect(await store.execute(insert, ['a', 'bearing', 1, T0])).toBe(1);
    expect(await store.execute(insert, ['a', 'something else', 9, T0])).toBe(0);
    expect(await store.query('SELECT name, qty FROM items')).toEqual([{ name: 'bearing', qty: 1 }]);

    const upsert =
      'INSERT INTO items (id, name, qty, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET qty = items.qty + excluded.qty, updated_at = excluded.updated_at';
    expect(await store.execute(upsert, ['a', 'bearing', 4, T0 + 1])).toBe(1);
    expect(await store.execute(upsert, ['c', 'hose', 2, T0 + 2])).toBe(1);
    expect(await store.query('SELECT id, qty, updated_at FROM items ORDER BY id')).toEqual([
      { id: 'a', qty: 5, updated_at: T0 + 1 },
      { id: 'c', qty: 2, updated_at: T0 + 2 },
    ]);
  });

  it('returns rows from INSERT, UPDATE and DELETE … RETURNING, and none when DO NOTHING skipped the insert', async () => {
    const { store } = await fresh();
    expect(await store.query('INSERT INTO items (id, name, qty, updated_at) VALUES (?, ?, ?, ?) RETURNING id, qty', ['a', 'bearing', 7, T0])).toEqual([{ id: 'a', qty: 7 }]);
    expect(
      await store.query('INSERT INTO items (id, name, qty, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id', ['a', 'x', 1, T0]),
    ).toEqual([]);
    expect(await store.query('UPDATE items SET qty = qty - ? WHERE id = ? RETURNING qty', [2, 'a'])).toEqual([{ qty: 5 }]);
    expect(await store.query('DELETE FROM items WHERE id = ? RETURNING name', ['a'])).toEqual([{ name: 'bearing' }]);
  });

  it('round-trips BIGINT epoch milliseconds as numbers, and counts as numbers', async () => {
    const { store } = await fresh();
    const values = [T0, 2 ** 31 + 7, Number.MAX_SAFE_INTEGER, -T0, 0];
    for (const [i, v] of values.entries()) await store.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', [`t${i}`, 'ts', v]);
    const rows = await store.query<{ updated_at: unknown }>('SELECT updated_at FROM items ORDER BY id');
    expect(rows.map((r) => r.updated_at)).toEqual(values);
    for (const r of rows) expect(typeof r.updated_at).toBe('number');
    const [agg] = await store.query<{ n: unknown; latest: unknown }>('SELECT COUNT(*) AS n, MAX(updated_at) AS latest FROM items');
    expect(agg).toEqual({ n: 5, latest: Number.MAX_SAFE_INTEGER });
    // Comparisons on BIGINT parameters work too.
    expect(await count(store)).toBe(5);
    expect((await store.query('SELECT id FROM items WHERE updated_at > ? ORDER BY id', [T0])).map((r) => r.id)).toEqual(['t2']);
  });

  it('commits everything a transaction did together, and returns its value', async () => {
    const { store } = await fresh();
    const result = await store.transaction(async (tx) => {
      await tx.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['a', 'order', T0]);
      await tx.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['b', 'outbox', T0]);
      return (await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM items'))[0]!.n;
    });
    expect(result).toBe(2);
    expect(await count(store)).toBe(2);
  });

  it('rolls back everything when the transaction function throws, and passes the error on unchanged', async () => {
    const { store } = await fresh();
    const boom = new Error('ERP answer did not validate');
    await expect(
      store.transaction(async (tx) => {
        await tx.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['a', 'order', T0]);
        await tx.execute('UPDATE items SET qty = 99');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await count(store)).toBe(0);
  });

  it('a statement failing inside a transaction leaves nothing behind', async () => {
    const { store } = await fresh();
    await store.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['dup', 'existing', T0]);
    await expect(
      store.transaction(async (tx) => {
        await tx.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['a', 'order', T0]);
        await tx.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['dup', 'collides', T0]); // primary key violation
      }),
    ).rejects.toThrow();
    expect(await store.query('SELECT id, name FROM items')).toEqual([{ id: 'dup', name: 'existing' }]);
  });

  it('a transaction that swallows a failed statement is not committed (same on both dialects)', async () => {
    const { store } = await fresh();
    await store.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['dup', 'existing', T0]);
    let later: unknown;
    await expect(
      store.transaction(async (tx) => {
        await tx.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['a', 'order', T0]);
        await tx.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['dup', 'collides', T0]).catch(() => undefined);
        later = await tx.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['b', 'after', T0]).catch((e: Error) => e);
        return 'looks fine';
      }),
    ).rejects.toThrow(/a statement in it failed/);
    expect(String(later)).toMatch(/failed earlier in this transaction/);
    expect(await store.query('SELECT id FROM items')).toEqual([{ id: 'dup' }]);
  });

  it('refuses statements on a transaction executor after the transaction ended', async () => {
    const { store } = await fresh();
    let leaked: SqlExecutor | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.query('SELECT 1 AS one')).rejects.toThrow(/transaction already ended/);
  });

  it('loses no update when 50 transactions read-modify-write the same row at once', async () => {
    const { store } = await fresh();
    await store.execute('INSERT INTO items (id, name, qty, updated_at) VALUES (?, ?, ?, ?)', ['sku', 'BRG-6204', 100, T0]);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.transaction(async (tx) => {
          const [row] = await tx.query<{ qty: number }>('SELECT qty FROM items WHERE id = ?', ['sku']);
          await sleep(i % 3); // interleave: others run while this one holds what it read
          await tx.execute('UPDATE items SET qty = ?, updated_at = ? WHERE id = ?', [row!.qty + 1, T0 + i, 'sku']);
        }),
      ),
    );
    expect(await store.query('SELECT qty FROM items WHERE id = ?', ['sku'])).toEqual([{ qty: 150 }]);
  });

  it('another caller never sees a transaction half-done, and its own statements are not swept into it', async () => {
    const { store } = await fresh();
    let inside: () => void = () => undefined;
    const insideNow = new Promise<void>((r) => (inside = r));
    const tx = store.transaction(async (t) => {
      await t.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['half', 'uncommitted', T0]);
      inside();
      await sleep(40); // awaiting inside the transaction: other callers must not get in
      throw new Error('abandon');
    });
    await insideNow;
    const outsider = (async () => {
      await store.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['own', 'outsider', T0]);
      return store.query<{ id: string }>('SELECT id FROM items ORDER BY id');
    })();
    await expect(tx).rejects.toThrow('abandon');
    // The outsider's write survived the rollback (it was not part of the transaction), and what it
    // read never included the uncommitted row.
    expect((await outsider).map((r) => r.id)).toEqual(['own']);
    expect((await store.query<{ id: string }>('SELECT id FROM items')).map((r) => r.id)).toEqual(['own']);
  });

  it('migrate is idempotent: running it again keeps the schema and the data', async () => {
    const { store } = await fresh();
    await store.execute('INSERT INTO items (id, name, updated_at) VALUES (?, ?, ?)', ['a', 'kept', T0]);
    await store.migrate(SCHEMA);
    await store.migrate(SCHEMA);
    expect(await store.query('SELECT id, name FROM items')).toEqual([{ id: 'a', name: 'kept' }]);
  });

  it('a failing migration changes nothing', async () => {
    const { store } = await fresh();
    await expect(store.migrate(['CREATE TABLE IF NOT EXISTS extra (id TEXT PRIMARY KEY)', 'CREATE TABLE broken ('])).rejects.toThrow();
    await expect(store.query('SELECT id FROM extra')).rejects.toThrow();
  });

  it('migrations started at once by two processes on the same database both succeed', async (ctx) => {
    const s = await fresh();
    if (!s.another) return ctx.skip('this store configuration has no second connection to the same database (in memory, or group commit: one writer only)');
    const tables = Array.from({ length: 12 }, (_, i) => `CREATE TABLE IF NOT EXISTS race_${i} (id TEXT PRIMARY KEY, at BIGINT NOT NULL)`);
    const stores = [s.store, s.another(), s.another(), s.another()];
    await Promise.all(stores.map((st) => st.migrate(tables)));
    await Promise.all(stores.map((st) => st.migrate(tables)));
    await s.store.execute('INSERT INTO race_11 (id, at) VALUES (?, ?)', ['x', T0]);
    expect(await stores[3]!.query('SELECT id FROM race_11')).toEqual([{ id: 'x' }]);
  });

  it('close() can be called twice', async () => {
    const { store } = await fresh();
    await store.close();
    await store.close();
  });
}
