import type { components, operations } from '../../contracts/generated/openapi/wms.ts';
import { loadOpenApi } from '../../contracts/load.ts';
import { AbortControllerPool, abortError } from '../../runtime/abort.ts';
import type { OperationHandlers } from '../../runtime/http/contract-handler.ts';
import type { OpenApiDocument } from '../../runtime/http/openapi-document.ts';
import { json, problem, type FieldProblem } from '../../runtime/http/problem.ts';
import { exponential, type Distribution } from '../../runtime/random/distributions.ts';
import type { Bus, Clock, HttpHandler, HttpRequest, HttpResponse, Random, Timer, Transport } from '../../runtime/ports.ts';
import { DISTRIBUTION_CENTERS, initialStock, type CarrierName, type Uom } from '../shared/defaults.ts';
import { DEFAULT_PUBLISH_RETRY, Emitter, type PublishRetryOptions } from '../shared/emit.ts';
import { retryAfterInstant } from '../shared/rate-limit.ts';
import { createSimulatorHandler, RequestLog, type RequestRecord, type ServiceTimeOptions } from '../shared/service.ts';
import { iso, sampleMs } from '../shared/time.ts';
import { FulfillmentOrderRecord, linesText, unitsPerSku } from './fulfillment-order.ts';

type S = components['schemas'];
export type WmsOperationId = keyof operations & string;
export type StockReason = S['InventoryAdjusted']['reason'];

/** A stock adjustment planned at a time after the simulator is built. */
export type ScheduledAdjustment =
  | { afterMs: number; sku: string; reason: 'receipt'; quantity: number }
  | { afterMs: number; sku: string; reason: 'damage'; quantity: number }
  | { afterMs: number; sku: string; reason: 'cycle_count'; countedOnHand: number };

export interface WmsOptions {
  /** The distribution center this instance runs (`DC-EAST`). Default: the first distribution center. */
  dc: string;
  /** Opening stock per sku (whole units of the sku's `uom`). Default: the default topology's stock for `dc`. */
  stock: ReadonlyArray<{ sku: string; uom: Uom; onHand: number }>;
  /**
   * Lead times of a fulfillment order, ms: `pick` from release until picking starts (queue wait),
   * `pack` from picking to packed, `ship` from packed until the driver collects it (shipped).
   * Defaults: lognormal medians 5 min, 10 min and 45 min.
   */
  leadTimes: { pick: Distribution; pack: Distribution; ship: Distribution };
  /** Time from `expectReturn` until the goods arrive and are inspected, ms. Default lognormal, median 2 days. */
  returnTransit: Distribution;
  /** Probability that a returned unit is resellable (restocked); otherwise damaged. Default 0.8. */
  resellableProbability: number;
  /** Adjustments at fixed times (ms after construction): receipts, damage, cycle counts. Default none. */
  adjustments: readonly ScheduledAdjustment[];
  /**
   * Random damage found in the warehouse: a Poisson process of `ratePerHour` events, each damaging
   * 1..`maxUnits` units of a random sku. Damage only ever takes stock the WMS has not allocated
   * (available stock), so it never breaks a promise the WMS has made. `null`: none. Default none.
   */
  damage: { ratePerHour: number; maxUnits: number } | null;
  /**
   * Random cycle counts: a Poisson process of `ratePerHour` counts, each finding a difference of
   * -`maxDrift`..+`maxDrift` units on a random sku. Like damage, a shortfall is only ever found in
   * unallocated stock (on hand never drops below allocated). `null`: none. Default none.
   */
  cycleCounts: { ratePerHour: number; maxDrift: number } | null;
  /**
   * Automatic replenishment: when a sku's available stock falls below `reorderPoint`, a receipt of
   * `quantity` units arrives after `leadTime` ms (one open receipt per sku). `null`: never.
   * Default reorder point 50, quantity 500, lognormal lead time median 4 h.
   */
  replenishment: { reorderPoint: number; quantity: number; leadTime: Distribution } | null;
  /**
   * Handing the parcel to the carrier at ship time (SwiftShip `confirmHandover`, Pelican
   * `tenderParcel`) over the Transport: attempts (default 8), the first backoff in ms (default
   * 30 s, doubling; a `Retry-After` from the carrier is honoured instead), the timeout per call
   * in ms (default 10 s), how many docks the site has (default 6), and the credential sent
   * (`Authorization: Bearer …` to SwiftShip, `X-Api-Key` to Pelican; default `wms-<dc>`).
   */
  handover: { maxAttempts: number; initialBackoffMs: number; timeoutMs: number; docks: number; credential?: string };
  /** Service time per operation, ms. Default lognormal, median 15 ms, sigma 0.5. */
  serviceTime: ServiceTimeOptions<WmsOperationId>;
  /** How many of the latest requests `truth().requests` keeps: `Infinity` (default) all, `0` none. */
  requestLog: number;
  /** Whether `truth().events` lists every event pushed (default true). */
  eventLog: boolean;
  /** Whether `truth().timeline` lists every stock change (default true). */
  timelineLog: boolean;
  /** Retries when the bus does not accept an event. */
  publishRetry: PublishRetryOptions;
}

