import * as hdr from 'hdr-histogram-js';
import { Agent } from 'undici';
import { exchange } from '../http/exchange.ts';

/**
 * An open-model HTTP load driver: requests start on a fixed schedule whether or not earlier ones
 * have finished, so a slow server cannot slow the offered load down and hide its own slowness
 * (coordinated omission). Latency is measured from each request's *scheduled* start. Local
 * targets only (127.0.0.1, localhost, ::1): it is a benchmark tool, not a load generator for
 * other people's services.
 *
 *   const report = await runLoad({ url: 'http://127.0.0.1:8080', rate: 2000, durationMs: 5000,
 *                                  request: { method: 'GET', path: '/v1/health' } });
 *   console.log(formatLoadReport(report));
 */

export interface LoadRequest {
  method: string;
  /** Path plus query, e.g. `/v1/orders`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** Base URL of a local service (`http://127.0.0.1:PORT`). */
  url: string;
  /** Arrivals per second (the offered load). */
  rate: number;
  /** How long requests keep arriving, in milliseconds. */
  durationMs?: number;
  /** Most arrivals in all. Give `durationMs`, `count`, or both (whichever ends first). */
  count?: number;
  /** The request for arrival `i` (0-based), or one request for all. */
  request: LoadRequest | ((i: number) => LoadRequest);
  /** Connections to keep alive (default 256); more concurrent requests queue, and their wait counts. */
  connections?: number;
  /** A request with no answer after this long counts as a `timeout` error (default 5000 ms). */
  timeoutMs?: number;
  /** Which statuses are successes (default 2xx). */
  ok?: (status: number) => boolean;
  /** Arrivals in the first `warmupMs` are sent but not counted (default 0). */
  warmupMs?: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface LoadReport {
  url: string;
  offeredRate: number;
  /** Arrivals counted (after warm-up). */
  sent: number;
  /** Of those, answered (any status). */
  completed: number;
  /** Answered with a success status. */
  ok: number;
  /** Successful answers per second of the arrival period. */
  achievedRate: number;
  /** Failures by kind: `http-503`, `timeout`, `reset`, `refused`, `network:<code>`, `unfinished`. */
  errors: Record<string, number>;
  errorCount: number;
  /** Milliseconds from scheduled start to the end of the answer, over answered requests. */
  latencyMs: LatencySummary;
  /** How late the driver itself started requests (a driver that cannot keep up shows here). */
  startLagMs: { p99: number; max: number };
  /**
   * Whether a backlog grew (the server fell behind): the median latency of the last fifth of the
   * arrivals against the first fifth's (-1: the last fifth never finished), the most requests in
   * flight at once, and how many were still open when arrivals ended.
   */
  backlog: { grew: boolean; firstFifthMs: number; lastFifthMs: number; maxInFlight: number; unfinishedAtEnd: number };
  durationMs: number;
}

const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Runs one open-model load step and reports it. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const base = new URL(options.url);
  if (!LOCAL.has(base.hostname)) throw new Error(`the load driver only targets local services (127.0.0.1, localhost, ::1), not ${base.hostname}`);
  if (!(options.rate > 0)) throw new Error(`rate must be above 0, got ${options.rate}`);
  if (options.durationMs === undefined && options.count === undefined) throw new Error('give durationMs, count, or both: a load run is bounded');
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const interval = 1000 / options.rate;
  const warmupMs = options.warmupMs ?? 0;
  const total = Math.min(options.count ?? Infinity, options.durationMs === undefined ? Infinity : Math.ceil(((options.durationMs + warmupMs) * options.rate) / 1000));
  const timeoutMs = options.timeoutMs ?? 5000;
  const isOk = options.ok ?? ((s: number) => s >= 200 && s < 300);
  const agent = new Agent({ connections: options.connections ?? 256, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, pipelining: 1 });
  const make = typeof options.request === 'function' ? options.request : () => options.request as LoadRequest;

  const latency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  const lag = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  const errors: Record<string, number> = {};
  const fail = (kind: string): void => void (errors[kind] = (errors[kind] ?? 0) + 1);
  let sent = 0;
  let completed = 0;
  let ok = 0;
  let inFlight = 0;
  let counted = 0; // in flight among counted arrivals
  const samples: number[] = [];
  const pending = new Set<Promise<void>>();
  // Latency by arrival index, to compare the first and last fifth of the run (a growing backlog
  // makes later requests wait longer; a slow but steady server does not).
  const firstMeasured = Math.min(total, Math.ceil(warmupMs / interval));
  const fifthSize = Math.max(1, Math.floor((total - firstMeasured) / 5));
  const early: number[] = [];
  const late: number[] = [];
  let firstOkAt = Infinity;
  let lastOkAt = 0;

