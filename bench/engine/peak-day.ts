/**
 * One bench measurement in its own process (so peak RSS is this run's alone): a 24-hour peak-day
 * scenario sized to `orders` arrivals. Prints one JSON line.
 */
import { parseSource } from '../../runtime/files/yaml-source.ts';
import { expectedArrivals, PEAK_DAY_SHAPE } from '../../simulators/storefront/profile.ts';
import { runScenario } from '../../harness/run/run-scenario.ts';
import { scenarioFromSource } from '../../harness/scenario/load.ts';
import { DEFAULT_EPOCH } from '../../runtime/clock/virtual-clock.ts';

const orders = Number(process.argv[2] ?? 100_000);
const day = 86_400_000;
const unit = expectedArrivals({ kind: 'peak-day', peakPerSecond: 1 }, DEFAULT_EPOCH, DEFAULT_EPOCH + day);
const peak = Math.round((orders / unit) * 1000) / 1000;
void PEAK_DAY_SHAPE;
const yaml = [
  'title: Peak day at scale',
  `description: A 24-hour trading day on the peak-day curve sized to ${orders} orders (bench).`,
  'seed: 1',
  'duration: 24h',
  'drain: 12h',
  'sampleEvery: 10m',
  'topology: { skus: { count: 200, stock: { min: 5000, max: 20000 } } }',
  `workload: { profile: peak-day, ordersPerSecond: ${peak} }`,
  'systems: { wms: { replenishment: { reorderPoint: 3000, quantity: 20000, leadTime: { distribution: lognormal, median: 3600000, sigma: 0.3 } } } }',
].join('\n');
const scenario = scenarioFromSource(parseSource(yaml, 'bench/peak-day.yaml'));
const started = process.hrtime.bigint();
const result = await runScenario(scenario, { seed: 1, defects: [] });
const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(
  `${JSON.stringify({
    orders: result.counts.ordersSubmitted,
    acknowledged: result.counts.ordersAcknowledged,
    verdict: result.verdict,
    failing: result.invariants.filter((i) => i.status !== 'pass').map((i) => i.id),
    peakPerSecond: peak,
    virtualHours: result.virtualDurationMs / 3_600_000,
    wallMs: Math.round(wallMs),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
