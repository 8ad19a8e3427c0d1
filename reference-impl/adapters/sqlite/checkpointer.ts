import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpoints a WAL database from a worker thread, on its own connection, so the event loop never
 * pays for one. SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold:
 * measured under `bench:intake`, every ~10,000 pages a COMMIT took 40–55 ms instead of well under
 * one, which alone set the p99 of order intake. A PASSIVE checkpoint does not block writers; the
 * writer restarts the WAL from its start once a checkpoint has copied all of it, and
 * `journal_size_limit` then trims the file. PASSIVE alone never gets there under steady writes
 * (the WAL grew to 2 GB in 20 s of writing, every checkpoint complete), so each tick ends with a
 * RESTART checkpoint: short, since PASSIVE has just copied almost everything, and the writer waits
 * at most that long for the write lock (measured in the same 20 s: WAL 82 MB, no COMMIT over 44 ms).
 */
export class Checkpointer {
  private readonly worker: Worker;
  private stopped: Promise<void> | undefined;
  private exited = false;

  /** `died` runs if the worker ends before stop(): the writer must then checkpoint again itself. */
  constructor(file: string, journalLimit: number, died: () => void, intervalMs = 1000) {
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { file, journalLimit, intervalMs, from: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    this.worker.unref(); // a store someone forgot to close must not keep the process alive
    this.worker.on('error', () => undefined); // followed by 'exit'
    this.worker.once('exit', () => {
      this.exited = true;
      if (!this.stopped) died();
    });
  }

  /** Stops checkpointing (what is left is checkpointed when the last connection closes). */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.worker.once('exit', () => resolve());
      this.worker.ref(); // keep the process up until the worker has closed its connection
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}

// CommonJS, evaluated in the worker: the TypeScript loader of the main thread does not reach it.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.from);
const db = new Database(workerData.file);
// RESTART waits (here, not on the event loop) for a moment between the writer's transactions.
db.pragma('busy_timeout = 200');
db.pragma('journal_size_limit = ' + workerData.journalLimit);
// PASSIVE copies the bulk without stopping the writer; RESTART then copies what came in meanwhile
// (little) while holding the writer off, and only after it does the writer start the WAL afresh.
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    db.pragma('wal_checkpoint(RESTART)');
  } catch { /* busy or closing: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
