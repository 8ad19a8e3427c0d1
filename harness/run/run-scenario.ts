import type { DefectName } from '../../reference-impl/defects.ts';
import type { LayerStats } from '../../reference-impl/observability/stats.ts';
import type { FaultStatus } from '../../simulators/faults/index.ts';
import type { ScheduledCrash } from '../../simulators/faults/fault-set.ts';
import type { HttpResponse } from '../../runtime/ports.ts';
import { verdictOf, type FaultOutcome, type InvariantOutcome, type ScenarioResult, type Status } from '../../reports/result.ts';
import { problemSlug } from '../../reference-impl/resilience/outcome.ts';
import { checkInvariants } from '../invariants/index.ts';
import { MAX_ANOMALIES } from '../invariants/checker.ts';
import { Latency } from '../metrics/latency.ts';
import { evaluateSlo } from '../metrics/slo.ts';
import type { Scenario } from '../scenario/model.ts';
import { World } from '../world/world.ts';
import type { WorldStoreKind } from '../world/world-store.ts';
import { FinalViews, type FinalView } from './final-views.ts';
import { sizeHeapGrowthFor } from './heap-growth.ts';
import { runCommand } from './replay-command.ts';
import { formatDuration } from '../../runtime/files/duration.ts';
import type { AvailabilitySample, ExceptionView, Observations, OrderView } from './observations.ts';

export interface RunOptions {
  seed: number;
  defects: DefectName[];
  /** Called once the world is built, with every setting derived from the scenario and the seed. */
  onStart?: (settings: Record<string, string | number | boolean>, replay: string) => void;
  /** How many violations of each invariant the result keeps (default MAX_ANOMALIES; Infinity: all). */
  violations?: number;
  /** Where the layer's store lives; by default chosen from the expected orders (world-store.ts). */
  store?: WorldStoreKind;
  /** Called on every sample with virtual time and orders so far (progress display). */
  onProgress?: (p: { scenario: string; virtualMs: number; totalMs: number; orders: number; phase: 'faults' | 'drain' }) => void;
}

const DRAIN_SAMPLE_MS = 5 * 60_000;

/** The command that replays a run exactly. */
export function replayCommand(scenario: Scenario, seed: number, defects: readonly string[]): string {
  return runCommand(scenario.file, defects, seed);
}

