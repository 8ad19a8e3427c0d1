import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';

/** Where a world keeps the layer's store: SQLite in memory, or in a scratch file. */
export type WorldStoreKind = 'memory' | 'file';

/**
 * Runs expected to take more orders than this keep the layer's store in a scratch file.
 *
 * An in-memory SQLite database cannot grow past 1 GiB (SQLITE_MEMDB_DEFAULT_MAXSIZE, fixed when
 * better-sqlite3 is compiled; measured: SQLITE_FULL at 1,022 MiB), and the store takes about
 * 2.8 KB per order (a 20,000-order peak day: 55 MiB). A world of 380,000 orders would see its
 * store refuse writes, and the layer would fail for a reason of the harness's own. A file has no
 * such bound and leaves the pages to the OS's cache instead of the process's memory; it costs more
 * per statement (system calls), so smaller runs stay in memory.
 */
export const MEMORY_STORE_MAX_ORDERS = 150_000;

export const worldStoreKindFor = (expectedOrders: number): WorldStoreKind => (expectedOrders > MEMORY_STORE_MAX_ORDERS ? 'file' : 'memory');

/** Scratch directories not yet removed; removed at exit even when a run never got to dispose. */
const scratchDirs = new Set<string>();
let exitHook = false;

/** Opens a world's store: in memory, or a scratch file whose directory `close()` removes. */
export function openWorldStore(kind: WorldStoreKind): SqliteStore {
  return kind === 'memory' ? new SqliteStore(':memory:') : new ScratchStore(mkdtempSync(join(tmpdir(), 'faultline-world-')));
}

class ScratchStore extends SqliteStore {
  constructor(private readonly dir: string) {
    scratchDirs.add(dir);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
      });
    }
    super(join(dir, 'layer.db'), { scratch: true });
  }

  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
      scratchDirs.delete(this.dir);
    }
  }
}
