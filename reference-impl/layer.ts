/**
 * The reference integration layer: the "system of coordination" between the sales channels, the
 * ERP, one WMS per distribution center and the carriers. Everything it touches from the outside
 * world comes in through `ports`, so a simulated world replays it exactly from a seed.
 *
 *   const layer = createLayer({ clock, random: random.fork('layer'), transport, bus, store }, { apiKeys, initialInventory });
 *   await layer.start();
 *   transport.register('layer', layer.handler);
 *   …
 *   layer.stop(); // a crash: timers and subscriptions end; a new layer on the same store recovers
 */
import type { Bus, Clock, HttpHandler, Random, Subscription, Timer, Transport } from '../runtime/ports.ts';
import type { Registry } from 'prom-client';
import type { SqlValue, Store } from './ports.ts';
import { resolveConfig, wmsTarget, type LayerConfig, type LayerConfigInput } from './config.ts';
import { DefectSwitches } from './defects.ts';
import { SCHEMA } from './schema.ts';
import { createCommerceApi } from './api/commerce.ts';
import { carrierClients } from './clients/carriers.ts';
import { ERP, erpClient } from './clients/erp.ts';
import { wmsClient, type WmsClient } from './clients/wms.ts';
import { JitteredBackoff } from './resilience/backoff.ts';
import { SystemLane } from './resilience/lane.ts';
import { Deadlines } from './resilience/deadlines.ts';
import type { CircuitState } from './resilience/circuit.ts';
import { createLogger, type LoggerOption } from './observability/logger.ts';
import { LayerMetrics } from './observability/metrics.ts';
import { emptyStats, type LayerStats } from './observability/stats.ts';
import { Tracer } from './observability/trace.ts';
import { CancellationService } from './services/cancellation.ts';
import type { LayerContext } from './services/context.ts';
import { BookingHandler, CancelSalesOrderHandler } from './services/erp-posting.ts';
import { ExceptionQueue } from './services/exceptions.ts';
import { CancelFulfillmentHandler, LabelHandler, ReleaseHandler, ShipmentCache } from './services/fulfillment.ts';
import { SHIPMENT_RANK } from './domain/shipment-status.ts';
import { IdempotencyService } from './services/idempotency.ts';
import { IntakeService } from './services/intake.ts';
import { InventoryService } from './services/inventory.ts';
import { InvoiceHandler } from './services/invoicing.ts';
import { ReconciliationService } from './services/reconciliation.ts';
import { EventPublisher, Relay } from './services/relay.ts';
import { CreditMemoHandler, ExpectReturnHandler, ReturnService } from './services/returns.ts';
import { GoodsIssueHandler, ShipmentService } from './services/shipments.ts';
import { Db, Sequences } from './services/unit.ts';
import { OrderCache } from './services/orders.ts';
import { ValidationService } from './services/validation.ts';
import { WebhookService } from './services/webhooks.ts';

export type { LayerConfig, LayerConfigInput } from './config.ts';
export type { LayerStats } from './observability/stats.ts';

export interface LayerPorts {
  clock: Clock;
  /** The layer's own stream (`random.fork('layer')` in a world). */
  random: Random;
  transport: Transport;
  bus: Bus;
  store: Store;
  /** Structured logs: a pino logger, or `{ destination, level }`. Silent when absent. */
  logger?: LoggerOption;
}

export interface Layer {
  /** The commerce API (contracts/openapi/commerce.yaml). */
  handler: HttpHandler;
  /** Migrates the schema, recovers the outboxes, subscribes to the inbound channels, starts the jobs. */
  start(): Promise<void>;
  /** Cancels every timer and closes every subscription; in-flight work of this instance goes inert. */
  stop(): void;
  /** Counters for the harness (see LayerStats). */
  stats(): LayerStats;
  /** Work still in hand per downstream system: outbox messages and open exceptions. */
  pendingBySystem(): Map<string, { outbox: number; exceptions: number }>;
  /** The layer's Prometheus registry (also served on GET /metrics). */
  readonly metrics: Registry;
  readonly config: LayerConfig;
  /** Resolves when every committed event has been handed to the bus. */
  flushEvents(): Promise<void>;
}

/** The consumer group the layer subscribes with. */
export const LAYER_GROUP = 'layer';