/**
 * Runs one scenario in simulation: fault phase (the workload and the fault plan), heal (faults
 * cleared, the exception queue replayed as an operator would), then drain until the world settles
 * or the bound passes; then the invariant checkers, SLOs and metrics.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const world = new World({ scenario, seed: options.seed, defects: options.defects, ...(options.store ? { store: options.store } : {}) });
  const { clock } = world;
  const t0 = world.startMs;
  sizeHeapGrowthFor(world.expectedOrders);
  const rel = () => clock.now() - t0;
  const series = new Series();
  // Per sample, the work each downstream system still has in hand (for each fault's recovery); not in the result.
  const pending: Array<Map<string, { outbox: number; exceptions: number }>> = [];
  const availability: AvailabilitySample[] = [];
  const deltas = new Deltas();
  // Taken now: healing clears the plan, crashes included.
  const crashes = world.injector.crashes();
  const healAtMs = Math.max(scenario.durationMs, ...scenario.faults.map((f) => (Number.isFinite(f.toMs) ? f.toMs : 0)), ...crashes.map((c) => c.offsetMs + c.downForMs));
  let phase: 'faults' | 'drain' = 'faults';
  let converged = false;

  options.onStart?.(settingsOf(world, scenario, options), replayCommand(scenario, options.seed, options.defects));
  await world.start();
  const sample = async (): Promise<void> => {
    const layer = world.layer;
    const stats = layer?.stats();
    const totals = world.layerTotals();
    const r = world.recorder;
    series.push(rel(), {
      ordersSubmitted: r.counters.intervalSubmitted,
      ordersAcknowledged: r.counters.intervalAcked,
      ordersBooked: deltas.of('posted', totals.posted),
      orderAckP50Ms: r.intervalAckLatency.percentile(50) ?? Number.NaN,
      orderAckP99Ms: r.intervalAckLatency.percentile(99) ?? Number.NaN,
      outboxBacklog: stats?.outbox.backlog ?? 0,
      exceptionQueueDepth: stats?.exceptions.depth ?? 0,
      retries: deltas.of('retries', totals.retries),
      throttled429: deltas.of('throttled', totals.throttled429),
      unavailable503: deltas.of('unavailable', totals.unavailable503),
      inventoryAccuracy: layer ? await sampleAvailability(world, rel(), availability) : Number.NaN,
    });
    pending.push(layer ? layer.pendingBySystem() : DOWN);
    r.counters.intervalSubmitted = 0;
    r.counters.intervalAcked = 0;
    r.intervalAckLatency.reset();
    options.onProgress?.({ scenario: scenario.id, virtualMs: rel(), totalMs: healAtMs + scenario.drainMs, orders: r.counters.submitted, phase });
    if (phase === 'drain' && stats && isQuiet(world, stats)) converged = true;
    if (process.env.FAULTLINE_DEBUG_QUIET && phase === 'drain' && stats) process.stderr.write(`t=${rel()} ${unsettled(world, stats) ?? 'quiet'}\n`);
  };
  let sampling = false;
  let lastSample = -Infinity;
  const sampler = clock.every(scenario.sampleEveryMs, () => {
    // While draining, the world is mostly quiet: sample (and check for quiet) every 5 minutes at most.
    if (sampling || (phase === 'drain' && rel() - lastSample < DRAIN_SAMPLE_MS)) return;
    lastSample = rel();
    sampling = true;
    void sample().finally(() => (sampling = false));
  });

  // Fault phase.
  await clock.run({ limitMs: t0 + healAtMs });
  // Heal: every fault ends; an operator replays the exception queue (and again every 10 minutes while it is not empty).
  phase = 'drain';
  const faultStatus = world.injector.list();
  world.injector.heal();
  const replay = () => world.layer && void operator(world, 'POST', '/v1/exceptions/replay', '{}').catch(() => undefined);
  replay();
  const replayer = clock.every(10 * 60_000, () => {
    if ((world.layer?.stats().exceptions.depth ?? 0) > 0) replay();
  });
  await clock.run({ limitMs: t0 + healAtMs + scenario.drainMs, until: () => converged });
  replayer.cancel();
  if (rel() !== lastSample) await sample(); // the sampler may have just taken this instant's sample
  sampler.cancel();
  const endStats = world.layer?.stats();
  const stillMoving = converged || !endStats ? undefined : unsettled(world, endStats);
  const layerUnsettled = converged ? undefined : endStats ? unsettled(world, endStats, { carriers: false }) : 'the layer is down';
  world.workload.stop({ dropFollowUps: true });

  const obs = await observe(world, scenario, options, healAtMs, converged, availability, stillMoving);
  const checks = checkInvariants(obs, scenario.invariants);
  const invariants: InvariantOutcome[] = checks.map((c) =>
    undecidedWhenUnsettled(
      {
        id: c.id,
        status: c.valid === true ? 'pass' : c.valid === false ? 'fail' : 'unknown',
        summary: c.summary,
        anomalyTypes: c.anomalyTypes,
        anomalyCount: c.anomalyCount,
        anomalies: c.anomalies.slice(0, options.violations ?? MAX_ANOMALIES),
        ...(c.reason ? { reason: c.reason } : {}),
      },
      layerUnsettled,
      scenario.drainMs,
    ),
  );
  const result = buildResult(world, scenario, options, obs, invariants, series, pending, faultStatus, crashes);
  world.dispose();
  return world.store.full ? undecidedWhenStoreFull(result, world.store.full) : result;
}

/**
 * A run whose store refused to grow (SQLITE_FULL) says nothing about the layer: the harness's own
 * limit (or a full disk under a scratch store) made writes fail. Every outcome becomes unknown,
 * with the reason, and the violations found stay listed.
 */
