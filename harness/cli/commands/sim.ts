import type { Command } from 'commander';
import type { Bus, HttpHandler, HttpResponse, Transport } from '../../../runtime/ports.ts';
import { WallClock } from '../../../runtime/clock/wall-clock.ts';
import { parseDuration } from '../../../runtime/files/duration.ts';
import { json, problem } from '../../../runtime/http/problem.ts';
import { serveHandler } from '../../../runtime/http/serve.ts';
import { parseSeed } from '../../../runtime/random/seed.ts';
import { SeededRandom } from '../../../runtime/random/seeded-random.ts';
import { UndiciTransport } from '../../../runtime/transport/undici.ts';
import { PelicanSimulator, SwiftSimulator } from '../../../simulators/carriers/index.ts';
import { ErpSimulator } from '../../../simulators/erp/index.ts';
import { FaultInjector, FaultPlanError, loadFaultPlan } from '../../../simulators/faults/index.ts';
import { socketFaults } from '../../../simulators/faults/adapters/sockets.ts';
import { DEFAULT_CHANNELS, DISTRIBUTION_CENTERS } from '../../../simulators/shared/defaults.ts';
import { RecordingBus, WebhookBus } from '../../../simulators/shared/event-sinks.ts';
import { FaultlineRoutes } from '../../../simulators/shared/faultline-routes.ts';
import { withProblemInstance } from '../../../simulators/shared/service.ts';
import { StorefrontWorkload, type WorkloadOperation } from '../../../simulators/storefront/index.ts';
import { WmsSimulator } from '../../../simulators/wms/index.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { parsePort, parseUrl } from '../options.ts';
import { PROVIDER_STATES_PATH } from '../../contract-testing/provider-states.ts';
import { simulatorProviderStates, type ServedSimulator } from '../../contract-testing/simulator-states.ts';

export interface SimOptions {
  port: string;
  host: string;
  faults?: string;
  seed: string;
  dc?: string;
  webhookUrl?: string;
  target?: string;
  rate: string;
  duration: string;
  apiKey?: string;
}

const SERVED = ['erp', 'wms', 'carrier-swift', 'carrier-pelican'] as const;
type Served = (typeof SERVED)[number];
/** Flags that only make sense for some systems (a flag given elsewhere is a usage error). */
const ONLY: Partial<Record<keyof SimOptions, { flag: string; systems: readonly string[] }>> = {
  port: { flag: '--port', systems: SERVED },
  faults: { flag: '--faults', systems: SERVED },
  dc: { flag: '--dc', systems: ['wms'] },
  webhookUrl: { flag: '--webhook-url', systems: ['wms', 'carrier-swift', 'carrier-pelican'] },
  target: { flag: '--target', systems: ['storefront'] },
  rate: { flag: '--rate', systems: ['storefront'] },
  duration: { flag: '--duration', systems: ['storefront'] },
  apiKey: { flag: '--api-key', systems: ['wms', 'carrier-swift', 'carrier-pelican', 'storefront'] },
};

/**
 * `faultline sim <erp|wms|carrier-swift|carrier-pelican> --port N [--faults FILE] [--seed N]
 * [--dc CODE] [--webhook-url URL]` serves a simulator over HTTP on the wall clock until SIGINT or
 * SIGTERM; `faultline sim storefront --target URL [--rate R] [--duration D] [--api-key K]` drives
 * the storefront workload against a commerce API and prints a summary.
 */
export default async function sim(system: string, options: SimOptions, command?: Command): Promise<number> {
  const given = (key: keyof SimOptions): boolean => (command ? command.getOptionValueSource(key) === 'cli' : options[key] !== undefined);
  if (system !== 'storefront' && !(SERVED as readonly string[]).includes(system)) {
    throw new UsageError(`unknown system "${system}"; expected one of ${[...SERVED, 'storefront'].join(', ')}`);
  }
  for (const [key, rule] of Object.entries(ONLY)) {
    if (!rule.systems.includes(system) && given(key as keyof SimOptions)) throw new UsageError(`${rule.flag} applies to ${rule.systems.join(', ')} only, not to "${system}"`);
  }
  const seed = parseSeed(options.seed);
  if (seed === undefined) throw new UsageError(`--seed must be an integer (0 to 4294967295) or a git commit hash, got "${options.seed}"`);
  return system === 'storefront' ? storefront(options, seed) : serve(system as Served, options, seed);
}

// ---------------------------------------------------------------------------------------------
// Serving a simulator
// ---------------------------------------------------------------------------------------------

