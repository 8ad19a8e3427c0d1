/**
 * `npm run bench:intake`: order intake (`POST /v1/orders`) over real HTTP, open-model load.
 *
 * Three processes on 127.0.0.1, all started (and stopped) here:
 *   1. the downstream systems (this file with `--downstream-child`): the ERP, the WMS of DC-EAST and
 *      DC-WEST, SwiftShip and Pelican simulators, each answering in ~1 ms with no rate limit, the
 *      ERP's customers with effectively unlimited credit, stock enough for the whole run, and
 *      nothing moving on its own (no picking, no tracking), so the figures are the layer's;
 *   2. `faultline serve` on an embedded SQLite file (WAL) in a temp dir, pointed at them;
 *   3. this process: the open-model driver of runtime/load (fixed arrival rate, latency from each
 *      request's scheduled start, so a slow server cannot hide behind a slowed-down client).
 *
 * Each accepted order costs the layer more than its 202: the synchronous ERP credit and price
 * check, then through the outbox the ERP booking, the carrier label and the release to the WMS.
 * "Sustained" therefore also asks that the outbox keeps up (drains within 2 s after a step).
 *
 * It prints p50/p99 at 1,000 orders/s (target p99 < 50 ms) and the highest rate sustained without
 * errors, a falling-behind throughput or a growing backlog — of requests (latency rising through
 * the step) or of the layer's outbox (ERP postings not keeping up) — target ≥ 2,000 orders/s.
 *
 * Bounded: every load step has a fixed duration and the search a fixed number of steps; a watchdog
 * ends the whole bench after BENCH_MAX_SECONDS (default 600; a run takes about 2 minutes). `--quick` runs shorter steps.
 * `BENCH_CPU_PROF=DIR` makes the layer and the simulators write V8 CPU profiles to DIR when they stop.
 * Exit code: 0 both targets met, 1 a target missed, 70 the bench itself failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { stringify as toYaml } from 'yaml';
import { WallClock } from '../runtime/clock/wall-clock.ts';
import { serveHandler } from '../runtime/http/serve.ts';
import { formatLoadReport, runLoad, unsustainedBecause, type LoadReport, type LoadRequest } from '../runtime/load/index.ts';
import { entropyRandom } from '../runtime/random/entropy.ts';
import { DEFAULT_CATALOG, DEFAULT_CUSTOMERS, DISTRIBUTION_CENTERS } from '../simulators/shared/defaults.ts';
import { PelicanSimulator, SwiftSimulator } from '../simulators/carriers/index.ts';
import { ErpSimulator } from '../simulators/erp/index.ts';
import { WmsSimulator } from '../simulators/wms/index.ts';
import type { HttpHandler } from '../runtime/ports.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const QUICK = process.argv.includes('--quick');
const TARGET_P99_MS = 50;
const TARGET_RATE = 2000;
const UNLIMITED_CREDIT = '999999999999.00';
const STOCK = 1_000_000_000;

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-intake-'));
  const maxSeconds = Number(process.env.BENCH_MAX_SECONDS ?? 600);
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench:intake: still running after ${maxSeconds} s, stopping\n`);
    stopAll(children);
    process.exit(70);
  }, maxSeconds * 1000);
  const interrupt = (): void => {
    stopAll(children);
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const key = `fl-bench-${randomBytes(8).toString('hex')}`;
    const downstream = await start(children, [join(ROOT, 'bin/tsnode.js'), SELF, '--downstream-child'], {}, /(downstream ready)/);
    const urls = Object.fromEntries([...downstream.output().matchAll(/^(\S+) listening on (http:\/\/\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const config = join(dir, 'serve.yaml');
    writeFileSync(
      config,
      toYaml({
        downstream: {
          erp: urls.erp,
          wms: Object.fromEntries(DISTRIBUTION_CENTERS.map((dc) => [dc, urls[`wms@${dc}`]])),
          carriers: { 'carrier-swift': urls['carrier-swift'], 'carrier-pelican': urls['carrier-pelican'] },
        },
        distributionCenters: Object.fromEntries(DISTRIBUTION_CENTERS.map((dc) => [dc, { stock: Object.fromEntries(DEFAULT_CATALOG.map((item) => [item.sku, STOCK])) }])),
      }),
    );
    const layer = await start(
      children,
      [join(ROOT, 'bin/faultline.js'), 'serve', '--port', '0', '--store', `sqlite:${join(dir, 'intake.sqlite')}`, '--config', config],
      { FAULTLINE_API_KEY: key, FAULTLINE_LOG_LEVEL: 'error' },
      /on (http:\/\/\S+)/,
    );
    const orders = orderRequests(key);
    const stepMs = QUICK ? 3000 : 10_000;
    console.log(`bench:intake — POST /v1/orders, open model; ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} before start`);
    console.log(`  layer ${layer.url} (faultline serve, SQLite file, WAL); ERP, WMS DC-EAST/DC-WEST, SwiftShip, Pelican simulators in one process (1 ms service time, no rate limits)`);

    // Warm-up, not reported: a ramp to the first measured rate, so the JIT has compiled the hot
    // paths, the heap has grown to its working size and SQLite's file and pools are warm. (A cold
    // layer offered 1,000/s at once falls behind in its first second and, having no admission
    // control, does not catch up within the run.)
    for (const rate of [200, 500, 800, 1000]) {
      await runLoad({ url: layer.url, rate, durationMs: 2000, request: orders, ok: accepted });
      await settle(layer.url);
    }

    console.log('\n1) 1,000 orders/s');
    const cpu0 = { layer: cpuSeconds(layer.child.pid), downstream: cpuSeconds(downstream.child.pid), driver: process.cpuUsage() };
    const at1000 = await runLoad({ url: layer.url, rate: 1000, durationMs: QUICK ? 5000 : 10_000, warmupMs: 1000, request: orders, ok: accepted });
    await settle(layer.url); // let the layer finish what it accepted: its CPU per order includes the outbox work
    console.log(indent(formatLoadReport(at1000)));
    const cpuLayer = cpuSeconds(layer.child.pid) - cpu0.layer;
    const cpuDownstream = cpuSeconds(downstream.child.pid) - cpu0.downstream;
    const driverUsage = process.cpuUsage(cpu0.driver);
    const perOrder = (seconds: number): string => `${((seconds * 1000) / Math.max(1, at1000.ok + 1000)).toFixed(2)} ms`;
    if (cpuLayer > 0) {
      console.log(
        `   CPU per accepted order (intake and its outbox work): layer ${perOrder(cpuLayer)}, downstream simulators ${perOrder(cpuDownstream)}, load driver ${perOrder((driverUsage.user + driverUsage.system) / 1e6)}`,
      );
    }
    const p99ok = at1000.latencyMs.p99 < TARGET_P99_MS && at1000.errorCount === 0;
    console.log(`   → p50 ${at1000.latencyMs.p50} ms, p99 ${at1000.latencyMs.p99} ms (target p99 < ${TARGET_P99_MS} ms): ${p99ok ? 'met' : 'MISSED'}`);

    // Each step starts on an idle layer (outbox empty, answers quick again), so one overloaded
    // step does not spoil the next: without admission control an overloaded layer takes a while
    // to work off what it accepted.
    const criteria = { maxErrorRatio: 0, maxP99Ms: 200, minAchievedRatio: 0.95 };
    console.log(`\n2) highest sustained rate: no errors, p99 ≤ ${criteria.maxP99Ms} ms, ≥95% of the offered rate achieved, no growing request backlog, outbox drained within 2 s after the step`);
    const step = async (rate: number): Promise<boolean> => {
      const idle = await settle(layer.url);
      const before = cpuSeconds(layer.child.pid);
      const report = await runLoad({ url: layer.url, rate, durationMs: stepMs, request: orders, ok: accepted });
      const after = await outboxBacklog(layer.url);
      const drained = await drainOutbox(layer.url, 2000);
      const cpuMs = ((cpuSeconds(layer.child.pid) - before) * 1000) / Math.max(1, report.ok);
      const reason = unsustainedBecause(report, criteria) ?? (drained ? undefined : `outbox ${after} at the end of the step, not drained within 2 s`);
      stepLine(rate, report, reason, idle, cpuMs);
      return reason === undefined;
    };
    const ladder = [500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000];
    let sustained = 0;
    let failed: number | undefined;
    for (const rate of ladder) {
      if (!(await step(rate))) {
        failed = rate;
        break;
      }
      sustained = rate;
    }
    // Refine between the last sustained and the first failed rung (bounded: two steps).
    for (let k = 0; failed !== undefined && k < (QUICK ? 1 : 2); k++) {
      const mid = Math.round((sustained + failed) / 2 / 50) * 50;
      if (mid <= sustained || mid >= failed) break;
      if (await step(mid)) sustained = mid;
      else failed = mid;
    }
    const rateOk = sustained >= TARGET_RATE;
    console.log(`   (load average ${loadavg()[0]!.toFixed(2)} at the end: other work on this machine shares its ${cpus().length} cores)`);
    console.log(`   → highest sustained: ${sustained} orders/s (target ≥ ${TARGET_RATE}): ${rateOk ? 'met' : 'MISSED'}`);
    return p99ok && rateOk ? 0 : 1;
  } catch (error) {
    process.stderr.write(`bench:intake failed: ${(error as Error).stack ?? String(error)}\n`);
    return 70;
  } finally {
    clearTimeout(watchdog);
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    await stopAll(children);
    rmSync(dir, { recursive: true, force: true });
  }
}

function accepted(status: number): boolean {
  return status === 202;
}

function stepLine(rate: number, r: LoadReport, reason: string | undefined, idle: boolean, cpuMs: number): void {
  const cpu = cpuMs > 0 ? `  layer CPU ${cpuMs.toFixed(2)} ms/order` : '';
  console.log(
    `   ${String(rate).padStart(6)}/s  ${reason ? 'not sustained' : 'sustained'}  achieved ${r.achievedRate}/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  errors ${r.errorCount}${cpu}${reason ? `  (${reason})` : ''}${idle ? '' : '  [layer was not idle before the step]'}`,
  );
}

/** Waits (at most 30 s) until the outbox is empty and /v1/health answers within 20 ms three times running. */
async function settle(url: string): Promise<boolean> {
  const until = Date.now() + 30_000;
  let quick = 0;
  while (Date.now() < until) {
    const backlog = await outboxBacklog(url);
    const t = performance.now();
    const ok = await request(`${url}/v1/health`).then(
      async (res) => (await res.body.text(), res.statusCode === 200),
      () => false,
    );
    quick = ok && (backlog ?? 0) === 0 && performance.now() - t < 20 ? quick + 1 : 0;
    if (quick >= 3) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * A new order per call: 1–3 lines over the catalog with the ERP's list prices, spread over the
 * customers, each with its own Idempotency-Key and external reference. Numbered by its own
 * counter, not the driver's arrival index, which restarts at 0 in every load step: reused keys
 * would be answered from the idempotency store, a replay that costs the layer almost nothing.
 */
function orderRequests(apiKey: string): () => LoadRequest {
  const customers = DEFAULT_CUSTOMERS.slice(1).map((c) => c.customerId);
  const run = randomBytes(4).toString('hex');
  let next = 0;
  return () => {
    const i = next++;
    const lines = Array.from({ length: 1 + (i % 3) }, (_, n) => {
      const item = DEFAULT_CATALOG[(i * 7 + n * 13) % DEFAULT_CATALOG.length]!;
      return { lineNumber: n + 1, sku: item.sku, quantity: { value: 1 + ((i + n) % 5), uom: item.uom }, unitPrice: item.price };
    });
    const body = {
      customerId: customers[i % customers.length],
      currency: 'EUR',
      externalOrderRef: `BENCH-${run}-${i}`,
      lines,
      shipTo: { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' },
    };
    return {
      method: 'POST',
      path: '/v1/orders',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'idempotency-key': `bench-${run}-${i}` },
      body: JSON.stringify(body),
    };
  };
}

// ---------------------------------------------------------------------------------------------
// The layer's outbox, read from its Prometheus /metrics
// ---------------------------------------------------------------------------------------------

async function outboxBacklog(url: string): Promise<number | undefined> {
  try {
    const res = await request(`${url}/metrics`);
    const text = await res.body.text();
    const line = text.split('\n').find((l) => /^faultline_outbox_backlog(\{[^}]*\})?\s/.test(l));
    if (!line) return undefined;
    return Number(line.trim().split(/\s+/).pop());
  } catch {
    return undefined;
  }
}

/** Waits until the outbox is empty (true) or `ms` pass (false); true when the layer reports none. */
async function drainOutbox(url: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const n = await outboxBacklog(url);
    if (n === undefined || n === 0) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes (only ours, by PID)
// ---------------------------------------------------------------------------------------------

async function start(children: ChildProcess[], args: string[], env: Record<string, string>, ready: RegExp): Promise<{ url: string; child: ChildProcess; output(): string }> {
  // BENCH_CPU_PROF=DIR: each child writes a V8 CPU profile there when it stops (for finding where the time goes).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[1]} did not start within 30 s\n${out}${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = ready.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, child, output: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.slice(1).join(' ')} exited with ${code}\n${out}${err}`));
    });
  });
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