export interface WmsPorts {
  clock: Clock;
  /** The WMS's own stream (`random.fork('wms@DC-EAST')` in a world). */
  random: Random;
  /** To hand parcels to the carriers; without it, handovers are skipped (recorded as such). */
  transport?: Transport;
  /** Where events go (channels `wms.inventory`, `wms.shipment`, `wms.return`). */
  bus?: Bus;
}

// ---------------------------------------------------------------------------------------------
// Ground truth
// ---------------------------------------------------------------------------------------------

/** Why stock moved: the contract's onHand reasons, plus changes of the allocated quantity. */
export type StockChangeReason = StockReason | 'reserved' | 'reservation_released' | 'allocated' | 'allocation_released';

/** One change of a sku's on-hand and/or allocated stock. */
export interface StockChange {
  at: number;
  sku: string;
  reason: StockChangeReason;
  deltaOnHand: number;
  deltaAllocated: number;
  /** Figures after the change. */
  onHand: number;
  allocated: number;
  /** The sku's sequence after the change (grows only with on-hand changes). */
  sequence: number;
  /** Fulfillment order, reservation or return the change belongs to. */
  reference?: string;
  /** The `inventoryAdjusted` event pushed for an on-hand change. */
  eventId?: string;
}

export interface HandoverAttempt {
  at: number;
  /** HTTP status, or the transport error code. */
  outcome: number | string;
}

/** A fulfillment order's ground truth, as `GET /_faultline/truth` shows it. */
export interface FulfillmentOrderTruth {
  order: S['FulfillmentOrder'];
  labelId?: string;
  statusHistory: Array<{ status: S['FulfillmentOrderStatus']; at: number }>;
  /** `shipmentConfirmed` event id, once shipped. */
  shipmentEventId?: string;
  handover: { status: 'none' | 'pending' | 'done' | 'rejected' | 'given-up' | 'skipped'; attempts: HandoverAttempt[] };
}

/**
 * A fulfillment order in `truth().fulfillmentOrders`: the fields of its ground truth, built on each
 * read (`toJSON()` gives them all), and the scalars a checker reads without building them.
 */
export interface FulfillmentOrderEntry extends Readonly<FulfillmentOrderTruth> {
  readonly fulfillmentOrderId: string;
  readonly orderReference: string;
  readonly status: S['FulfillmentOrderStatus'];
  /** When the order reached `status` (ms), if it did. */
  reachedAt(status: S['FulfillmentOrderStatus']): number | undefined;
  toJSON(): FulfillmentOrderTruth;
}

export interface ReturnTruth {
  expectation: S['ReturnExpectation'];
  orderReference: string;
  lines: S['ReturnLine'][];
  receivedAt?: number;
  receivedLines?: S['ReturnReceivedLine'][];
  eventId?: string;
}

export interface EmittedEvent {
  at: number;
  channel: 'wms.inventory' | 'wms.shipment' | 'wms.return';
  eventId: string;
  eventType: S['InventoryAdjusted']['eventType'] | S['ShipmentConfirmed']['eventType'] | S['ReturnReceived']['eventType'];
  key: string;
}

export interface WmsTruth {
  dc: string;
  /** Stock now, per sku, sorted by sku. */
  stock: Array<{ sku: string; uom: Uom; onHand: number; allocated: number; available: number; sequence: number }>;
  /** On hand per sku at the start, sorted by sku. */
  opening: ReadonlyArray<{ sku: string; onHand: number }>;
  /** Every change of every sku's stock, in time order (empty with `timelineLog: false`). */
  timeline: readonly StockChange[];
  reservations: readonly S['Reservation'][];
  fulfillmentOrders: readonly FulfillmentOrderEntry[];
  returns: readonly ReturnTruth[];
  events: readonly EmittedEvent[];
  requests: readonly RequestRecord[];
}

// ---------------------------------------------------------------------------------------------

interface SkuState {
  sku: string;
  uom: Uom;
  onHand: number;
  allocated: number;
  sequence: number;
  replenishing: boolean;
}

const PROBLEM_BASE = 'https://docs.wms.faultline.test/problems/';
const SLUGS = { 'invalid-request': 'validation', 'malformed-json': 'validation', 'unsupported-media-type': 'validation', 'payload-too-large': 'validation' };
/** The carriers, to keep each order's carrier as the one shared string. */
const CARRIERS: readonly CarrierName[] = ['carrier-swift', 'carrier-pelican'];
const SERVICE_LEVELS: Record<CarrierName, readonly string[]> = {
  'carrier-swift': ['EXPRESS', 'STANDARD', 'ECONOMY'],
  'carrier-pelican': ['next_day', 'two_day', 'ground', 'pallet_std'],
};