async function serve(kind: Served, options: SimOptions, seed: number): Promise<number> {
  const port = parsePort(options.port);
  const dc = options.dc ?? DISTRIBUTION_CENTERS[0];
  if (kind === 'wms' && !/^DC-[A-Z]{2,12}$/.test(dc)) throw new UsageError(`--dc must be a distribution-center code like DC-EAST (DC- and 2 to 12 capital letters), got "${dc}"`);
  const webhook = options.webhookUrl !== undefined ? parseUrl('--webhook-url', options.webhookUrl) : undefined;
  const apiKey = options.apiKey ?? process.env.FAULTLINE_API_KEY;
  const system = kind === 'wms' ? `wms@${dc}` : kind;

  const clock = new WallClock();
  const root = new SeededRandom(seed);
  let faults: FaultInjector | undefined;
  if (options.faults !== undefined) {
    try {
      faults = new FaultInjector(loadFaultPlan(options.faults, { mode: 'in-process' }), { clock, random: root.fork('faults') });
    } catch (error) {
      if (!(error instanceof FaultPlanError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
  }

  const closers: Array<() => Promise<void>> = [];
  let sink: RecordingBus;
  if (webhook) {
    const transport = new UndiciTransport({ targets: { webhook: webhook.origin } });
    closers.push(() => transport.close());
    sink = new WebhookBus({
      transport,
      target: 'webhook',
      clock,
      random: root.fork('webhook-deliveries'),
      ...(webhook.pathname !== '/' ? { path: webhook.pathname + webhook.search } : {}),
      ...(apiKey ? { apiKey } : {}),
      onAttempt: (record, outcome) => {
        if (outcome.status === undefined || outcome.status >= 300) process.stderr.write(`webhook ${record.channel} ${record.id}: ${outcome.error ?? `answered ${outcome.status}`}\n`);
      },
    });
  } else {
    sink = new RecordingBus(clock);
  }
  const bus: Bus = faults ? faults.wrapBus(sink) : sink;
  const carriers = carrierTargets();
  let carrierTransport: Transport | undefined;
  if (kind === 'wms' && Object.keys(carriers).length > 0) {
    const t = new UndiciTransport({ targets: carriers });
    closers.push(() => t.close());
    carrierTransport = t;
  }

  const ports = { clock, random: root.fork(system), bus };
  let simulator: { handler: HttpHandler; truth(): unknown; stop?: () => void };
  let settings: string;
  const routes = new FaultlineRoutes();
  switch (kind) {
    case 'erp': {
      const erp = new ErpSimulator(ports);
      simulator = erp;
      settings = `duplicateReferencePolicy=${erp.options.duplicateReferencePolicy}, ${erp.options.customers.length} customers, ${erp.options.items.length} items, warehouses ${erp.options.warehouses.join(' ')}\n  auth: every call needs Authorization: Bearer <any token>, as the ERP contract says (faultline verify: --header 'Authorization: Bearer x')`;
      break;
    }
    case 'wms': {
      const wms = new WmsSimulator({ ...ports, ...(carrierTransport ? { transport: carrierTransport } : {}) }, { dc });
      simulator = wms;
      routes.add('POST', '/_faultline/stock-adjustments', (request) => adjustStock(wms, request.body));
      settings = `dc=${dc}, ${wms.options.stock.length} skus, carriers ${Object.keys(carriers).length > 0 ? Object.entries(carriers).map(([k, v]) => `${k}=${v}`).join(' ') : 'not configured (handovers skipped; set FAULTLINE_CARRIER_SWIFT_URL / FAULTLINE_CARRIER_PELICAN_URL)'}`;
      break;
    }
    case 'carrier-swift':
      simulator = new SwiftSimulator(ports);
      settings = 'rate limits 20/s rates, 10/s shipments per key';
      break;
    case 'carrier-pelican':
      simulator = new PelicanSimulator(ports);
      settings = 'rate limit 600/min per key, batches every 60 s';
      break;
  }

  // Pact provider states (harness/contract-testing): POST sets one up, GET lists them.
  const contract = simulatorProviderStates(simulator as ServedSimulator, { system, clock, random: root.fork('provider-states') });
  routes
    .add('GET', '/_faultline/events', () => json(200, { system, sink: webhook ? 'webhook' : 'memory', ...(webhook ? { webhookUrl: webhook.href } : {}), events: sink.records() }))
    .add('GET', '/_faultline/truth', () => json(200, simulator.truth()))
    .add('GET', '/_faultline/faults', () => json(200, { faults: faults?.list() ?? [] }))
    .add('POST', PROVIDER_STATES_PATH, contract.route)
    .add('GET', PROVIDER_STATES_PATH, contract.route);
  const handler = routes.wrap(contract.wrap(faults ? withProblemInstance(faults.wrapHandler(system, simulator.handler, { sockets: true })) : simulator.handler));

  const server = await serveHandler(handler, {
    port,
    host: options.host,
    // A fault that refuses the call or loses its answer closes or resets the connection.
    setup: socketFaults,
  }).catch((error: unknown) => {
    const e = error as { code?: string; message?: string };
    if (e.code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use on ${options.host}`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${options.host}: ${e.message ?? ''}`);
    throw error;
  });

  // One write, so whoever waits for the listening line also has the settings.
  const banner = [
    `faultline sim ${system} listening on ${server.url} (seed ${seed})`,
    `  ${settings}`,
    `  events: ${kind === 'erp' ? 'none (the ERP pushes no events)' : webhook ? `webhooks to ${webhook.href}${apiKey ? ' with X-API-Key' : ' (no API key: set --api-key or FAULTLINE_API_KEY)'}` : `kept in memory, GET ${server.url}/_faultline/events`}`,
    ...(faults?.list() ?? []).map((f) => `  fault ${f.id}: ${f.kind} on ${f.target} from ${f.from} to ${f.to ?? 'the end'}${f.probability < 1 ? `, p=${f.probability}` : ''}`),
    `  debug: ${routes.list().join(', ')}`,
  ];
  process.stdout.write(`${banner.join('\n')}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  simulator.stop?.();
  await server.close();
  for (const close of closers) await close();
  process.stdout.write(`faultline sim ${system} stopped (${signal})\n`);
  return EXIT.ok;
}

/**
 * `POST /_faultline/stock-adjustments` on a served WMS: an operator's receipt, damage or cycle
 * count (`{ "sku": "BRG-6204", "reason": "receipt", "quantity": 40 }`, or `"countedOnHand": n` for
 * a cycle count), applied at once and pushed as `inventoryAdjusted` like any other change.
 */
function adjustStock(wms: WmsSimulator, raw: string | undefined): HttpResponse {
  let body: { sku?: unknown; reason?: unknown; quantity?: unknown; countedOnHand?: unknown };
  try {
    body = JSON.parse(raw ?? '') as typeof body;
  } catch {
    return problem(400, 'Invalid request', 'the body must be JSON: { "sku", "reason": "receipt" | "damage" | "cycle_count", "quantity" | "countedOnHand" }');
  }
  const sku = typeof body.sku === 'string' ? body.sku : undefined;
  if (!sku || !wms.truth().stock.some((s) => s.sku === sku)) return problem(400, 'Invalid request', `unknown sku ${JSON.stringify(body.sku)} at ${wms.dc}`, { errors: [{ pointer: '/sku', message: 'unknown sku' }] });
  const whole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (body.reason === 'cycle_count') {
    if (!whole(body.countedOnHand)) return problem(400, 'Invalid request', 'a cycle count needs countedOnHand, a whole number >= 0', { errors: [{ pointer: '/countedOnHand', message: 'must be a whole number >= 0' }] });
    return json(200, { sku, delta: wms.cycleCount(sku, body.countedOnHand) });
  }
  if (body.reason !== 'receipt' && body.reason !== 'damage') return problem(400, 'Invalid request', 'reason must be receipt, damage or cycle_count', { errors: [{ pointer: '/reason', message: 'must be receipt, damage or cycle_count' }] });
  if (!whole(body.quantity) || body.quantity === 0) return problem(400, 'Invalid request', 'quantity must be a whole number above 0', { errors: [{ pointer: '/quantity', message: 'must be a whole number > 0' }] });
  return json(200, { sku, delta: body.reason === 'receipt' ? wms.receive(sku, body.quantity) : wms.damage(sku, body.quantity) });
}

/** Carrier base URLs for the WMS's handovers, from FAULTLINE_CARRIER_SWIFT_URL / FAULTLINE_CARRIER_PELICAN_URL. */
function carrierTargets(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [target, variable] of [['carrier-swift', 'FAULTLINE_CARRIER_SWIFT_URL'], ['carrier-pelican', 'FAULTLINE_CARRIER_PELICAN_URL']] as const) {
    const value = process.env[variable];
    if (value) out[target] = parseUrl(variable, value).href;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Driving the storefront workload
// ---------------------------------------------------------------------------------------------

async function storefront(options: SimOptions, seed: number): Promise<number> {
  if (options.target === undefined) throw new UsageError('sim storefront needs --target URL, the commerce API to drive (e.g. http://127.0.0.1:8080)');
  const target = parseUrl('--target', options.target);
  const rate = Number(options.rate);
  if (!/^\d+(\.\d+)?$/.test(options.rate.trim()) || !(rate > 0)) throw new UsageError(`--rate must be a number of orders per second above 0, got "${options.rate}"`);
  const durationMs = parseDuration(options.duration);
  if (durationMs === undefined || durationMs <= 0) throw new UsageError(`--duration must be a duration like 30s, 5m or 1h30m, got "${options.duration}"`);
  const apiKey = options.apiKey ?? process.env.FAULTLINE_API_KEY;
  const channels = apiKey ? [{ name: 'cli', apiKey, share: 1 }] : DEFAULT_CHANNELS;

  const clock = new WallClock();
  const transport = new UndiciTransport({ targets: { layer: target.origin + target.pathname.replace(/\/+$/, '') } });
  const started = new Map<number, number>();
  const latencies: number[] = [];
  const summary = { sent: 0, s2xx: 0, s4xx: 0, s5xx: 0, unauthorized: 0, noAnswer: 0, byKind: new Map<string, number>(), errors: new Map<string, number>() };
  const workload = new StorefrontWorkload(
    { clock, random: new SeededRandom(seed).fork('workload'), transport },
    { rate: { kind: 'steady', perSecond: rate }, durationMs, channels, cancelAfter: { distribution: 'uniform', min: 1000, max: 10_000 } },
    {
      onInvoke: (op: WorkloadOperation) => {
        summary.sent++;
        summary.byKind.set(op.kind, (summary.byKind.get(op.kind) ?? 0) + 1);
        started.set(op.id, performance.now());
      },
      onComplete: (op, _outcome, response) => {
        const t0 = started.get(op.id);
        started.delete(op.id);
        if (!response) {
          summary.noAnswer++;
          summary.errors.set(op.error ?? 'error', (summary.errors.get(op.error ?? 'error') ?? 0) + 1);
          return;
        }
        if (t0 !== undefined) latencies.push(performance.now() - t0);
        if (response.status < 300) summary.s2xx++;
        else if (response.status < 500) {
          summary.s4xx++;
          if (response.status === 401 || response.status === 403) summary.unauthorized++;
        }
        else summary.s5xx++;
      },
    },
  );
  process.stdout.write(`faultline sim storefront → ${target.href} (seed ${seed}): ${rate} orders/s for ${options.duration}, channels ${channels.map((c) => `${c.name} ${Math.round(c.share * 100)}%`).join(', ')}\n`);

  // Arrivals end on their own after --duration (or at SIGINT / SIGTERM); follow-ups not yet due
  // are dropped, and what is in flight gets at most the client timeout (times the retries).
  let interrupted: NodeJS.Signals | undefined;
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => () => {
    interrupted = signal;
    stop.abort();
  };
  const sigint = onSignal('SIGINT');
  const sigterm = onSignal('SIGTERM');
  process.once('SIGINT', sigint);
  process.once('SIGTERM', sigterm);
  workload.start();
  await clock.sleep(durationMs, stop.signal).catch(() => undefined);
  workload.stop({ dropFollowUps: true });
  const graceMs = workload.options.clientTimeoutMs * workload.options.maxAttempts + 5000;
  const grace = new AbortController();
  await Promise.race([workload.whenIdle(), clock.sleep(graceMs, grace.signal).catch(() => undefined)]);
  grace.abort();
  process.off('SIGINT', sigint);
  process.off('SIGTERM', sigterm);
  await transport.close();

  latencies.sort((a, b) => a - b);
  const pct = (p: number): string => (latencies.length === 0 ? 'n/a' : `${latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!.toFixed(1)} ms`);
  const kinds = [...summary.byKind].map(([k, n]) => `${k} ${n}`).join(', ');
  process.stdout.write(
    `${interrupted ? `stopped (${interrupted}): ` : ''}sent ${summary.sent} requests (${kinds || 'none'}): 2xx ${summary.s2xx}, 4xx ${summary.s4xx}, 5xx ${summary.s5xx}, no answer ${summary.noAnswer}` +
      `${summary.errors.size > 0 ? ` (${[...summary.errors].map(([e, n]) => `${e} ${n}`).join(', ')})` : ''}; latency p50 ${pct(50)}, p99 ${pct(99)}\n`,
  );
  if (summary.sent > 0 && summary.s2xx + summary.s4xx + summary.s5xx === 0) {
    process.stderr.write(`faultline: no request got an answer from ${target.href}\n`);
    return EXIT.failed;
  }
  if (summary.unauthorized > 0 && summary.unauthorized === summary.s2xx + summary.s4xx + summary.s5xx) {
    const keys = apiKey ? 'the key given (--api-key or FAULTLINE_API_KEY)' : `the default channels' keys (${channels.map((c) => c.apiKey).join(', ')})`;
    process.stderr.write(`faultline: ${target.href} refused every request (401/403) with ${keys}; pass --api-key KEY, e.g. the development key faultline serve prints at start-up\n`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------