  const t0 = performance.now();
  const sampler = setInterval(() => samples.push(inFlight), 50);
  const launch = (i: number, scheduled: number): void => {
    const measured = scheduled - t0 >= warmupMs;
    const req = make(i);
    if (measured) {
      sent++;
      counted++;
      lag.recordValue(Math.max(1, Math.round((performance.now() - scheduled) * 1000)));
    }
    inFlight++;
    const p = exchange(agent, { origin, path: prefix + req.path, method: req.method, ...(req.headers ? { headers: req.headers } : {}), ...(req.body !== undefined ? { body: req.body } : {}) }, { collectBody: false })
      .then((res) => {
        if (!measured) return;
        completed++;
        const done = performance.now();
        latency.recordValue(Math.max(1, Math.round((done - scheduled) * 1000)));
        if (i < firstMeasured + fifthSize) early.push(done - scheduled);
        else if (i >= total - fifthSize) late.push(done - scheduled);
        if (isOk(res.status)) {
          ok++;
          firstOkAt = Math.min(firstOkAt, done);
          lastOkAt = Math.max(lastOkAt, done);
        } else fail(`http-${res.status}`);
      })
      .catch((error: unknown) => {
        if (measured) fail(errorKind(error));
      })
      .finally(() => {
        inFlight--;
        if (measured) counted--;
        pending.delete(p);
      });
    pending.add(p);
  };

  let i = 0;
  while (i < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - t0) / interval) + 1);
    while (i < due) {
      launch(i, t0 + i * interval);
      i++;
    }
    if (i >= total) break;
    // Sleep until the next arrival is due. Timers have a 1 ms grain, so a request can leave up to
    // ~1 ms after its scheduled start; that lag is part of the latency measured (and reported as
    // startLagMs). Spinning on setImmediate instead would be exact but burn a whole core, which
    // on a small machine starves the very servers being measured.
    const wait = t0 + i * interval - performance.now();
    await new Promise((r) => setTimeout(r, Math.max(1, Math.floor(wait))));
  }
  const arrivalsEnd = performance.now();
  clearInterval(sampler);
  const backlogSamples = samples.slice(Math.floor(warmupMs / 50));

  // Stragglers get `timeoutMs` to finish; what is still open then is unfinished.
  const unfinishedAtEnd = counted;
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...pending]), new Promise((r) => (drainTimer = setTimeout(r, timeoutMs + 100)))]);
  clearTimeout(drainTimer);
  if (counted > 0) errors.unfinished = counted;
  await agent.destroy().catch(() => undefined);

  const periodMs = Math.max(1, arrivalsEnd - t0 - warmupMs);
  const median = (xs: number[]): number => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
  const firstFifth = median(early);
  const lastFifth = late.length === 0 && unfinishedAtEnd > 0 ? Infinity : median(late);
  // Answers per second while answers flowed (a steady slow server still achieves the offered rate).
  const answeringMs = Math.max(periodMs, lastOkAt - firstOkAt);
  const ms = (us: number): number => Math.round(us) / 1000;
  const summary = (h: hdr.Histogram): LatencySummary =>
    h.totalCount === 0
      ? { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 }
      : { p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)), p999: ms(h.getValueAtPercentile(99.9)), max: ms(h.maxValue), mean: ms(h.mean) };
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  return {
    url: options.url,
    offeredRate: options.rate,
    sent,
    completed,
    ok,
    achievedRate: Math.round((ok / answeringMs) * 1000 * 10) / 10,
    errors: { ...errors },
    errorCount,
    latencyMs: summary(latency),
    startLagMs: { p99: lag.totalCount ? ms(lag.getValueAtPercentile(99)) : 0, max: ms(lag.maxValue) },
    backlog: {
      grew: lastFifth > 2 * firstFifth + 5,
      firstFifthMs: Math.round(firstFifth * 1000) / 1000,
      lastFifthMs: Number.isFinite(lastFifth) ? Math.round(lastFifth * 1000) / 1000 : -1,
      maxInFlight: Math.max(0, ...backlogSamples),
      unfinishedAtEnd,
    },
    durationMs: Math.round(periodMs),
  };
}

function errorKind(error: unknown): string {
  const e = error as { code?: string; name?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? e.name ?? 'unknown';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'TimeoutError') return 'timeout';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'reset';
  if (code === 'ECONNREFUSED') return 'refused';
  return `network:${code}`;
}

/** One line per figure, for people. */
export function formatLoadReport(r: LoadReport): string {
  const errs = Object.entries(r.errors).map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
  return [
    `offered ${r.offeredRate}/s for ${(r.durationMs / 1000).toFixed(1)}s → achieved ${r.achievedRate}/s (${r.ok}/${r.sent} ok)`,
    `latency ms (from scheduled start): p50 ${r.latencyMs.p50}  p90 ${r.latencyMs.p90}  p99 ${r.latencyMs.p99}  max ${r.latencyMs.max}`,
    `errors: ${errs}; backlog ${r.backlog.grew ? 'GREW' : 'steady'} (median latency ${r.backlog.firstFifthMs} → ${r.backlog.lastFifthMs} ms, ${r.backlog.maxInFlight} in flight at most); driver lag p99 ${r.startLagMs.p99} ms`,
  ].join('\n');
}