export function wmsDefaults(dc: string = DISTRIBUTION_CENTERS[0]): WmsOptions {
  return {
    dc,
    stock: initialStock(dc),
    leadTimes: {
      pick: { distribution: 'lognormal', median: 5 * 60_000, sigma: 0.5 },
      pack: { distribution: 'lognormal', median: 10 * 60_000, sigma: 0.4 },
      ship: { distribution: 'lognormal', median: 45 * 60_000, sigma: 0.5 },
    },
    returnTransit: { distribution: 'lognormal', median: 2 * 86_400_000, sigma: 0.4 },
    resellableProbability: 0.8,
    adjustments: [],
    damage: null,
    cycleCounts: null,
    replenishment: { reorderPoint: 50, quantity: 500, leadTime: { distribution: 'lognormal', median: 4 * 3_600_000, sigma: 0.3 } },
    handover: { maxAttempts: 8, initialBackoffMs: 30_000, timeoutMs: 10_000, docks: 6 },
    serviceTime: { default: { distribution: 'lognormal', median: 15, sigma: 0.5 } },
    requestLog: Number.POSITIVE_INFINITY,
    eventLog: true,
    timelineLog: true,
    publishRetry: DEFAULT_PUBLISH_RETRY,
  };
}

/**
 * The WMS of one distribution center: stock on hand and allocated per sku, reservations,
 * fulfillment orders that move released → picking → packed → shipped over their lead times,
 * expected returns, and the events it pushes (`inventoryAdjusted`, `shipmentConfirmed`,
 * `returnReceived`) on the bus, as the `wms.yaml` contract defines them.
 *
 * Invariant by construction: on hand never drops below allocated (damage and cycle-count
 * shortfalls only take unallocated stock), so `available` is never negative here.
 *
 * @example
 *   const wms = new WmsSimulator({ clock, random: random.fork('wms@DC-EAST'), transport, bus }, { dc: 'DC-EAST' });
 *   transport.register('wms@DC-EAST', wms.handler);
 */
export class WmsSimulator {
  readonly handler: HttpHandler;
  readonly options: WmsOptions;
  readonly dc: string;
  /** Name on the Transport and in event `source` headers (`wms@DC-EAST`). */
  readonly system: string;

  private readonly clock: Clock;
  private readonly transport: Transport | undefined;
  private readonly emitter: Emitter;
  private readonly leadRandom: Random;
  private readonly eventIds: Random;
  private readonly processRandom: Random;
  private readonly returnRandom: Random;
  private readonly skus = new Map<string, SkuState>();
  private readonly reservations = new Map<string, S['Reservation']>();
  private readonly reservationList: S['Reservation'][] = [];
  /** Active reservations by the order they hold stock for. */
  private readonly activeByReference = new Map<string, S['Reservation'][]>();
  private readonly orders = new Map<string, FulfillmentOrderRecord>();
  /** The same orders in release order, as `truth()` lists them. */
  private readonly orderList: FulfillmentOrderRecord[] = [];
  private readonly returns = new Map<string, ReturnTruth>();
  private readonly returnList: ReturnTruth[] = [];
  private readonly timeline: StockChange[] = [];
  private readonly opening: ReadonlyArray<{ sku: string; onHand: number }>;
  private readonly events: EmittedEvent[] = [];
  private readonly requestLog: RequestLog;
  private readonly background = new Set<Timer>();
  private readonly controllers = new AbortControllerPool();
  private stopped = false;

