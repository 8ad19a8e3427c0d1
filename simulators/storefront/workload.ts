import type { components } from '../../contracts/generated/openapi/commerce.ts';
import { AbortControllerPool, abortError } from '../../runtime/abort.ts';
import { exponential, poisson, zipf, type Distribution } from '../../runtime/random/distributions.ts';
import { TransportError, type Clock, type HttpRequest, type HttpResponse, type Random, type Timer, type Transport } from '../../runtime/ports.ts';
import { DEFAULT_CATALOG, DEFAULT_CHANNELS, DEFAULT_CUSTOMERS, DEFAULT_SHIP_TO, type CatalogItem, type ChannelConfig, type Site } from '../shared/defaults.ts';
import { retryAfterInstant } from '../shared/rate-limit.ts';
import { sampleMs } from '../shared/time.ts';
import { checkProfile, maxRate, rateAt, type RateProfile } from './profile.ts';

type S = components['schemas'];

// ---------------------------------------------------------------------------------------------
// The observer: the harness records the history through it (Jepsen style)
// ---------------------------------------------------------------------------------------------

export type WorkloadOperationKind = 'createOrder' | 'cancelOrder' | 'createReturn' | 'getAvailability' | 'getOrder';

/**
 * `ok`: the operation took effect (2xx). `fail`: it certainly did not (4xx, or 503, which the
 * commerce contract defines as "nothing was stored"). `info`: unknown (no answer before the client
 * timeout, a connection error, or another 5xx).
 */
export type WorkloadOutcome = 'ok' | 'fail' | 'info';

/** One attempt of one operation, as the storefront sent it. */
export interface WorkloadOperation {
  /** Unique per attempt, in invoke order. */
  id: number;
  kind: WorkloadOperationKind;
  channel: string;
  /** The workload's number of the order this belongs to (1, 2, …): the same across retries, double submissions, cancels and returns. */
  order: number;
  /** 1 for the first try, 2… for retries after a timeout, 5xx or 429. */
  attempt: number;
  /** A second, concurrent submission of the same request (a double click). */
  doubleSubmit: boolean;
  /** `Idempotency-Key` of createOrder / createReturn (the same on every retry and double submission). */
  idempotencyKey?: string;
  /** The layer's order id, once acknowledged (set on the createOrder op when it completes ok). */
  orderId?: string;
  /** The W3C trace id sent in `traceparent` (one per order). */
  traceId: string;
  /** Virtual (or wall) ms. */
  invokedAt: number;
  completedAt?: number;
  request: HttpRequest;
  /** For `info`: `timeout`, or the transport error code. */
  error?: string;
}