const indent = (text: string): string => text.replace(/^/gm, '   ');

/** CPU seconds (user + system) a child has used so far; 0 where /proc is not there. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The ERP child
// ---------------------------------------------------------------------------------------------

async function downstreamChild(): Promise<void> {
  const clock = new WallClock();
  const random = entropyRandom();
  const fast = { default: { distribution: 'fixed' as const, ms: 1 } };
  const never = { distribution: 'fixed' as const, ms: 24 * 3_600_000 }; // nothing moves on its own during the bench
  const systems: Array<[string, { handler: HttpHandler }]> = [
    [
      'erp',
      new ErpSimulator(
        { clock, random: random.fork('erp') },
        {
          customers: DEFAULT_CUSTOMERS.map((c) => ({ ...c, creditLimit: UNLIMITED_CREDIT })),
          openingBalances: DISTRIBUTION_CENTERS.flatMap((dc) => DEFAULT_CATALOG.map((item) => ({ itemNumber: item.sku, warehouse: dc, onHand: STOCK }))),
          serviceTime: fast,
          paymentDelay: null,
          auth: 'none', // the layer's ERP client sends no bearer token (yet)
        },
      ),
    ],
    ...DISTRIBUTION_CENTERS.map(
      (dc): [string, { handler: HttpHandler }] => [
        `wms@${dc}`,
        new WmsSimulator(
          { clock, random: random.fork(`wms@${dc}`) },
          { dc, stock: DEFAULT_CATALOG.map((item) => ({ sku: item.sku, uom: item.uom, onHand: STOCK })), leadTimes: { pick: never, pack: never, ship: never }, replenishment: null, serviceTime: fast },
        ),
      ],
    ),
    ['carrier-swift', new SwiftSimulator({ clock, random: random.fork('carrier-swift') }, { rateLimits: { rates: null, shipments: null }, serviceTime: fast })],
    ['carrier-pelican', new PelicanSimulator({ clock, random: random.fork('carrier-pelican') }, { rateLimit: null, serviceTime: fast })],
  ];
  const servers = await Promise.all(systems.map(async ([name, sim]) => [name, await serveHandler(sim.handler, { port: 0 })] as const));
  for (const [name, server] of servers) process.stdout.write(`${name} listening on ${server.url}\n`);
  process.stdout.write('downstream ready\n');
  const stop = (): void => void Promise.all(servers.map(([, server]) => server.close())).then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// Last, so every declaration above is initialised when it runs.
if (process.argv.includes('--downstream-child')) await downstreamChild();
else process.exitCode = await main();
