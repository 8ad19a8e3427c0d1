/**
 * npm run bench:engine — the resilience engine's speed, on this machine:
 *   1. simulated orders per wall-second through the full order-to-cash flow (1-hour baseline);
 *   2. wall time and peak RSS of a 24-hour peak-day scenario of 100,000 orders (own process);
 *   3. explore runs per minute on the 1-hour baseline (3,600 orders per run).
 * Targets (issue 5): ≥ 5,000 orders/s, < 60 s, < 1 GiB, ≥ 100 runs/min. Bounded: each part has a
 * time limit and the whole bench stops by itself. `--orders N` sizes part 2; `--explore-runs N`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { explore } from '../harness/explore/explore.ts';
import { runScenario } from '../harness/run/run-scenario.ts';
import { loadScenario } from '../harness/scenario/load.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const orders = arg('orders', 100_000);
const exploreRuns = arg('explore-runs', 12);
const TSNODE = fileURLToPath(new URL('../bin/tsnode.js', import.meta.url));
const PEAK = fileURLToPath(new URL('./engine/peak-day.ts', import.meta.url));
/** Prints a figure against its target; a missed target makes the exit code 1. */
const row = (what: string, value: string, target: string, ok: boolean) => {
  if (!ok) process.exitCode = 1;
  process.stdout.write(`${ok ? 'ok  ' : 'MISS'}  ${what.padEnd(52)} ${value.padStart(14)}   target ${target}\n`);
};

const baseline = loadScenario(fileURLToPath(new URL('../scenarios/baseline-steady-state.yaml', import.meta.url)));

// 1. Orders per wall-second, whole flow (intake → ERP → WMS → carrier → invoice, and the drain).
{
  const t = process.hrtime.bigint();
  const result = await runScenario(baseline, { seed: baseline.seed, defects: [] });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  const rate = result.counts.ordersSubmitted / s;
  row(`orders/wall-second, 1 h baseline (${result.counts.ordersSubmitted} orders, ${result.verdict})`, rate.toFixed(0), '≥ 5,000', rate >= 5000);
}

// 2. The 24-hour peak day, in its own process for an honest peak RSS.
{
  const line = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=4096', TSNODE, PEAK, String(orders)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const limit = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(limit);
      if (code === 0) resolve(out.trim().split('\n').at(-1)!);
      else reject(new Error(`peak-day run exited with ${code}`));
    });
  });
  const r = JSON.parse(line) as { orders: number; verdict: string; wallMs: number; maxRssMiB: number; virtualHours: number };
  row(`24 h peak day, ${r.orders} orders (${r.verdict}, ${r.virtualHours.toFixed(1)} h simulated)`, `${(r.wallMs / 1000).toFixed(1)} s`, '< 60 s', r.wallMs < 60_000);
  row('peak RSS of that run', `${r.maxRssMiB} MiB`, '< 1,024 MiB', r.maxRssMiB < 1024);
  row('  → its orders per wall-second', (r.orders / (r.wallMs / 1000)).toFixed(0), '(for reference)', true);
}

// 3. Explore runs per minute on the 1-hour baseline: `explore` itself (generated plans of up to 3
// faults), with one worker process per core as `faultline explore` runs by default.
{
  const jobs = availableParallelism();
  let runs = 0;
  const t = process.hrtime.bigint();
  const outcome = await explore(baseline, { runs: exploreRuns, seed: 1, maxFaults: 3, defects: [], jobs, onRun: () => void runs++ });
  const minutes = Number(process.hrtime.bigint() - t) / 6e10;
  const perMinute = runs / minutes;
  if (outcome.found) process.stdout.write(`note: explore broke ${outcome.invariant} on the defect-free layer (${outcome.faults.length} fault(s), world seed ${outcome.worldSeed})\n`);
  row(`explore runs/minute, 1 h baseline (${runs} runs, ${jobs} processes)`, perMinute.toFixed(1), '≥ 100', perMinute >= 100);
}
