import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../reference-impl/adapters/postgres/postgres-store.ts';
import { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';
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
    const body = 'x'.repeat(4000);
    for (let t = 0; t < 24; t++) {
      await store.transaction(async (tx) => {
        for (let i = 0; i < 1000; i++) await tx.execute('INSERT INTO blobs (id, body) VALUES (?, ?)', [`${t}-${i}`, body]);
      });
    }
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