export interface WorkloadObserver {
  onInvoke(op: WorkloadOperation): void;
  onComplete(op: WorkloadOperation, outcome: WorkloadOutcome, response?: HttpResponse): void;
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

export interface WorkloadOptions {
  /** Orders per second over time. Default steady 5/s. */
  rate: RateProfile;
  /** New orders stop arriving this long after `start()`, ms. Default 1 h. */
  durationMs: number;
  /** …or after this many orders, whichever comes first. Default unbounded. */
  maxOrders: number;
  /** Channels with their API keys and traffic shares. Default b2b-web 50 %, marketplace-north 30 %, marketplace-south 20 %. */
  channels: readonly ChannelConfig[];
  /** Customers ordering (uniformly). Default the default customers (C-100…C-120). */
  customers: readonly string[];
  /** Sellable items, most popular first (Zipf rank 1 = the first). Prices must match the ERP's. Default the default catalog. */
  catalog: readonly CatalogItem[];
  /** Zipf exponent of sku popularity. Default 1.1. */
  zipfExponent: number;
  /** Mean lines per order (1 + Poisson), distinct skus. Default 2.5. */
  meanLines: number;
  /** Largest number of lines. Default 20. */
  maxLines: number;
  /** Mean quantity per line (1 + Poisson). Default 3. */
  meanQuantity: number;
  /** Share of lines sent with a wrong unit price (the layer should reject the order). Default 0. */
  priceMismatchShare: number;
  /** Ship-to addresses (uniformly). */
  shipTo: readonly Site[];
  /** The client gives up on a call after this long, ms. Default 10 s. */
  clientTimeoutMs: number;
  /** Attempts per operation (same Idempotency-Key) after timeouts, 5xx, 429 and in-flight 409s. Default 4. */
  maxAttempts: number;
  /** Wait before a retry, ms (a `Retry-After` from the layer is honoured when longer). Default exponential, mean 2 s. */
  retryBackoff: Distribution;
  /** Share of orders submitted twice concurrently with the same Idempotency-Key. Default 0.01. */
  doubleSubmitShare: number;
  /** Gap between the two submissions, ms. Default uniform 0–300 ms. */
  doubleSubmitGap: Distribution;
  /** Share of acknowledged orders the channel cancels. Default 0.02. */
  cancelShare: number;
  /** Acknowledgement → cancellation, ms. Default lognormal, median 2 min. */
  cancelAfter: Distribution;
  /** Share of acknowledged orders (partly) returned once delivered. Default 0.03. */
  returnShare: number;
  /** Acknowledgement → first look whether the order is delivered, ms. Default lognormal, median 3 days. */
  returnAfter: Distribution;
  /** If not delivered yet, look again after this long, ms (at most `returnPolls` looks). Default 1 day, 5 looks. */
  returnPollInterval: number;
  returnPolls: number;
  /** Share of arrivals that read a sku's availability first. Default 0.2. */
  availabilityReadShare: number;
  /** Transport target of the commerce API. Default `layer`. */
  target: string;
}

export const WORKLOAD_DEFAULTS: WorkloadOptions = {
  rate: { kind: 'steady', perSecond: 5 },
  durationMs: 3_600_000,
  maxOrders: Number.POSITIVE_INFINITY,
  channels: DEFAULT_CHANNELS,
  customers: DEFAULT_CUSTOMERS.map((c) => c.customerId),
  catalog: DEFAULT_CATALOG,
  zipfExponent: 1.1,
  meanLines: 2.5,
  maxLines: 20,
  meanQuantity: 3,
  priceMismatchShare: 0,
  shipTo: DEFAULT_SHIP_TO,
  clientTimeoutMs: 10_000,
  maxAttempts: 4,
  retryBackoff: { distribution: 'exponential', mean: 2000 },
  doubleSubmitShare: 0.01,
  doubleSubmitGap: { distribution: 'uniform', min: 0, max: 300 },
  cancelShare: 0.02,
  cancelAfter: { distribution: 'lognormal', median: 120_000, sigma: 0.8 },
  returnShare: 0.03,
  returnAfter: { distribution: 'lognormal', median: 3 * 86_400_000, sigma: 0.3 },
  returnPollInterval: 86_400_000,
  returnPolls: 5,
  availabilityReadShare: 0.2,
  target: 'layer',
};

export interface WorkloadPorts {
  clock: Clock;
  /** The workload's own stream (`random.fork('workload')`). */
  random: Random;
  transport: Transport;
}

export interface WorkloadStats {
  arrivals: number;
  /** Operations invoked / completed, by kind. */
  invoked: Record<WorkloadOperationKind, number>;
  completed: Record<WorkloadOutcome, number>;
  /** Operations in flight plus follow-ups (cancels, returns, double submissions) still scheduled. */
  pending: number;
  /** Operations in flight (waiting for an answer or between retries). */
  inFlight: number;
}

interface RunSpec {
  kind: WorkloadOperationKind;
  /** Names the operation's own random stream within its order (default: the kind). */
  label?: string;
  channel: ChannelConfig;
  order: number;
  traceId: string;
  random: Random;
  request: HttpRequest;
  idempotencyKey?: string;
  orderId?: string;
  doubleSubmit?: boolean;
  maxAttempts?: number;
}

const RETURN_REASONS: readonly S['ReturnReason'][] = ['damaged', 'wrong_item', 'not_needed', 'other'];

/**
 * The storefront / marketplace workload: an open model (arrivals do not wait for answers) whose
 * orders, retries, double submissions, cancellations, returns and availability reads drive the
 * commerce API over the Transport. Every call is reported to the observer as an invoke and a
 * completion (ok / fail / info); the workload keeps no history itself.
 *
 * Deterministic from its Random: arrivals come from one fork, and each order's content and
 * follow-ups from a fork of its own (`order/<n>`), so changing the layer's timing never changes
 * which orders are placed. One timer holds the next arrival; nothing is scheduled up front.
 *
 * @example
 *   const workload = new StorefrontWorkload({ clock, random: random.fork('workload'), transport }, { rate: { kind: 'peak-day', peakPerSecond: 20 }, durationMs: 86_400_000 }, observer);
 *   workload.start();
 *   await clock.run({ until: () => workload.idle() });
 */
export class StorefrontWorkload {
  readonly options: WorkloadOptions;

