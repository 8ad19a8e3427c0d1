import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { scenarioFromSource } from '../../harness/scenario/load.ts';
import { MEMORY_STORE_MAX_ORDERS, openWorldStore, worldStoreKindFor } from '../../harness/world/world-store.ts';
import { World } from '../../harness/world/world.ts';
import { parseSource } from '../../runtime/files/yaml-source.ts';

const scenario = (yaml: string) => scenarioFromSource(parseSource(yaml, 'store.yaml'));

describe("a world's store", () => {
  it('is in memory up to the in-memory bound of expected orders, a scratch file beyond it', () => {
    expect(worldStoreKindFor(MEMORY_STORE_MAX_ORDERS)).toBe('memory');
    expect(worldStoreKindFor(MEMORY_STORE_MAX_ORDERS + 1)).toBe('file');
    // 150,000 orders at the measured ~2.8 KB each stay well inside SQLite's 1 GiB in-memory limit.
    expect(MEMORY_STORE_MAX_ORDERS * 2.8e3 * 2).toBeLessThan(1024 ** 3);
  });

  it("is chosen from the orders the scenario's workload is expected to make", () => {
    const small = new World({ scenario: scenario('title: One hour\ndescription: A quiet hour of trade.\nduration: 1h\nworkload: { ordersPerSecond: 1 }\n'), seed: 1, defects: [] });
    expect(small.expectedOrders).toBeCloseTo(3600, 6);
    expect(small.store.file).toBe(':memory:');
    // A day at 2 orders/s is 172,800 orders: past the bound.
    const large = new World({ scenario: scenario('title: A busy day\ndescription: A whole day at two orders a second.\nduration: 24h\nworkload: { ordersPerSecond: 2 }\n'), seed: 1, defects: [] });
    expect(large.expectedOrders).toBeCloseTo(172_800, 6);
    expect(large.store.file).not.toBe(':memory:');
    const dir = dirname(large.store.file);
    expect(existsSync(dir)).toBe(true);
    small.dispose();
    large.dispose();
  });

  it('as a scratch file, is removed with its directory when closed', async () => {
    const store = openWorldStore('file');
    const dir = dirname(store.file);
    await store.migrate(['CREATE TABLE t (k TEXT)']);
    await store.execute('INSERT INTO t VALUES (?)', ['x']);
    expect(readdirSync(dir)).toContain('layer.db');
    await store.close();
    expect(existsSync(dir)).toBe(false);
  });

  it('gives the same result in a file as in memory, crashes and restarts on it included', async () => {
    const crashing = scenario(
      [
        'title: Crash on a file store',
        'description: Two layer crashes in twenty minutes, the second mid-outage of the ERP.',
        'duration: 20m',
        'drain: 8h',
        'workload: { ordersPerSecond: 1, doubleSubmitShare: 0.1, clientTimeout: 3s }',
        'faults:',
        '  - { id: crash-1, kind: crash, target: layer, from: 5m, downFor: 30s }',
        '  - { id: erp-down, kind: downtime, target: erp, from: 9m, to: 14m }',
        '  - { id: crash-2, kind: crash, target: layer, from: 11m, downFor: 1m }',
      ].join('\n'),
    );
    const inMemory = await runScenario(crashing, { seed: 3, defects: [], store: 'memory' });
    const inFile = await runScenario(crashing, { seed: 3, defects: [], store: 'file' });
    expect(inMemory.counts.ordersAcknowledged).toBeGreaterThan(500);
    expect(inMemory.faults.filter((f) => f.id.startsWith('crash'))).toHaveLength(2);
    expect(JSON.stringify(inFile)).toBe(JSON.stringify(inMemory));
  }, 120_000);
});

describe('a world whose store fills up', () => {
  it('leaves every invariant and SLO undecided, with the reason, instead of blaming the layer', async () => {
    const { SqliteStore } = await import('../../reference-impl/adapters/sqlite/sqlite-store.ts');
    const yaml = 'title: A small store\ndescription: Five minutes of trade on a store capped at a few pages.\nduration: 5m\ndrain: 30m\nworkload: { ordersPerSecond: 1 }\nslos: [order_ack_p99_ms < 1000]\n';
    const capped = scenario(yaml);
    // SQLite's max_page_count gives the same SQLITE_FULL as the 1 GiB in-memory bound, at 200 pages.
    const open = SqliteStore.prototype.migrate;
    let cappedStores = 0;
    SqliteStore.prototype.migrate = async function (this: InstanceType<typeof SqliteStore>, statements) {
      await open.call(this, statements);
      if (cappedStores++ === 0) await this.query('PRAGMA max_page_count = 200');
    };
    try {
      const result = await runScenario(capped, { seed: 2, defects: [], store: 'memory' });
      expect(result.verdict).toBe('unknown');
      expect(result.invariants.every((i) => i.status === 'unknown' && /SQLite store refused to grow \(database or disk is full\)/.test(i.reason ?? ''))).toBe(true);
      expect(result.slos.map((s) => s.status)).toEqual(['unknown']);
      expect(result.counts.ordersAcknowledged).toBeGreaterThan(0); // it filled up during the run, not before
    } finally {
      SqliteStore.prototype.migrate = open;
    }
    const uncapped = await runScenario(capped, { seed: 2, defects: [], store: 'memory' });
    expect(uncapped.invariants.some((i) => i.status === 'pass')).toBe(true);
    expect(JSON.stringify(uncapped)).not.toContain('refused to grow');
  }, 120_000);
});