  constructor(ports: WmsPorts, options: Partial<WmsOptions> = {}) {
    this.options = { ...wmsDefaults(options.dc), ...options };
    const o = this.options;
    if (!/^DC-[A-Z]{2,12}$/.test(o.dc)) throw new RangeError(`wms: dc must look like DC-EAST, got ${JSON.stringify(o.dc)}`);
    if (!(o.resellableProbability >= 0 && o.resellableProbability <= 1)) throw new RangeError(`wms: resellableProbability must be within 0..1, got ${o.resellableProbability}`);
    this.dc = o.dc;
    this.system = `wms@${o.dc}`;
    this.clock = ports.clock;
    this.transport = ports.transport;
    this.emitter = new Emitter(ports.bus, ports.clock, o.publishRetry);
    this.leadRandom = ports.random.fork('lead-times');
    this.eventIds = ports.random.fork('event-ids');
    this.processRandom = ports.random.fork('adjustments');
    this.returnRandom = ports.random.fork('returns');
    this.opening = o.stock.map((s) => ({ sku: s.sku, onHand: s.onHand })).sort((a, b) => (a.sku < b.sku ? -1 : 1));
    for (const s of o.stock) {
      if (!Number.isInteger(s.onHand) || s.onHand < 0) throw new RangeError(`wms: opening stock of ${s.sku} must be a whole number >= 0, got ${s.onHand}`);
      this.skus.set(s.sku, { sku: s.sku, uom: s.uom, onHand: s.onHand, allocated: 0, sequence: 0, replenishing: false });
    }
    for (const a of o.adjustments) {
      if (!this.skus.has(a.sku)) throw new RangeError(`wms: scheduled adjustment for unknown sku ${a.sku}`);
      this.schedule(a.afterMs, () => {
        if (a.reason === 'receipt') this.receive(a.sku, a.quantity);
        else if (a.reason === 'damage') this.damage(a.sku, a.quantity);
        else this.cycleCount(a.sku, a.countedOnHand);
      });
    }
    if (o.damage && o.damage.ratePerHour > 0) this.poisson(o.damage.ratePerHour, () => this.randomDamage());
    if (o.cycleCounts && o.cycleCounts.ratePerHour > 0) this.poisson(o.cycleCounts.ratePerHour, () => this.randomCycleCount());

    const doc = loadOpenApi('wms') as unknown as OpenApiDocument;
    this.requestLog = new RequestLog(o.requestLog);
    this.handler = createSimulatorHandler<operations>('wms', doc, this.operations(), {
      clock: ports.clock,
      random: ports.random.fork('service-time'),
      serviceTime: o.serviceTime,
      problemTypeBase: PROBLEM_BASE,
      problemSlugs: SLUGS,
      reference: (_entry, request) => /\/(?:fulfillment-orders|reservations)\/([^/?]+)/.exec(request.path)?.[1],
      onAnswered: this.requestLog.sink(),
    });
  }

  truth(): WmsTruth {
    return {
      dc: this.dc,
      stock: [...this.skus.values()].sort((a, b) => (a.sku < b.sku ? -1 : 1)).map((s) => ({ sku: s.sku, uom: s.uom, onHand: s.onHand, allocated: s.allocated, available: s.onHand - s.allocated, sequence: s.sequence })),
      opening: this.opening,
      timeline: this.timeline,
      reservations: this.reservationList,
      fulfillmentOrders: this.orderList,
      returns: this.returnList,
      events: this.events,
      requests: this.requestLog.records,
    };
  }

  /** Stops background processes (random damage and cycle counts, scheduled adjustments); orders in flight still complete. */
  stop(): void {
    this.stopped = true;
    for (const t of this.background) t.cancel();
    this.background.clear();
  }

  /** Goods received from a supplier: on hand +`quantity`. Returns the change applied. */
  receive(sku: string, quantity: number): number {
    return this.changeOnHand(this.need(sku), quantity, 'receipt');
  }

  /** Damage found: on hand −`quantity`, limited to unallocated stock. Returns the (negative) change applied, 0 if none. */
  damage(sku: string, quantity: number): number {
    const s = this.need(sku);
    return this.changeOnHand(s, -Math.min(quantity, s.onHand - s.allocated), 'damage');
  }

  /** A cycle count found `countedOnHand` units (never fewer than allocated). Returns the change applied. */
  cycleCount(sku: string, countedOnHand: number): number {
    const s = this.need(sku);
    return this.changeOnHand(s, Math.max(countedOnHand, s.allocated) - s.onHand, 'cycle_count');
  }

  // -------------------------------------------------------------------------------------------

  private operations(): OperationHandlers<operations> {
    return {
      getStockSnapshot: async ({ params }) => {
        const wanted = params.query.sku;
        const list = wanted === undefined ? [...this.skus.values()] : [...new Set(wanted)].map((sku) => this.skus.get(sku)).filter((s): s is SkuState => s !== undefined);
        const items: S['StockItem'][] = list
          .sort((a, b) => (a.sku < b.sku ? -1 : 1))
          .map((s) => ({ sku: s.sku, uom: s.uom, onHand: s.onHand, allocated: s.allocated, available: s.onHand - s.allocated, version: s.sequence }));
        return json(200, { distributionCenter: this.dc, asOf: iso(this.clock.now()), items } satisfies S['StockSnapshot']);
      },
      createReservation: async ({ body }) => this.createReservation(body),
      releaseReservation: async ({ params }) => {
        const reservation = this.reservations.get(params.path.reservationId);
        if (!reservation) return this.problem(404, 'not-found', 'Reservation not found', `No reservation ${params.path.reservationId} at ${this.dc}.`);
        if (reservation.status === 'active') {
          reservation.status = 'released';
          this.forgetActive(reservation);
          this.changeAllocated(this.skus.get(reservation.sku)!, -reservation.quantity.value, 'reservation_released', reservation.reservationId);
        }
        return { status: 204, headers: {}, body: '' };
      },
      releaseFulfillmentOrder: async ({ body }) => this.releaseFulfillmentOrder(body),
      getFulfillmentOrder: async ({ params }) => {
        const fo = this.orders.get(params.path.fulfillmentOrderId);
        return fo ? json(200, fo.order) : this.problem(404, 'not-found', 'Fulfillment order not found', `No fulfillment order ${params.path.fulfillmentOrderId} at ${this.dc}.`);
      },
      cancelFulfillmentOrder: async ({ params }) => this.cancelFulfillmentOrder(params.path.fulfillmentOrderId),
      expectReturn: async ({ body }) => this.expectReturn(body),
    };
  }