  private readonly clock: Clock;
  private readonly transport: Transport;
  private readonly random: Random;
  private readonly arrivals: Random;
  private readonly observer: WorkloadObserver;
  private readonly pickSku: (random: Random) => number;
  private readonly channelCdf: number[];
  private readonly envelope: number;
  private startedAt = 0;
  private arrivalTimer: Timer | undefined;
  private arriving = false;
  private nextOpId = 1;
  private readonly counts: WorkloadStats = {
    arrivals: 0,
    invoked: { createOrder: 0, cancelOrder: 0, createReturn: 0, getAvailability: 0, getOrder: 0 },
    completed: { ok: 0, fail: 0, info: 0 },
    pending: 0,
    inFlight: 0,
  };
  private readonly followUps = new Set<Timer>();
  private readonly controllers = new AbortControllerPool();
  private idleWaiters: Array<() => void> = [];

  constructor(ports: WorkloadPorts, options: Partial<WorkloadOptions> = {}, observer: WorkloadObserver = { onInvoke: () => undefined, onComplete: () => undefined }) {
    this.options = { ...WORKLOAD_DEFAULTS, ...options };
    const o = this.options;
    checkProfile(o.rate);
    if (o.channels.length === 0) throw new RangeError('workload: at least one channel is needed');
    if (o.catalog.length === 0) throw new RangeError('workload: the catalog is empty');
    if (o.customers.length === 0) throw new RangeError('workload: no customers');
    for (const [name, v] of Object.entries({ priceMismatchShare: o.priceMismatchShare, doubleSubmitShare: o.doubleSubmitShare, cancelShare: o.cancelShare, returnShare: o.returnShare, availabilityReadShare: o.availabilityReadShare })) {
      if (!(v >= 0 && v <= 1)) throw new RangeError(`workload: ${name} must be within 0..1, got ${v}`);
    }
    if (!(o.maxAttempts >= 1)) throw new RangeError(`workload: maxAttempts must be >= 1, got ${o.maxAttempts}`);
    this.clock = ports.clock;
    this.transport = ports.transport;
    this.random = ports.random;
    this.arrivals = ports.random.fork('arrivals');
    this.observer = observer;
    this.pickSku = zipf(o.catalog.length, o.zipfExponent);
    const total = o.channels.reduce((n, c) => n + c.share, 0);
    let acc = 0;
    this.channelCdf = o.channels.map((c) => (acc += c.share / total));
    this.envelope = maxRate(o.rate);
  }

  /** Starts the arrivals (time 0 of the workload is now). */
  start(): void {
    if (this.arriving) return;
    this.arriving = true;
    this.startedAt = this.clock.now();
    this.scheduleArrival(this.startedAt);
  }

  /**
   * No new orders arrive; operations in flight still complete. Scheduled follow-ups (cancels,
   * returns, double submissions) still run unless `dropFollowUps` (a bounded run that ends now).
   */
  stop(options: { dropFollowUps?: boolean } = {}): void {
    this.arriving = false;
    this.arrivalTimer?.cancel();
    this.arrivalTimer = undefined;
    if (options.dropFollowUps) {
      for (const timer of this.followUps) timer.cancel();
      this.counts.pending -= this.followUps.size;
      this.followUps.clear();
    }
    this.checkIdle();
  }