export function createLayer(ports: LayerPorts, configInput: LayerConfigInput = {}): Layer {
  const config = resolveConfig(configInput);
  const { clock, random, transport, bus, store } = ports;
  const defects = new DefectSwitches(config.defects);
  const log = createLogger(clock, ports.logger);
  const metrics = new LayerMetrics();
  const counters = emptyStats();
  const tracer = new Tracer(random);
  const eventPrefix = random.uuid();
  let eventCounter = 0;
  let running = false;
  let stopped = false;

  const dcs = new Map(config.distributionCenters.map((dc) => [dc.code, dc]));
  const lanes = new Map<string, SystemLane>();
  const deadlines = new Deadlines(clock);
  const persistGate = (system: string, until: number): void => {
    void store.execute('INSERT INTO system_gates (system, blocked_until) VALUES (?, ?) ON CONFLICT (system) DO UPDATE SET blocked_until = excluded.blocked_until WHERE system_gates.blocked_until < excluded.blocked_until', [system, until]).catch((error: unknown) => log.warn({ err: error, system }, 'could not persist a Retry-After gate'));
  };
  const circuitValue: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };
  const lane = (system: string): SystemLane => {
    let l = lanes.get(system);
    if (!l) {
      l = new SystemLane({
        system,
        clock,
        deadlines,
        concurrency: config.concurrencyPerSystem,
        breakerFailures: config.breaker.consecutiveFailures,
        halfOpenAfterMs: config.breaker.halfOpenAfterMs,
        honourRetryAfter: !defects.has('ignore-retry-after'),
        onGate: persistGate,
        onCall: (s, outcome) => metrics.downstreamCalls.inc({ system: s, outcome }),
        onCircuit: (s, state) => {
          metrics.circuitState.set({ system: s }, circuitValue[state]);
          log.info({ downstream: s, state }, 'circuit changed');
        },
      });
      if (stopped) l.stop();
      lanes.set(system, l);
    }
    return l;
  };
  // The systems /v1/health reports, known up front.
  for (const system of [ERP, ...config.distributionCenters.map(wmsTarget), ...new Set(config.distributionCenters.map((d) => d.carrier))]) lane(system);

  const seqs = new Sequences();
  const db = new Db(store, seqs, () => clock.now());
  const orders = new OrderCache();
  db.orders = orders;
  const wmsClients = new Map<string, WmsClient>();
  const exceptionsRef: { queue?: ExceptionQueue } = {};
  const relay = new Relay({
    clock,
    db,
    lane,
    backoff: new JitteredBackoff(random.fork('backoff'), config.retry),
    maxAttempts: config.retry.attempts,
    downstreamTimeoutMs: config.timeouts.downstreamMs,
    honourRetryAfter: !defects.has('ignore-retry-after'),
    dropExhausted: defects.has('drop-after-retries'),
    park: (unit, msg, info) => exceptionsRef.queue!.park(unit, msg, info),
    stats: counters,
    metrics,
    log,
  });
  const publisher = new EventPublisher(bus, db, counters, log);
  relay.publisher = publisher;
  db.listen(relay);

  const ctx: LayerContext = {
    clock,
    random,
    transport,
    bus,
    store,
    config,
    defects,
    log,
    metrics,
    stats: counters,
    tracer,
    db,
    relay,
    lane,
    erp: erpClient(transport, config.erpCredential),
    wms: (dc) => {
      let c = wmsClients.get(dc);
      if (!c) wmsClients.set(dc, (c = wmsClient(transport, dcs.get(dc) ? wmsTarget(dcs.get(dc)!) : `wms@${dc}`, config.credentials.wms)));
      return c;
    },
    carriers: carrierClients(transport, config.credentials),
    dcs,
    catalogue: new Map(),
    orders,
    shipments: new ShipmentCache((status) => SHIPMENT_RANK[status as keyof typeof SHIPMENT_RANK] ?? -1),
    eventId: () => `${eventPrefix}-${(++eventCounter).toString(36)}`,
    running: () => running && !stopped,
  };

  const exceptions = new ExceptionQueue(ctx);
  exceptionsRef.queue = exceptions;
  db.resolver = (unit, id) => exceptions.resolve(unit, id);
  const idempotency = new IdempotencyService(ctx);
  const inventory = new InventoryService(ctx);
  const validation = new ValidationService(ctx, inventory);
  const intake = new IntakeService(ctx, idempotency, validation, inventory);
  const shipments = new ShipmentService(ctx, inventory);
  const returns = new ReturnService(ctx, idempotency, inventory);
  const cancellation = new CancellationService(ctx, inventory);
  const webhooks = new WebhookService(ctx);
  const reconciliation = new ReconciliationService(ctx);

  relay.register('erp.validateOrder', validation);
  relay.register('erp.bookSalesOrder', new BookingHandler(ctx));
  relay.register('carrier.buyLabel', new LabelHandler(ctx));
  relay.register('wms.releaseFulfillmentOrder', new ReleaseHandler(ctx));
  relay.register('erp.postGoodsIssue', new GoodsIssueHandler(ctx));
  relay.register('erp.postInvoice', new InvoiceHandler(ctx));
  relay.register('wms.expectReturn', new ExpectReturnHandler(ctx));
  relay.register('erp.postCreditMemo', new CreditMemoHandler(ctx));
  relay.register('wms.cancelFulfillmentOrder', new CancelFulfillmentHandler(ctx));
  relay.register('erp.cancelSalesOrder', new CancelSalesOrderHandler(ctx));

  const circuits = (): Record<string, CircuitState> => Object.fromEntries([...lanes].map(([system, l]) => [system, l.circuit.state]));
  const handler = createCommerceApi(ctx, {
    intake,
    inventory,
    cancellation,
    returns,
    exceptions,
    webhooks,
    circuits,
    refreshGauges: () => {
      metrics.outboxBacklog.set(relay.backlog);
      metrics.exceptionsOpen.set(exceptions.depth);
      for (const [system, l] of lanes) metrics.circuitState.set({ system }, circuitValue[l.circuit.state]);
    },
  });

  const timers: Timer[] = [];
  const subscriptions: Subscription[] = [];
  let sweeping = false;
  const sweep = async (): Promise<void> => {
    if (sweeping || !ctx.running()) return;
    sweeping = true;
    try {
      await publisher.flush();
      await relay.sweep();
    } catch (error) {
      log.error({ err: error }, 'sweep failed');
    } finally {
      sweeping = false;
    }
  };
  const consume = (fn: (d: Parameters<Parameters<Bus['subscribe']>[2]>[0]) => Promise<void>) => async (d: Parameters<Parameters<Bus['subscribe']>[2]>[0]) => {
    if (!ctx.running()) return;
    await fn(d);
  };

  return {
    handler,
    metrics: metrics.registry,
    config,

    async start() {
      if (running || stopped) throw new Error(stopped ? 'a stopped layer cannot start again; create a new one on the same store' : 'the layer is already started');
      await store.migrate(SCHEMA);
      const [maxCommand] = await store.query<{ n: SqlValue }>('SELECT MAX(seq) AS n FROM outbox');
      const [maxEvent] = await store.query<{ n: SqlValue }>('SELECT MAX(seq) AS n FROM event_outbox');
      seqs.command = Number(maxCommand?.n ?? 0);
      seqs.event = Number(maxEvent?.n ?? 0);
      const gates = await store.query<{ system: string; blocked_until: SqlValue }>('SELECT system, blocked_until FROM system_gates');
      for (const g of gates) lane(String(g.system)).restoreGate(Number(g.blocked_until));
      await inventory.loadCatalogue();
      if (config.initialInventory) await inventory.seed(config.initialInventory);
      await exceptions.load();
      running = true;
      await publisher.recover();
      await relay.recover();
      await webhooks.recover();
      const options = { redeliveryDelayMs: 1000 };
      subscriptions.push(
        bus.subscribe('wms.inventory', LAYER_GROUP, consume((d) => inventory.onInventoryAdjusted(d)), options),
        bus.subscribe('wms.shipment', LAYER_GROUP, consume((d) => shipments.onShipmentConfirmed(d)), options),
        bus.subscribe('wms.return', LAYER_GROUP, consume((d) => returns.onReturnReceived(d)), options),
        bus.subscribe('carrier.tracking', LAYER_GROUP, consume((d) => shipments.onTracking(d)), options),
      );
      timers.push(clock.every(config.relaySweepIntervalMs, () => void sweep()));
      if (config.reconciliationIntervalMs > 0 && !defects.has('no-reconciliation')) {
        timers.push(clock.every(config.reconciliationIntervalMs, () => void reconciliation.run().catch((error: unknown) => log.error({ err: error }, 'reconciliation failed'))));
      }
      log.info({ defects: defects.list(), dcs: [...dcs.keys()] }, 'layer started');
    },

    stop() {
      if (stopped) return;
      stopped = true;
      db.closed = true;
      for (const t of timers.splice(0)) t.cancel();
      for (const s of subscriptions.splice(0)) s.close();
      for (const t of intake.pendingCommits) t.cancel();
      intake.pendingCommits.clear();
      relay.stop();
      publisher.stop();
      for (const l of lanes.values()) l.stop();
      deadlines.stop();
      log.info('layer stopped');
    },

    stats(): LayerStats {
      const systems: LayerStats['systems'] = {};
      let opens = 0;
      const open: string[] = [];
      for (const [system, l] of lanes) {
        const state = l.circuit.state;
        systems[system] = { ...l.counters, breaker: state, breakerOpens: l.circuit.opens, queued: l.queued, active: l.active };
        opens += l.circuit.opens;
        if (state !== 'closed') open.push(system);
      }
      return {
        at: clock.now(),
        orders: { ...counters.orders },
        idempotency: { ...counters.idempotency },
        systems,
        breakers: { opens, open },
        exceptions: { ...counters.exceptions, depth: exceptions.depth },
        outbox: { ...counters.outbox, backlog: relay.backlog, eventsPending: publisher.pending },
        reconciliation: { ...counters.reconciliation },
        dedup: { hits: counters.dedup.hits, byChannel: { ...counters.dedup.byChannel } },
        inventory: { ...counters.inventory },
      };
    },

    pendingBySystem() {
      const out = new Map<string, { outbox: number; exceptions: number }>();
      for (const [system, n] of relay.backlogBySystem()) out.set(system, { outbox: n, exceptions: 0 });
      for (const [system, n] of exceptions.openBySystem) out.set(system, { outbox: out.get(system)?.outbox ?? 0, exceptions: n });
      return out;
    },

    flushEvents: () => publisher.idle(),
  };
}