  private createReservation(body: S['ReservationRequest']): HttpResponse {
    const existing = this.reservations.get(body.reservationId);
    if (existing) {
      const same = existing.sku === body.sku && existing.quantity.value === body.quantity.value && existing.quantity.uom === body.quantity.uom && existing.reference === body.reference;
      if (same) return json(200, existing);
      return this.problem(409, 'reservation-conflict', 'Reservation id already used', `Reservation ${body.reservationId} exists with ${existing.quantity.value} ${existing.quantity.uom} of ${existing.sku} for ${existing.reference}.`, [
        { pointer: '/reservationId', message: 'already used with different content' },
      ]);
    }
    const sku = this.skus.get(body.sku);
    if (!sku) return this.problem(422, 'validation', 'Unknown sku', `${body.sku} is not stocked at ${this.dc}.`, [{ pointer: '/sku', message: `unknown sku ${body.sku}` }]);
    if (body.quantity.uom !== sku.uom) {
      return this.problem(422, 'validation', 'Wrong unit of measure', `${body.sku} is kept in ${sku.uom}.`, [{ pointer: '/quantity/uom', message: `must be ${sku.uom}` }]);
    }
    const available = sku.onHand - sku.allocated;
    if (body.quantity.value > available) {
      return this.problem(409, 'insufficient-stock', 'Insufficient stock', `${this.dc} has ${available} ${sku.uom} of ${body.sku} available; ${body.quantity.value} ${sku.uom} were requested.`, [
        { pointer: '/quantity/value', message: `requested ${body.quantity.value} ${sku.uom}, available ${available} ${sku.uom}` },
      ]);
    }
    const reservation: S['Reservation'] = { reservationId: body.reservationId, sku: body.sku, quantity: body.quantity, reference: body.reference, status: 'active', createdAt: iso(this.clock.now()) };
    this.reservations.set(body.reservationId, reservation);
    this.reservationList.push(reservation);
    const held = this.activeByReference.get(body.reference);
    if (held) held.push(reservation);
    else this.activeByReference.set(body.reference, [reservation]);
    this.changeAllocated(sku, body.quantity.value, 'reserved', body.reservationId);
    return json(201, reservation, { location: `/reservations/${encodeURIComponent(body.reservationId)}` });
  }