export function undecidedWhenStoreFull(result: ScenarioResult, full: Error): ScenarioResult {
  const reason = `the simulated world's SQLite store refused to grow (${full.message}), so the layer's writes failed for a reason of the harness's own; nothing can be judged. Free disk space in the temporary directory, or run fewer orders.`;
  const invariants = result.invariants.map((i): InvariantOutcome => ({ ...i, status: 'unknown', reason }));
  const slos = result.slos.map((s) => ({ ...s, status: 'unknown' as const, detail: reason }));
  return { ...result, invariants, slos, verdict: verdictOf([...invariants.map((i) => i.status), ...slos.map((s) => s.status)]) };
}

/** An operator's call to the commerce API (every scope). */
async function operator(world: World, method: string, path: string, body?: string): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'x-api-key': world.landscape.operatorKey, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return world.transport.send('layer', { method, path, headers, ...(body !== undefined ? { body } : {}) });
}

/** Samples what channels see of availability against the WMS truth, for every sku. */
async function sampleAvailability(world: World, at: number, out: AvailabilitySample[]): Promise<number> {
  const truth = new Map<string, number>();
  for (const [dc, wms] of world.wms) for (const s of wms.truth().stock) truth.set(`${s.sku}@${dc}`, s.onHand);
  const sample: AvailabilitySample = { at, total: 0, matches: 0, mismatches: [] };
  for (const item of world.landscape.catalog) {
    let res: HttpResponse;
    try {
      res = await operator(world, 'GET', `/v1/inventory/${encodeURIComponent(item.sku)}/availability`);
    } catch {
      return Number.NaN; // the layer is down (crash): no sample
    }
    if (res.status !== 200) continue;
    const body = JSON.parse(res.body) as { distributionCenters: Array<{ distributionCenter: string; onHand: number }> };
    for (const dc of world.wms.keys()) {
      const shown = body.distributionCenters.find((d) => d.distributionCenter === dc)?.onHand ?? 0;
      const real = truth.get(`${item.sku}@${dc}`) ?? 0;
      sample.total++;
      if (shown === real) sample.matches++;
      else if (sample.mismatches.length < 10) sample.mismatches.push({ sku: item.sku, dc, layer: shown, truth: real });
    }
  }
  out.push(sample);
  return sample.total === 0 ? Number.NaN : sample.matches / sample.total;
}

/** The world has settled: nothing in flight anywhere, nothing left to ship or deliver. */
function isQuiet(world: World, stats: LayerStats): boolean {
  return unsettled(world, stats) === undefined;
}

/**
 * A refusal's problem type (`credit-refused`) in the vocabulary of the contract's rejection
 * reasons (`credit_refused`): one reason is one key, whether it was found at intake or after.
 */
const asReason = (slug: string): string => slug.replace(/-/g, '_');