  /** True once arrivals are over and nothing is in flight or scheduled. */
  idle(): boolean {
    return !this.arriving && this.counts.pending === 0;
  }

  /** Resolves when `idle()` becomes true. */
  whenIdle(): Promise<void> {
    return this.idle() ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): WorkloadStats {
    return { ...this.counts, invoked: { ...this.counts.invoked }, completed: { ...this.counts.completed } };
  }

  // -------------------------------------------------------------------------------------------

  /** Thinning: candidate gaps at the envelope rate, each kept with probability rate(t) / envelope. */
  private scheduleArrival(from: number): void {
    const o = this.options;
    if (!this.arriving) return;
    if (this.envelope <= 0 || this.counts.arrivals >= o.maxOrders) return this.stop();
    const end = this.startedAt + o.durationMs;
    let t = from;
    for (let tries = 0; ; tries++) {
      t += exponential(this.arrivals, 1000 / this.envelope);
      if (t >= end) return this.stop();
      if (this.arrivals.next() * this.envelope < rateAt(o.rate, t, this.startedAt)) break;
      if (tries > 1_000_000) return this.stop(); // a rate of ~0 for the rest of the window
    }
    const at = Math.round(t);
    this.arrivalTimer = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
      this.arrivalTimer = undefined;
      this.arrive();
      this.scheduleArrival(at);
    });
  }

  private arrive(): void {
    const o = this.options;
    const n = ++this.counts.arrivals;
    const random = this.random.fork(`order/${n}`);
    const u = random.next();
    const channel = o.channels[this.channelCdf.findIndex((c) => u < c)] ?? o.channels.at(-1)!;
    const traceId = hex(random, 32);
    if (random.next() < o.availabilityReadShare) {
      const sku = o.catalog[this.pickSku(random)]!.sku;
      void this.run({ kind: 'getAvailability', channel, order: n, traceId, random, request: this.request(channel, 'GET', `/v1/inventory/${encodeURIComponent(sku)}/availability`, traceId, random) });
    }
    const body = this.orderBody(n, channel, random);
    const idempotencyKey = `${channel.name}.${random.uuid()}`;
    const request = this.request(channel, 'POST', '/v1/orders', traceId, random, body, idempotencyKey);
    // Every decision about this order is drawn now, so the layer's timing cannot shift them.
    const cancelIn = random.next() < o.cancelShare ? sampleMs(random, o.cancelAfter) : undefined;
    const returnIn = random.next() < o.returnShare ? sampleMs(random, o.returnAfter) : undefined;
    const doubleIn = random.next() < o.doubleSubmitShare ? sampleMs(random, o.doubleSubmitGap) : undefined;
    const afterAck = (orderId: string): void => {
      if (cancelIn !== undefined) {
        this.later(cancelIn, () => this.run({ kind: 'cancelOrder', channel, order: n, traceId, random, request: this.request(channel, 'POST', `/v1/orders/${orderId}/cancel`, traceId, random, { reason: 'customer changed their mind' }), orderId }));
      }
      if (returnIn !== undefined) this.later(returnIn, () => this.lookForReturn(channel, n, traceId, random.fork('return'), orderId, body, o.returnPolls));
    };
    void this.run({ kind: 'createOrder', channel, order: n, traceId, random, request, idempotencyKey }).then(({ response, orderId }) => {
      if (response?.status === 202 && orderId !== undefined) afterAck(orderId);
    });
    if (doubleIn !== undefined) {
      this.later(doubleIn, () => this.run({ kind: 'createOrder', channel, order: n, traceId, random, request, idempotencyKey, doubleSubmit: true, maxAttempts: 1 }));
    }
  }

  private orderBody(n: number, channel: ChannelConfig, random: Random): S['CreateOrderRequest'] {
    const o = this.options;
    const count = Math.min(o.maxLines, o.catalog.length, 1 + poisson(random, Math.max(0, o.meanLines - 1)));
    const chosen = new Set<number>();
    for (let tries = 0; chosen.size < count && tries < count * 20; tries++) chosen.add(this.pickSku(random));
    const lines: S['CreateOrderLine'][] = [...chosen].map((index, i) => {
      const item = o.catalog[index]!;
      let amount = item.price.amount;
      if (random.next() < o.priceMismatchShare) amount = discounted(amount);
      return { lineNumber: i + 1, sku: item.sku, quantity: { value: 1 + poisson(random, Math.max(0, o.meanQuantity - 1)), uom: item.uom }, unitPrice: { amount, currency: item.price.currency } };
    });
    const site = o.shipTo[random.int(0, o.shipTo.length - 1)]!;
    return {
      customerId: o.customers[random.int(0, o.customers.length - 1)]!,
      currency: lines[0]!.unitPrice.currency,
      externalOrderRef: `${channel.name}-${n}`,
      lines,
      shipTo: { name: site.name, line1: site.line1, city: site.city, postalCode: site.postalCode, country: site.country },
    };
  }

  /** Reads the order; once delivered, returns part of it; otherwise looks again later. */
  private async lookForReturn(channel: ChannelConfig, n: number, traceId: string, random: Random, orderId: string, body: S['CreateOrderRequest'], polls: number): Promise<void> {
    const o = this.options;
    const { response: read } = await this.run({ kind: 'getOrder', label: `getOrder/${polls}`, channel, order: n, traceId, random, request: this.request(channel, 'GET', `/v1/orders/${orderId}`, traceId, random), orderId, maxAttempts: 1 });
    const status = read?.status === 200 ? (parse(read.body) as { status?: string } | undefined)?.status : undefined;
    if (status === 'delivered') {
      const line = body.lines[random.int(0, body.lines.length - 1)]!;
      const returnBody: S['CreateReturnRequest'] = {
        lines: [{ sku: line.sku, quantity: { value: random.int(1, Math.max(1, Math.floor(line.quantity.value))), uom: line.quantity.uom } }],
        reason: RETURN_REASONS[random.int(0, RETURN_REASONS.length - 1)]!,
      };
      const key = `${channel.name}.ret.${random.uuid()}`;
      await this.run({ kind: 'createReturn', channel, order: n, traceId, random, request: this.request(channel, 'POST', `/v1/orders/${orderId}/returns`, traceId, random, returnBody, key), idempotencyKey: key, orderId });
      return;
    }
    if (status === 'cancelled' || status === 'rejected' || polls <= 1) return;
    this.later(o.returnPollInterval, () => this.lookForReturn(channel, n, traceId, random, orderId, body, polls - 1));
  }

  /**
   * Sends one logical operation, retrying (same request, same Idempotency-Key) after a timeout, a
   * connection error, a 5xx, a 429 or an in-flight 409, up to `maxAttempts`. Resolves with the
   * last answer, or undefined when none came.
   */
  private async run(spec: RunSpec): Promise<{ response?: HttpResponse; orderId?: string }> {
    const maxAttempts = spec.maxAttempts ?? this.options.maxAttempts;
    // Its own stream for retry waits and span ids, so concurrent operations of one order never share draws.
    const random = spec.random.fork(spec.label ?? (spec.doubleSubmit ? `${spec.kind}/double` : spec.kind));
    this.counts.pending++;
    this.counts.inFlight++;
    try {
      let last: { response?: HttpResponse; orderId?: string } = {};
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const request = attempt === 1 ? spec.request : { ...spec.request, headers: { ...spec.request.headers, traceparent: traceparent(spec.traceId, random) } };
        const op: WorkloadOperation = {
          id: this.nextOpId++,
          kind: spec.kind,
          channel: spec.channel.name,
          order: spec.order,
          attempt,
          doubleSubmit: spec.doubleSubmit ?? false,
          traceId: spec.traceId,
          invokedAt: this.clock.now(),
          request,
        };
        if (spec.idempotencyKey !== undefined) op.idempotencyKey = spec.idempotencyKey;
        if (spec.orderId !== undefined) op.orderId = spec.orderId;
        this.counts.invoked[spec.kind]++;
        this.observer.onInvoke(op);
        const { response, error } = await this.send(request);
        op.completedAt = this.clock.now();
        const outcome: WorkloadOutcome = response ? classify(response.status) : 'info';
        if (error) op.error = error;
        if (spec.kind === 'createOrder' && outcome === 'ok' && response) {
          const id = (parse(response.body) as { orderId?: unknown } | undefined)?.orderId;
          if (typeof id === 'string') op.orderId = id;
        }
        this.counts.completed[outcome]++;
        this.observer.onComplete(op, outcome, response);
        last = response ? { response, ...(op.orderId !== undefined && spec.kind === 'createOrder' ? { orderId: op.orderId } : {}) } : {};
        if (!shouldRetry(response) || attempt === maxAttempts) return last;
        let wait = sampleMs(random, this.options.retryBackoff);
        const until = retryAfterInstant(response?.headers['retry-after'], this.clock.now());
        if (until !== undefined) wait = Math.max(wait, Math.ceil(until - this.clock.now()));
        await this.clock.sleep(wait);
      }
      return last;
    } finally {
      this.counts.pending--;
      this.counts.inFlight--;
      this.checkIdle();
    }
  }

  private async send(request: HttpRequest): Promise<{ response?: HttpResponse; error?: string }> {
    const controller = this.controllers.take();
    const timer = this.clock.setTimer(this.options.clientTimeoutMs, () => controller.abort(abortError()));
    try {
      return { response: await this.transport.send(this.options.target, request, { signal: controller.signal }) };
    } catch (error) {
      if (controller.signal.aborted) return { error: 'timeout' };
      return { error: error instanceof TransportError ? error.code : error instanceof Error ? error.message : String(error) };
    } finally {
      timer.cancel();
      this.controllers.give(controller);
    }
  }

  private request(channel: ChannelConfig, method: string, path: string, traceId: string, random: Random, body?: unknown, idempotencyKey?: string): HttpRequest {
    const headers: Record<string, string> = { accept: 'application/json', 'x-api-key': channel.apiKey, traceparent: traceparent(traceId, random) };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    const request: HttpRequest = { method, path, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      request.body = JSON.stringify(body);
    }
    return request;
  }

  /** Runs `fn` after `ms`, counted as pending work so `idle()` waits for it. */
  private later(ms: number, fn: () => unknown): void {
    this.counts.pending++;
    const timer = this.clock.setTimer(ms, () => {
      this.followUps.delete(timer);
      this.counts.pending--;
      void Promise.resolve(fn()).finally(() => this.checkIdle());
    });
    this.followUps.add(timer);
  }

  private checkIdle(): void {
    if (!this.idle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function classify(status: number): WorkloadOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status < 500 || status === 503) return 'fail';
  return 'info';
}

function shouldRetry(response: HttpResponse | undefined): boolean {
  if (!response) return true;
  if (response.status >= 500 || response.status === 429) return true;
  return response.status === 409 && /in-flight/.test(response.body);
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function hex(random: Random, length: number): string {
  // Joined: a string grown by += is kept as a chain of its parts (672 bytes for 32 characters).
  const digits = new Array<string>(length);
  for (let i = 0; i < length; i++) digits[i] = random.int(0, 15).toString(16);
  return digits.join('');
}

function traceparent(traceId: string, random: Random): string {
  return `00-${traceId}-${hex(random, 16)}-01`;
}

/** A price 5 % below `amount` (at least one cent lower), for deliberately wrong prices. */
function discounted(amount: string): string {
  const [whole, frac = ''] = amount.split('.');
  const cents = Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
  const lower = Math.max(0, Math.min(cents - 1, Math.round(cents * 0.95)));
  return `${Math.floor(lower / 100)}.${String(lower % 100).padStart(2, '0')}`;
}