  private releaseFulfillmentOrder(body: S['FulfillmentOrderRequest']): HttpResponse {
    const existing = this.orders.get(body.fulfillmentOrderId);
    if (existing) return json(200, existing.order);
    const invalid: FieldProblem[] = [];
    const lineNumbers = new Set<number>();
    const needed = new Map<string, number>();
    for (const [i, line] of body.lines.entries()) {
      const sku = this.skus.get(line.sku);
      if (lineNumbers.has(line.lineNumber)) invalid.push({ pointer: `/lines/${i}/lineNumber`, message: 'repeats an earlier line number' });
      lineNumbers.add(line.lineNumber);
      if (!sku) invalid.push({ pointer: `/lines/${i}/sku`, message: `unknown sku ${line.sku}` });
      else if (sku.uom !== line.quantity.uom) invalid.push({ pointer: `/lines/${i}/quantity/uom`, message: `must be ${sku.uom}` });
      needed.set(line.sku, (needed.get(line.sku) ?? 0) + line.quantity.value);
    }
    if (!SERVICE_LEVELS[body.carrier].includes(body.serviceLevel)) {
      invalid.push({ pointer: '/serviceLevel', message: `must be one of ${SERVICE_LEVELS[body.carrier].join(', ')} for ${body.carrier}` });
    }
    if (body.carrier === 'carrier-pelican' && body.label.labelId === undefined) invalid.push({ pointer: '/label/labelId', message: 'is required for carrier-pelican' });
    if (invalid.length > 0) return this.problem(422, 'validation', 'Request is invalid', `${invalid[0]!.pointer} ${invalid[0]!.message}`, invalid);

    // Stock from the order's own active reservations first, then from available stock.
    const reserved = new Map<string, S['Reservation'][]>();
    for (const r of this.activeByReference.get(body.orderReference) ?? []) {
      if (r.status === 'active' && needed.has(r.sku)) reserved.set(r.sku, [...(reserved.get(r.sku) ?? []), r]);
    }
    const short: FieldProblem[] = [];
    for (const [i, line] of body.lines.entries()) {
      if (body.lines.findIndex((l) => l.sku === line.sku) !== i) continue; // checked once per sku
      const sku = this.skus.get(line.sku)!;
      const fromReservations = (reserved.get(line.sku) ?? []).reduce((n, r) => n + r.quantity.value, 0);
      const canCover = sku.onHand - sku.allocated + fromReservations;
      const want = needed.get(line.sku)!;
      if (want > canCover) short.push({ pointer: `/lines/${i}/quantity/value`, message: `requested ${want} ${sku.uom} of ${line.sku}, available ${canCover} ${sku.uom}` });
    }
    if (short.length > 0) {
      return this.problem(409, 'insufficient-stock', 'Insufficient stock', `${this.dc} cannot cover ${short.length} line(s) of ${body.fulfillmentOrderId}; nothing was allocated.`, short);
    }
    for (const [skuName, want] of needed) {
      const sku = this.skus.get(skuName)!;
      for (const r of reserved.get(skuName) ?? []) {
        r.status = 'consumed';
        this.forgetActive(r);
        this.changeAllocated(sku, -r.quantity.value, 'reservation_released', r.reservationId);
      }
      this.changeAllocated(sku, want, 'allocated', body.fulfillmentOrderId);
    }
    const id = body.fulfillmentOrderId;
    const fo = new FulfillmentOrderRecord(
      id,
      body.orderReference === id ? id : body.orderReference, // one string when they are the same (the layer's are)
      this.dc,
      linesText(body.lines),
      CARRIERS.find((c) => c === body.carrier)!,
      body.label.trackingNumber,
      body.label.labelId,
      body.requestedShipDate === undefined ? undefined : Date.parse(`${body.requestedShipDate}T00:00:00Z`),
      this.clock.now(),
    );
    this.orders.set(id, fo);
    this.orderList.push(fo);
    this.advance(fo, 'picking', sampleMs(this.leadRandom, this.options.leadTimes.pick));
    return json(201, fo.order, { location: `/fulfillment-orders/${encodeURIComponent(id)}` });
  }

  private cancelFulfillmentOrder(id: string): HttpResponse {
    const fo = this.orders.get(id);
    if (!fo) return this.problem(404, 'not-found', 'Fulfillment order not found', `No fulfillment order ${id} at ${this.dc}.`);
    if (fo.status === 'cancelled') return json(200, fo.order);
    if (fo.status === 'shipped') return this.problem(409, 'already-shipped', 'Already shipped', `Fulfillment order ${id} shipped at ${fo.order.shippedAt}; take it back as a return.`);
    fo.timer?.cancel();
    for (const [sku, qty] of unitsPerSku(fo.lines)) this.changeAllocated(this.skus.get(sku)!, -qty, 'allocation_released', id);
    this.setStatus(fo, 'cancelled');
    return json(200, fo.order);
  }

  private expectReturn(body: S['ReturnRequest']): HttpResponse {
    const existing = this.returns.get(body.returnId);
    if (existing) return json(200, existing.expectation);
    const unknown = body.lines.findIndex((l) => !this.skus.has(l.sku));
    if (unknown !== -1) return this.problem(422, 'validation', 'Unknown sku', `${body.lines[unknown]!.sku} is not stocked at ${this.dc}.`, [{ pointer: `/lines/${unknown}/sku`, message: 'unknown sku' }]);
    const truth: ReturnTruth = { expectation: { returnId: body.returnId, status: 'expected', createdAt: iso(this.clock.now()) }, orderReference: body.orderReference, lines: body.lines };
    this.returns.set(body.returnId, truth);
    this.returnList.push(truth);
    this.clock.setTimer(sampleMs(this.leadRandom, this.options.returnTransit), () => this.receiveReturn(truth));
    return json(201, truth.expectation);
  }

  // -------------------------------------------------------------------------------------------

  private advance(fo: FulfillmentOrderRecord, status: 'picking' | 'packed' | 'shipped', delayMs: number): void {
    fo.timer = this.clock.setTimer(delayMs, () => {
      fo.timer = undefined;
      if (fo.status === 'cancelled') return;
      if (status === 'shipped') return this.ship(fo);
      this.setStatus(fo, status);
      if (status === 'picking') this.advance(fo, 'packed', sampleMs(this.leadRandom, this.options.leadTimes.pack));
      else {
        const wait = sampleMs(this.leadRandom, this.options.leadTimes.ship);
        this.advance(fo, 'shipped', Math.max(wait, Math.ceil((fo.requestedShipAt ?? 0) - this.clock.now())));
      }
    });
  }