/** Occurrences per value, keys sorted (the result must not depend on the order things happened in). */
function tally(values: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * What still moves in the world, or undefined when nothing does. `carriers: false` leaves out
 * parcels on their way and tracking events not pushed yet: the carriers' business, which no
 * check of the layer's work (bookings, invoices, the exception queue) waits for.
 */
export function unsettled(world: World, stats: LayerStats, scope: { carriers: boolean } = { carriers: true }): string | undefined {
  // Requests in flight are the layer's work; follow-ups the storefront has scheduled (a return
  // days after delivery, a late cancellation) are new work to come, not work in hand.
  const storefront = world.workload.stats();
  if (storefront.inFlight > 0) return `the storefront has ${storefront.inFlight} request(s) in flight`;
  if (scope.carriers && !world.workload.idle()) return `the storefront has ${storefront.pending} follow-up(s) scheduled (returns, cancellations, retries)`;
  if (stats.outbox.backlog > 0) return `outbox backlog ${stats.outbox.backlog}`;
  if (stats.outbox.eventsPending > 0) return `${stats.outbox.eventsPending} event(s) not yet published`;
  if (stats.exceptions.depth > 0) return `${stats.exceptions.depth} exception(s) open`;
  if (world.bus.backlog() > 0) return `${world.bus.backlog()} message(s) on the bus`;
  for (const [dc, wms] of world.wms) {
    const t = wms.truth();
    const open = t.fulfillmentOrders.filter((fo) => fo.status !== 'shipped' && fo.status !== 'cancelled').length;
    if (open > 0) return `${open} fulfillment order(s) still open at ${dc}`;
    const returns = t.returns.filter((r) => r.receivedAt === undefined).length;
    if (returns > 0) return `${returns} return(s) expected at ${dc}`;
  }
  if (!scope.carriers) return undefined;
  for (const [name, carrier] of world.carriers) {
    const t = carrier.truth();
    const delivered = new Set(t.events.filter((e) => e.status === 'DELIVERED' || e.status === 'DL').map((e) => e.trackingNumber));
    const moving = t.labels.filter((l) => l.handedOverAt !== undefined && !delivered.has(l.trackingNumber)).length;
    if (moving > 0) return `${moving} parcel(s) on their way with ${name}`;
    if (t.events.some((e) => e.pushes.length === 0)) return `${name} holds tracking events not pushed yet`;
  }
  return undefined;
}

/**
 * Invariants that judge where the world ended up ("after drain"): a pass means nothing while the
 * layer still had work in hand when the drain bound passed (an order not shipped yet is not
 * judged by invoice-for-every-shipment). Their violations stand; their passes become unknown.
 */
const JUDGED_AFTER_DRAIN: ReadonlySet<string> = new Set(['no-lost-orders', 'exceptions-replayable', 'invoice-for-every-shipment']);

/** A pass of an after-drain invariant in a run whose layer had not settled cannot be trusted. */
export function undecidedWhenUnsettled(outcome: InvariantOutcome, layerUnsettled: string | undefined, drainMs: number): InvariantOutcome {
  if (!layerUnsettled || outcome.status !== 'pass' || !JUDGED_AFTER_DRAIN.has(outcome.id)) return outcome;
  return {
    ...outcome,
    status: 'unknown',
    reason: `the layer had not settled when the drain bound (${formatDuration(drainMs)}) passed: ${layerUnsettled}; what is still in hand cannot be judged. Give the scenario a longer \`drain\`.`,
  };
}

async function observe(world: World, scenario: Scenario, options: RunOptions, healAtMs: number, converged: boolean, availability: AvailabilitySample[], stillMoving: string | undefined): Promise<Observations> {
  const finalOrders = new FinalViews(world.recorder.ids);
  for (const order of world.recorder.orders.values()) {
    for (const ack of order.acks) {
      if (finalOrders.has(ack.orderId)) continue;
      const res = await operator(world, 'GET', `/v1/orders/${ack.orderId}`).catch(() => undefined);
      finalOrders.add(ack.orderId, res?.status === 200 ? (JSON.parse(res.body) as OrderView) : null);
    }
  }
  const exceptions: ExceptionView[] = [];
  let cursor: string | undefined;
  do {
    const res = await operator(world, 'GET', `/v1/exceptions?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`).catch(() => undefined);
    if (!res || res.status !== 200) break;
    const page = JSON.parse(res.body) as { items: ExceptionView[]; nextCursor?: string };
    exceptions.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return {
    scenario,
    replay: replayCommand(scenario, options.seed, options.defects),
    epoch: world.startMs,
    healAtMs,
    endMs: world.clock.now() - world.startMs,
    converged,
    ...(stillMoving ? { stillMoving } : {}),
    recorder: world.recorder,
    finalOrders,
    exceptions,
    erp: world.erp.truth(),
    wms: new Map([...world.wms].map(([dc, w]) => [dc, w.truth()])),
    carriers: new Map([...world.carriers].map(([name, c]) => [name, c.truth()])),
    availability,
    crashes: world.crashes,
  };
}

/** Time series sampled on virtual time. */
class Series {
  readonly t: number[] = [];
  readonly series: Record<string, number[]> = {};
  push(at: number, values: Record<string, number>): void {
    this.t.push(at);
    for (const [k, v] of Object.entries(values)) (this.series[k] ??= []).push(Number.isFinite(v) ? Math.round(v * 1000) / 1000 : Number.NaN);
  }
}

/** Per-interval change of cumulative counters. */
class Deltas {
  private readonly previous = new Map<string, number>();
  of(key: string, value: number): number {
    const d = value - (this.previous.get(key) ?? 0);
    this.previous.set(key, value);
    return Math.max(0, d);
  }
}

/** A sample taken while the layer is down: nothing it holds can be counted as recovered. */
export const DOWN = new Map([['*', { outbox: Number.POSITIVE_INFINITY, exceptions: 0 }]]);

/**
 * Whether the work a fault on `target` left behind is done at sample `k`: the outbox messages and
 * open exceptions of the target's system (`wms` covers every `wms@DC`), so one fault's recovery is
 * not charged with another's overlapping backlog. A channel or layer fault counts everything.
 */
export function recoveredAt(target: string, k: number, backlog: number[], depth: number[], pending: ReadonlyArray<Map<string, { outbox: number; exceptions: number }>>): boolean {
  const system = target.split(':')[0]!;
  const counts = pending[k];
  if (counts === DOWN) return false;
  if (target === 'layer' || target.startsWith('events:') || !counts) return (backlog[k] ?? 0) === 0 && (depth[k] ?? 0) === 0;
  for (const [name, p] of counts) {
    const mine = name === system || (!system.includes('@') && name.startsWith(`${system}@`));
    if (mine && (p.outbox > 0 || p.exceptions > 0)) return false;
  }
  return true;
}

function buildResult(world: World, scenario: Scenario, options: RunOptions, obs: Observations, invariants: InvariantOutcome[], series: Series, pending: ReadonlyArray<Map<string, { outbox: number; exceptions: number }>>, faultStatus: FaultStatus[], crashes: readonly ScheduledCrash[]): ScenarioResult {
  const totals = world.layerTotals();
  const acked = [...obs.recorder.orders.values()].filter((o) => o.acks.length > 0);
  const bookedAt = new Map<string, number>();
  for (const so of obs.erp.salesOrders) if (!bookedAt.has(so.externalReference)) bookedAt.set(so.externalReference, so.at - obs.epoch);
  // One sample per order, from its first acknowledgement (a double submission is acknowledged twice).
  const firstAck = new Map<string, number>();
  for (const o of acked) for (const a of o.acks) if (!firstAck.has(a.orderId) || a.at < firstAck.get(a.orderId)!) firstAck.set(a.orderId, a.at);
  const lag = new Latency();
  for (const [orderId, at] of firstAck) if (bookedAt.has(orderId)) lag.record(bookedAt.get(orderId)! - at);
  const invoicedAt = new Map<string, number>();
  for (const inv of obs.erp.invoices) if (!invoicedAt.has(inv.salesOrderNumber)) invoicedAt.set(inv.salesOrderNumber, inv.at);
  const soByRef = new Map(obs.erp.salesOrders.map((so) => [so.externalReference, so.salesOrderNumber]));
  const invoiceDelay = new Latency();
  let shipped = 0;
  for (const wms of obs.wms.values()) {
    for (const fo of wms.fulfillmentOrders) {
      const at = fo.reachedAt('shipped');
      if (at === undefined) continue;
      shipped++;
      const so = soByRef.get(fo.orderReference);
      const inv = so ? invoicedAt.get(so) : undefined;
      if (inv !== undefined) invoiceDelay.record(inv - at);
    }
  }
  const views = [...obs.finalOrders.values()].filter((v): v is FinalView => v !== null);
  const accuracySamples = obs.availability.filter((s) => s.total > 0);
  const accuracy = accuracySamples.length ? accuracySamples.reduce((a, s) => a + s.matches / s.total, 0) / accuracySamples.length : Number.NaN;
  const submitted = obs.recorder.counters.submitted;
  const calls = [...obs.recorder.callsBySystem.values()];
  const seriesT = series.t;
  const depth = series.series.exceptionQueueDepth ?? [];
  const backlog = series.series.outboxBacklog ?? [];
  const faults: FaultOutcome[] = faultStatus.map((f) => {
    const compiled = scenario.faults.find((c) => c.id === f.id);
    const fromMs = compiled?.fromMs ?? 0;
    const crash = crashes.find((c) => c.id === f.id);
    const toMs = crash ? crash.offsetMs + crash.downForMs : compiled && Number.isFinite(compiled.toMs) ? compiled.toMs : null;
    const end = toMs ?? obs.healAtMs;
    const i = seriesT.findIndex((t, k) => t >= end && recoveredAt(f.target, k, backlog, depth, pending));
    return { id: f.id, kind: f.kind, target: f.target, fromMs, toMs, fired: f.fired ?? 0, recoveryMs: i >= 0 ? seriesT[i]! - end : null };
  });
  const exceptionsRaised = obs.exceptions.length;
  const metrics = {
    orderAckLatencyMs: obs.recorder.ackLatency.summary(),
    erpPostingLagMs: lag.summary(),
    invoiceDelayMs: invoiceDelay.summary(),
    inventoryAccuracy: Number.isFinite(accuracy) ? Math.round(accuracy * 10000) / 10000 : 0,
    exceptionRate: submitted ? Math.round((exceptionsRaised / submitted) * 100000) / 100000 : 0,
    technical: {
      retries: totals.retries,
      throttled429: calls.reduce((n, c) => n + c.throttled, 0),
      unavailable503: calls.reduce((n, c) => n + c.unavailable, 0),
      circuitOpens: totals.breakerOpens,
      maxExceptionQueueDepth: Math.max(0, ...depth.filter(Number.isFinite)),
      maxOutboxBacklog: Math.max(0, ...backlog.filter(Number.isFinite)),
      reconciliationDriftUnits: totals.driftUnits,
    },
  };
  const observed: Record<string, number | null> = {};
  const pct = (l: { count: number; p50: number; p90: number; p99: number; max: number }, p: string) => (l.count === 0 ? null : p === 'p50' ? l.p50 : p === 'p90' ? l.p90 : p === 'p99' ? l.p99 : p === 'max' ? l.max : null);
  const slos = scenario.slos.map((spec) => {
    let value: number | null = null;
    const m = /^(order_ack|erp_posting_lag|invoice_delay)_(p50|p90|p95|p99|max)(_ms)?$/.exec(spec.id);
    if (m) {
      const latency = m[1] === 'order_ack' ? obs.recorder.ackLatency : m[1] === 'erp_posting_lag' ? lag : invoiceDelay;
      value = m[2] === 'p95' ? latency.percentile(95) : pct(latency.summary(), m[2]!);
    } else if (spec.id === 'recovery_time') {
      const r = faults.map((f) => f.recoveryMs);
      value = r.length === 0 ? 0 : r.some((x) => x === null) ? null : Math.max(...(r as number[]));
    } else if (spec.id === 'exception_rate') value = submitted ? exceptionsRaised / submitted : null;
    else if (spec.id === 'inventory_accuracy') value = Number.isFinite(accuracy) ? accuracy : null;
    else if (spec.id === 'retries') value = metrics.technical.retries;
    else if (spec.id === 'circuit_opens') value = metrics.technical.circuitOpens;
    else if (spec.id === 'lost_orders') value = invariants.find((i) => i.id === 'no-lost-orders')?.anomalyCount ?? null;
    observed[spec.id] = value;
    return evaluateSlo(spec, value, value === null ? 'not measurable in this run (no data, or a fault never recovered)' : undefined);
  });
  const statuses: Status[] = [...invariants.map((i) => i.status), ...slos.map((s) => s.status)];
  const verdict = verdictOf(statuses);
  const count = (status: string) => views.filter((v) => v.status === status).length;
  const refused = [...obs.recorder.orders.values()].filter((o) => o.refusal && o.acks.length === 0);
  const rejectedLater = views.filter((v) => v.status === 'rejected');
  return {
    id: scenario.id,
    file: scenario.file,
    title: scenario.title,
    description: scenario.description,
    seed: options.seed,
    defects: [...options.defects],
    replay: obs.replay,
    verdict,
    settings: settingsOf(world, scenario, options, obs),
    invariants,
    slos,
    faults,
    counts: {
      ordersSubmitted: submitted,
      ordersAcknowledged: acked.length,
      ordersRefused: refused.length,
      ordersRejectedAfterAck: rejectedLater.length,
      ordersRejected: refused.length + rejectedLater.length,
      rejectionsByReason: tally([...refused.map((o) => asReason(problemSlug(o.refusal!) || `http-${o.refusal!.status}`)), ...rejectedLater.map((v) => v.rejection?.reason ?? 'unknown')]),
      ordersUnanswered: [...obs.recorder.orders.values()].filter((o) => o.acks.length === 0 && !o.refusal).length,
      ordersCancelled: count('cancelled'),
      ordersBooked: new Set(obs.erp.salesOrders.map((s) => s.externalReference)).size,
      ordersShipped: shipped,
      ordersDelivered: views.filter((v) => v.status === 'delivered').length,
      ordersInvoiced: new Set(obs.erp.invoices.map((i) => i.salesOrderNumber)).size,
      returns: obs.wms.size ? [...obs.wms.values()].reduce((n, w) => n + w.returns.length, 0) : 0,
      clientRetries: obs.recorder.counters.clientRetries,
      doubleSubmissions: obs.recorder.counters.doubleSubmissions,
      exceptionsRaised,
      exceptionsReplayed: obs.exceptions.filter((e) => e.replayCount > 0).length,
    },
    metrics,
    timeseries: { intervalMs: scenario.sampleEveryMs, t: series.t, series: series.series },
    virtualDurationMs: obs.endMs,
  };
}

/** Every setting derived from the scenario and the seed: printed first by `run`, kept in the result. */
export function settingsOf(world: World, scenario: Scenario, options: RunOptions, obs?: Observations): Record<string, string | number | boolean> {
  const w = scenario.workload;
  const out: Record<string, string | number | boolean> = {
    seed: options.seed,
    defects: options.defects.join(',') || 'none',
    duration_ms: scenario.durationMs,
    drain_bound_ms: scenario.drainMs,
    workload: `${w.profile} ${w.ordersPerSecond}/s`,
    distribution_centers: world.landscape.distributionCenters.map((d) => `${d.code}:${d.carrier}`).join(','),
    channels: world.landscape.channels.map((c) => `${c.name}:${c.share}`).join(','),
    skus: world.landscape.catalog.length,
    customers: world.landscape.customers.length,
    faults: scenario.faults.map((f) => `${f.id}:${f.kind}@${f.spec.target}`).join(',') || 'none',
    erp_duplicate_policy: world.erp.options.duplicateReferencePolicy,
  };
  if (obs) {
    out.converged = obs.converged;
    if (obs.stillMoving) out.still_moving_at_end = obs.stillMoving;
    out.heal_at_ms = obs.healAtMs;
    out.crashes = obs.crashes;
  }
  return out;
}
