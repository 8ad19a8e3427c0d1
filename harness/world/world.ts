import type { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';
import { ALL_SCOPES, DEFAULT_CREDENTIAL, type Scope } from '../../reference-impl/config.ts';
import type { DefectName } from '../../reference-impl/defects.ts';
import { createLayer, type Layer, type LayerConfigInput, type LayerStats } from '../../reference-impl/layer.ts';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { TransportError, type Bus, type HttpHandler, type Timer, type Transport } from '../../runtime/ports.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';
import { PelicanSimulator, SwiftSimulator } from '../../simulators/carriers/index.ts';
import { ErpSimulator } from '../../simulators/erp/index.ts';
import { FaultInjector } from '../../simulators/faults/injector.ts';
import { DEFAULT_SWIFT_WEBHOOK_SECRET } from '../../simulators/shared/defaults.ts';
import { StorefrontWorkload, type WorkloadOptions } from '../../simulators/storefront/index.ts';
import { expectedArrivals } from '../../simulators/storefront/profile.ts';
import { WmsSimulator } from '../../simulators/wms/index.ts';
import type { Scenario } from '../scenario/model.ts';
import { Lifetime } from './lifetime.ts';
import { Recorder } from './recorder.ts';
import { buildLandscape, initialInventory, type Landscape } from './topology.ts';
import { openWorldStore, worldStoreKindFor, type WorldStoreKind } from './world-store.ts';

const H = 3_600_000;
const lognormal = (median: number, sigma = 0.3) => ({ distribution: 'lognormal' as const, median, sigma });

/**
 * Simulation defaults compress multi-day logistics into hours (a parcel is delivered within a few
 * hours, returns come back the same day), so a run drains in little virtual time; a scenario sets
 * realistic durations through `systems:` when it needs them.
 */
const TRANSIT = {
  hubs: 2,
  toFirstHub: lognormal(20 * 60_000),
  betweenHubs: lognormal(30 * 60_000),
  hubDwell: lognormal(10 * 60_000),
  toOutForDelivery: lognormal(40 * 60_000),
  toDelivered: lognormal(20 * 60_000),
  failedAttemptProbability: 0.03,
  redeliveryDelay: { distribution: 'fixed' as const, ms: H },
};

/**
 * The simulators keep no request log, push log, event log or stock timeline in a world: nothing
 * reads them (the history and the checks come from the recorder and the simulators' state), and a
 * 100,000-order day makes over a million requests and 600,000 pushes.
 */
const NO_REQUEST_LOG = 0;

export interface WorldOptions {
  scenario: Scenario;
  seed: number;
  defects: DefectName[];
  /** Where the layer's store lives (default: chosen from the expected orders, see world-store.ts). */
  store?: WorldStoreKind;
}

/**
 * One simulated world, built from one options value and wired on the runtime ports: a VirtualClock,
 * a seeded Random forked per system, one in-process Transport and Bus wrapped once by the fault
 * injector, the simulators, the integration layer on an SQLite store (in memory, or a scratch file
 * for the largest runs), and the storefront workload. Nothing here reads the wall clock or global
 * randomness.
 */
export class World {
  readonly clock: VirtualClock;
  readonly random: SeededRandom;
  readonly startMs: number;
  readonly landscape: Landscape;
  /** The wire: faults apply to every call and message that crosses it. */
  readonly transport: InProcessTransport;
  readonly bus: InProcessBus;
  readonly injector: FaultInjector;
  readonly net: Transport;
  readonly messaging: Bus;
  readonly erp: ErpSimulator;
  readonly wms = new Map<string, WmsSimulator>();
  readonly carriers = new Map<string, SwiftSimulator | PelicanSimulator>();
  /** The layer's store: every instance of the layer (a crash restarts it) runs on this one. */
  readonly store: SqliteStore;
  /** The orders the workload's rate and duration make (before retries and double submits). */
  readonly expectedOrders: number;
  readonly workload: StorefrontWorkload;
  readonly recorder: Recorder;
  readonly layerConfig: LayerConfigInput;
  /** The running layer instance (replaced on a crash), undefined while it is down. */
  layer: Layer | undefined;
  /** Crashes carried out so far. */
  crashes = 0;
  /** The last counters of each crashed instance (counters live in memory and die with it). */
  readonly retired: LayerStats[] = [];
  private lifetime: Lifetime | undefined;
  /** The pending restart after a crash: when, and its timer. */
  private restart: { at: number; timer: Timer } | undefined;

  constructor(readonly options: WorldOptions) {
    const { scenario, seed } = options;
    this.clock = new VirtualClock();
    this.startMs = this.clock.now();
    this.random = new SeededRandom(seed);
    this.landscape = buildLandscape(scenario, this.random.fork('topology'));
    this.recorder = new Recorder(() => this.clock.now() - this.startMs, this.startMs);
    this.transport = new InProcessTransport();
    this.bus = new InProcessBus(this.clock);
    this.injector = new FaultInjector(scenario.faults, { clock: this.clock, random: this.random.fork('faults'), startMs: this.startMs });
    this.net = this.injector.wrapTransport(this.transport);
    this.messaging = this.injector.wrapBus(this.bus);
    const { landscape } = this;
    const dcs = landscape.distributionCenters.map((d) => d.code);
    const sys = scenario.systems;

    this.erp = new ErpSimulator(
      { clock: this.clock, random: this.random.fork('erp') },
      {
        customers: landscape.customers,
        items: landscape.catalog.map((i) => ({ itemNumber: i.sku, salesUnits: [i.uom], listPrice: i.price })),
        warehouses: dcs,
        openingBalances: [...landscape.stock].flatMap(([dc, items]) => items.map((i) => ({ itemNumber: i.sku, warehouse: dc, onHand: i.onHand }))),
        duplicateReferencePolicy: 'book-again',
        paymentDelay: lognormal(2 * H),
        // The ERP takes the layer's bearer token and nothing else.
        auth: [(scenario.layer as LayerConfigInput).erpCredential ?? DEFAULT_CREDENTIAL],
        requestLog: NO_REQUEST_LOG,
        ...sys.erp,
      },
    );
    this.transport.register('erp', this.erp.handler);

    for (const dc of landscape.distributionCenters) {
      const wms = new WmsSimulator(
        { clock: this.clock, random: this.random.fork(`wms@${dc.code}`), transport: this.net, bus: this.messaging },
        { dc: dc.code, stock: landscape.stock.get(dc.code)!, returnTransit: lognormal(30 * 60_000), replenishment: { reorderPoint: 400, quantity: 2000, leadTime: lognormal(H) }, requestLog: NO_REQUEST_LOG, eventLog: false, timelineLog: false, ...sys.wms },
      );
      this.wms.set(dc.code, wms);
      this.transport.register(`wms@${dc.code}`, wms.handler);
    }
    const carrierPorts = (name: string) => ({ clock: this.clock, random: this.random.fork(name), transport: this.net, bus: this.messaging });
    for (const name of new Set(landscape.distributionCenters.map((d) => d.carrier))) {
      const carrier =
        name === 'carrier-swift'
          ? new SwiftSimulator(carrierPorts(name), { transit: TRANSIT, requestLog: NO_REQUEST_LOG, messageLog: false, ...sys.carriers })
          : new PelicanSimulator(carrierPorts(name), { transit: TRANSIT, requestLog: NO_REQUEST_LOG, messageLog: false, ...sys.carriers });
      this.carriers.set(name, carrier);
      this.transport.register(name, carrier.handler);
    }

    this.layerConfig = {
      apiKeys: [
        ...landscape.channels.map((c) => {
          const limit = scenario.topology.channels.find((x) => x.name === c.name)?.rateLimit;
          return { key: c.apiKey, partner: c.name, channel: c.name, scopes: ['orders:write', 'orders:read', 'inventory:read'] as Scope[], ...(limit ? { rateLimit: limit } : {}) };
        }),
        { key: landscape.operatorKey, partner: 'operator', scopes: [...ALL_SCOPES] },
      ],
      distributionCenters: landscape.distributionCenters,
      initialInventory: initialInventory(landscape),
      webhookSecrets: { 'carrier-swift': DEFAULT_SWIFT_WEBHOOK_SECRET },
      relaySweepIntervalMs: 5000,
      reconciliationIntervalMs: 5 * 60_000,
      ...(scenario.layer as LayerConfigInput),
      defects: options.defects,
    };
    // The commerce API: whichever instance is alive answers; while it is down, connections are refused.
    const layerHandler: HttpHandler = (req) => (this.layer && this.lifetime ? this.lifetime.handler(this.layer.handler)(req) : Promise.reject(new TransportError('layer', 'refused', 'the integration layer is down')));
    this.transport.register('layer', layerHandler);

    const w = scenario.workload;
    const workloadOptions: Partial<WorkloadOptions> = {
      rate:
        w.profile === 'steady'
          ? { kind: 'steady', perSecond: w.ordersPerSecond }
          : w.profile === 'ramp'
            ? { kind: 'ramp', fromPerSecond: w.rampFrom, toPerSecond: w.ordersPerSecond, overMs: scenario.durationMs }
            : { kind: 'peak-day', peakPerSecond: w.ordersPerSecond },
      durationMs: scenario.durationMs,
      channels: landscape.channels,
      customers: landscape.customers.map((c) => c.customerId),
      catalog: landscape.catalog,
      zipfExponent: w.skuSkew,
      meanLines: (w.linesPerOrder.min + w.linesPerOrder.max) / 2,
      maxLines: w.linesPerOrder.max,
      meanQuantity: (w.quantityPerLine.min + w.quantityPerLine.max) / 2,
      clientTimeoutMs: w.clientTimeoutMs,
      maxAttempts: w.clientRetries + 1,
      doubleSubmitShare: w.doubleSubmitShare,
      cancelShare: w.cancelShare,
      returnShare: w.returnShare,
      returnAfter: lognormal(H),
      returnPollInterval: 30 * 60_000,
      availabilityReadShare: w.availabilityReadShare,
    };
    this.workload = new StorefrontWorkload({ clock: this.clock, random: this.random.fork('workload'), transport: this.net }, workloadOptions, this.recorder);
    const { rate, durationMs, maxOrders } = this.workload.options;
    this.expectedOrders = Math.min(maxOrders, expectedArrivals(rate, this.startMs, this.startMs + durationMs));
    this.store = openWorldStore(options.store ?? worldStoreKindFor(this.expectedOrders));
    this.recorder.observeEvents(this.bus);
  }

  /** Starts the layer, then the workload; schedules the plan's crashes. */
  async start(): Promise<void> {
    await this.bootLayer();
    for (const crash of this.injector.crashes()) {
      this.clock.setTimer(crash.atMs - this.clock.now(), () => this.crash(crash.downForMs));
    }
    this.workload.start();
  }

  /**
   * The crash fault: the instance dies (in-flight work lost, committed state kept) and a new one
   * starts on the same store. A crash while the layer is down or still starting (overlapping
   * crash faults) keeps it down until both outages are over: one instance at a time.
   */
  crash(downForMs: number): void {
    if (this.layer) this.retired.push(this.layer.stats());
    this.lifetime?.kill();
    this.layer = undefined;
    this.lifetime = undefined;
    this.crashes++;
    const at = Math.max(this.restart?.at ?? 0, this.clock.now() + downForMs);
    this.restart?.timer.cancel();
    this.restart = {
      at,
      timer: this.clock.setTimer(at - this.clock.now(), () => {
        this.restart = undefined;
        void this.bootLayer();
      }),
    };
  }

  private async bootLayer(): Promise<void> {
    const lifetime = new Lifetime();
    // Current from the start, so that a crash while it starts kills it too.
    this.lifetime = lifetime;
    const layer = createLayer(
      {
        clock: lifetime.clock(this.clock),
        random: this.random.fork(`layer#${this.crashes}`),
        transport: lifetime.transport(this.recorder.layerTransport(this.net)),
        bus: lifetime.bus(this.recorder.layerBus(this.messaging)),
        store: lifetime.store(this.store),
      },
      this.layerConfig,
    );
    await layer.start();
    if (lifetime.alive) this.layer = layer;
  }

  /** Cumulative layer counters over every instance of the run. */
  layerTotals(): { retries: number; throttled429: number; unavailable503: number; breakerOpens: number; posted: number; driftUnits: number } {
    const all = [...this.retired, ...(this.layer ? [this.layer.stats()] : [])];
    const t = { retries: 0, throttled429: 0, unavailable503: 0, breakerOpens: 0, posted: 0, driftUnits: 0 };
    for (const s of all) {
      for (const c of Object.values(s.systems)) {
        t.retries += c.retriesScheduled;
        t.throttled429 += c.throttled429;
        t.unavailable503 += c.unavailable503;
      }
      t.breakerOpens += s.breakers.opens;
      t.posted += s.orders.posted;
      t.driftUnits += s.reconciliation.driftUnits;
    }
    return t;
  }

  /** Stops background activity so the world can be dropped. */
  dispose(): void {
    this.workload.stop({ dropFollowUps: true });
    this.restart?.timer.cancel();
    this.lifetime?.kill();
    for (const w of this.wms.values()) w.stop();
    void this.store.close();
  }
}