  private ship(fo: FulfillmentOrderRecord): void {
    const shippedAt = iso(this.clock.now());
    this.setStatus(fo, 'shipped');
    const lines = fo.lines;
    for (const [skuName, qty] of unitsPerSku(lines)) {
      const sku = this.skus.get(skuName)!;
      sku.allocated -= qty;
      this.changeOnHand(sku, -qty, 'shipment', fo.fulfillmentOrderId, -qty);
    }
    const event: S['ShipmentConfirmed'] = {
      eventId: this.eventIds.uuid(),
      eventType: 'shipment.confirmed',
      distributionCenter: this.dc,
      fulfillmentOrderId: fo.fulfillmentOrderId,
      orderReference: fo.orderReference,
      carrier: fo.carrier,
      trackingNumber: fo.trackingNumber,
      lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      shippedAt,
    };
    fo.shipmentEventId = event.eventId;
    this.emit('wms.shipment', event.eventId, fo.fulfillmentOrderId, event);
    void this.handOver(fo, shippedAt);
  }

  /** Tells the carrier the driver has the parcel, with retries; the shipment has left either way. */
  private async handOver(fo: FulfillmentOrderRecord, shippedAt: string): Promise<void> {
    if (!this.transport) {
      fo.handoverStatus = 'skipped';
      return;
    }
    fo.handoverStatus = 'pending';
    const h = this.options.handover;
    const credential = h.credential ?? `wms-${this.dc}`;
    const dock = `${this.dc} dock ${this.leadRandom.int(1, Math.max(1, h.docks))}`;
    const swift = fo.carrier === 'carrier-swift';
    const request: HttpRequest = swift
      ? {
          method: 'POST',
          path: `/v2/shipments/${encodeURIComponent(fo.trackingNumber)}/handover`,
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${credential}` },
          body: JSON.stringify({ handedOverAt: shippedAt, location: dock }),
        }
      : {
          method: 'POST',
          path: `/api/labels/${encodeURIComponent(fo.labelId ?? '')}/tender`,
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': credential },
          body: JSON.stringify({ tendered_ms: Date.parse(shippedAt), dock }),
        };
    for (let attempt = 1; attempt <= h.maxAttempts; attempt++) {
      const controller = this.controllers.take();
      const timer = this.clock.setTimer(h.timeoutMs, () => controller.abort(abortError()));
      let wait = h.initialBackoffMs * 2 ** (attempt - 1);
      try {
        const res = await this.transport.send(fo.carrier, request, { signal: controller.signal });
        fo.attempted({ at: this.clock.now(), outcome: res.status });
        if ((res.status >= 200 && res.status < 300) || res.status === 409) {
          fo.handoverStatus = 'done';
          return;
        }
        if (res.status >= 400 && res.status < 500 && res.status !== 429) {
          fo.handoverStatus = 'rejected';
          return;
        }
        const until = retryAfterInstant(res.headers['retry-after'], this.clock.now());
        if (until !== undefined) wait = Math.max(0, Math.ceil(until - this.clock.now()));
      } catch (error) {
        fo.attempted({ at: this.clock.now(), outcome: (error as { code?: string }).code ?? 'error' });
      } finally {
        timer.cancel();
        this.controllers.give(controller);
      }
      if (attempt < h.maxAttempts) await this.clock.sleep(wait);
    }
    fo.handoverStatus = 'given-up';
  }

  private receiveReturn(ret: ReturnTruth): void {
    const now = this.clock.now();
    const received: S['ReturnReceivedLine'][] = [];
    const restock = new Map<string, number>();
    for (const line of ret.lines) {
      let good = 0;
      for (let u = 0; u < line.quantity.value; u++) if (this.returnRandom.next() < this.options.resellableProbability) good++;
      const bad = line.quantity.value - good;
      if (good > 0) {
        received.push({ sku: line.sku, quantity: { value: good, uom: line.quantity.uom }, condition: 'resellable' });
        restock.set(line.sku, (restock.get(line.sku) ?? 0) + good);
      }
      if (bad > 0) received.push({ sku: line.sku, quantity: { value: bad, uom: line.quantity.uom }, condition: 'damaged' });
    }
    ret.expectation.status = 'received';
    ret.receivedAt = now;
    ret.receivedLines = received;
    const event: S['ReturnReceived'] = {
      eventId: this.eventIds.uuid(),
      eventType: 'return.received',
      distributionCenter: this.dc,
      returnId: ret.expectation.returnId,
      orderReference: ret.orderReference,
      lines: received,
      receivedAt: iso(now),
    };
    ret.eventId = event.eventId;
    this.emit('wms.return', event.eventId, ret.expectation.returnId, event);
    for (const [sku, qty] of restock) this.changeOnHand(this.skus.get(sku)!, qty, 'return_restock', ret.expectation.returnId);
  }

  /** Changes on hand (and optionally allocated in the same step), bumps the sequence and pushes `inventoryAdjusted`. */
  private changeOnHand(sku: SkuState, delta: number, reason: StockReason, reference?: string, deltaAllocated = 0): number {
    if (delta === 0) return 0;
    sku.onHand += delta;
    sku.sequence += 1;
    const now = this.clock.now();
    const event: S['InventoryAdjusted'] = {
      eventId: this.eventIds.uuid(),
      eventType: 'inventory.adjusted',
      distributionCenter: this.dc,
      sku: sku.sku,
      uom: sku.uom,
      delta,
      onHand: sku.onHand,
      reason,
      sequence: sku.sequence,
      occurredAt: iso(now),
    };
    if (reference !== undefined) event.reference = reference;
    const change: StockChange = { at: now, sku: sku.sku, reason, deltaOnHand: delta, deltaAllocated, onHand: sku.onHand, allocated: sku.allocated, sequence: sku.sequence, eventId: event.eventId };
    if (reference !== undefined) change.reference = reference;
    if (this.options.timelineLog) this.timeline.push(change);
    this.emit('wms.inventory', event.eventId, `${sku.sku}@${this.dc}`, event);
    if (delta < 0) this.maybeReplenish(sku);
    return delta;
  }

  private changeAllocated(sku: SkuState, delta: number, reason: StockChangeReason, reference: string): void {
    if (delta === 0) return;
    sku.allocated += delta;
    if (this.options.timelineLog) this.timeline.push({ at: this.clock.now(), sku: sku.sku, reason, deltaOnHand: 0, deltaAllocated: delta, onHand: sku.onHand, allocated: sku.allocated, sequence: sku.sequence, reference });
    if (delta > 0) this.maybeReplenish(sku);
  }

  private maybeReplenish(sku: SkuState): void {
    const r = this.options.replenishment;
    if (!r || sku.replenishing || this.stopped || sku.onHand - sku.allocated >= r.reorderPoint) return;
    sku.replenishing = true;
    this.clock.setTimer(sampleMs(this.leadRandom, r.leadTime), () => {
      sku.replenishing = false;
      this.changeOnHand(sku, r.quantity, 'receipt');
    });
  }

  private randomDamage(): void {
    const candidates = [...this.skus.values()].filter((s) => s.onHand - s.allocated > 0);
    if (candidates.length === 0) return;
    const sku = candidates[this.processRandom.int(0, candidates.length - 1)]!;
    this.damage(sku.sku, this.processRandom.int(1, Math.max(1, this.options.damage!.maxUnits)));
  }

  private randomCycleCount(): void {
    const all = [...this.skus.values()];
    const sku = all[this.processRandom.int(0, all.length - 1)]!;
    const drift = this.processRandom.int(-this.options.cycleCounts!.maxDrift, this.options.cycleCounts!.maxDrift);
    this.cycleCount(sku.sku, Math.max(0, sku.onHand + drift));
  }

  /** A Poisson process: one timer for the next event at a time. */
  private poisson(ratePerHour: number, fn: () => void): void {
    const meanMs = 3_600_000 / ratePerHour;
    const arm = (): void => {
      this.schedule(Math.round(exponential(this.processRandom, meanMs)), () => {
        fn();
        arm();
      });
    };
    arm();
  }

  private schedule(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = this.clock.setTimer(ms, () => {
      this.background.delete(timer);
      if (!this.stopped) fn();
    });
    this.background.add(timer);
  }

  private setStatus(fo: FulfillmentOrderRecord, status: S['FulfillmentOrderStatus']): void {
    fo.moveTo(status, this.clock.now());
  }

  private emit(channel: EmittedEvent['channel'], eventId: string, key: string, payload: { eventType: EmittedEvent['eventType'] }): void {
    if (this.options.eventLog) this.events.push({ at: this.clock.now(), channel, eventId, eventType: payload.eventType, key });
    this.emitter.emit({
      id: eventId,
      channel,
      key,
      headers: { source: this.system, 'content-type': 'application/json', 'x-wms-event-type': payload.eventType },
      body: JSON.stringify(payload),
    });
  }

  private forgetActive(reservation: S['Reservation']): void {
    const held = this.activeByReference.get(reservation.reference);
    if (!held) return;
    const rest = held.filter((r) => r !== reservation);
    if (rest.length > 0) this.activeByReference.set(reservation.reference, rest);
    else this.activeByReference.delete(reservation.reference);
  }

  private need(sku: string): SkuState {
    const s = this.skus.get(sku);
    if (!s) throw new RangeError(`wms ${this.dc}: unknown sku ${sku}`);
    return s;
  }

  private problem(status: number, slug: string, title: string, detail: string, errors?: FieldProblem[]): HttpResponse {
    return problem(status, title, detail, { type: PROBLEM_BASE + slug, ...(errors ? { errors } : {}) });
  }
}
