import type { components, operations } from '../../contracts/generated/openapi/carrier-pelican.ts';
import { loadOpenApi } from '../../contracts/load.ts';
import type { OperationHandlers } from '../../runtime/http/contract-handler.ts';
import type { OpenApiDocument, OperationEntry } from '../../runtime/http/openapi-document.ts';
import { json, problem, type FieldProblem } from '../../runtime/http/problem.ts';
import type { Clock, HttpHandler, HttpRequest, HttpResponse, Random, Timer } from '../../runtime/ports.ts';
import { DEFAULT_PUBLISH_RETRY, Emitter, type PublishRetryOptions } from '../shared/emit.ts';
import { IdGenerator } from '../shared/ids.ts';
import { formatCents } from '../shared/money.ts';
import { httpDate, RateLimiter, type TokenBucketOptions } from '../shared/rate-limit.ts';
import { createSimulatorHandler, RequestLog, type ServiceTimeOptions } from '../shared/service.ts';
import { DrawnNumbers, LabelBook } from './labels.ts';
import { carrierTruth, type CarrierPorts, type CarrierTruth } from './swift.ts';
import { planJourney, PUSH_DEFAULTS, TrackingBook, TRANSIT_DEFAULTS, type EventView, type PushQuirks, type TransitOptions } from './tracking.ts';

type S = components['schemas'];
export type PelicanOperationId = keyof operations & string;

export interface PelicanOptions {
  /** One token bucket per API key (`X-Api-Key`) for every endpoint. Default 600 requests per minute: capacity 600, refill 10/s. `null`: no limit. */
  rateLimit: TokenBucketOptions | null;
  /** The journey after tender. */
  transit: TransitOptions;
  /** How events are queued for push (delay before an event joins a batch), duplicates (an event reappears in a later batch) and out-of-order events. */
  push: PushQuirks;
  /** Pelican collects events and pushes them every `batchIntervalMs` (default 60 s), at most `maxBatchSize` (default 100, the contract's limit) per batch. */
  batchIntervalMs: number;
  maxBatchSize: number;
  /** Hubs named in `AR`/`DP` events, in route order (cycled). */
  hubs: readonly string[];
  /** Service time per operation, ms. Default lognormal, median 120 ms, sigma 0.4. */
  serviceTime: ServiceTimeOptions<PelicanOperationId>;
  /** How many of the latest requests `truth().requests` keeps: `Infinity` (default) all, `0` none. */
  requestLog: number;
  /** Whether `truth().messages` lists every push (default true). */
  messageLog: boolean;
  publishRetry: PublishRetryOptions;
}

const PROBLEM_BASE = 'https://developers.pelicanfreight.test/problems/';
const SLUGS = { 'invalid-request': 'validation', 'malformed-json': 'validation', 'unsupported-media-type': 'validation', 'payload-too-large': 'validation' };
const MAX_PARCEL_G = 31_500;
const PELICAN_CODE = { picked_up: 'PU', hub_arrival: 'AR', hub_departure: 'DP', out_for_delivery: 'OD', failed_attempt: 'EX', delivered: 'DL' } as const;

/** Charge per service level: base + per kg (cents). Matches the contract's examples (3.2 kg → 16.40 / 9.80 / 7.10; a 186 kg pallet → 94.00). */
const LEVELS: Record<S['ServiceLevel'], { baseCents: number; perKgCents: number; days: number; kind: 'parcel' | 'pallet' }> = {
  next_day: { baseCents: 1320, perKgCents: 100, days: 1, kind: 'parcel' },
  two_day: { baseCents: 820, perKgCents: 50, days: 2, kind: 'parcel' },
  ground: { baseCents: 614, perKgCents: 30, days: 4, kind: 'parcel' },
  pallet_std: { baseCents: 7540, perKgCents: 10, days: 3, kind: 'pallet' },
};

export const PELICAN_DEFAULTS: PelicanOptions = {
  rateLimit: { capacity: 600, refillPerSecond: 10 },
  transit: TRANSIT_DEFAULTS,
  push: PUSH_DEFAULTS,
  batchIntervalMs: 60_000,
  maxBatchSize: 100,
  hubs: ['Dortmund hub (DTM1)', 'Leipzig hub (LEJ1)', 'Hannover hub (HAJ1)'],
  serviceTime: { default: { distribution: 'lognormal', median: 120, sigma: 0.4 } },
  requestLog: Number.POSITIVE_INFINITY,
  messageLog: true,
  publishRetry: DEFAULT_PUBLISH_RETRY,
};

/** The address parts a label's event payloads name, in `LabelBook` place order. */
const FROM_CITY = 0;
const TO_CITY = 1;

/**
 * Pelican Freight (`carrier-pelican.yaml`): snake_case, epoch milliseconds, parcels and pallets;
 * rate quotes, labels (not idempotent), tender, a tracking poll endpoint; one token bucket per API
 * key (429 with `Retry-After` as an HTTP-date); tracking events pushed in batches
 * (`trackingBatch`) on `carrier.tracking`, in no particular order within a batch, with events
 * reappearing in later batches and held back past newer ones at the configured rates.
 */
export class PelicanSimulator {
  readonly handler: HttpHandler;
  readonly options: PelicanOptions;
  readonly system = 'carrier-pelican';

  private readonly clock: Clock;
  private readonly random: Random;
  private readonly ids: IdGenerator;
  private readonly batchRandom: Random;
  private readonly emitter: Emitter;
  private readonly book: TrackingBook<S['PelicanEvent']>;
  private readonly limiter: RateLimiter | undefined;
  /** The labels, by index; the tracking book finds one by its tracking code. */
  private readonly labels = new LabelBook(new DrawnNumbers(), 2);
  /** Label id → index. */
  private readonly labelIndex = new Map<string, number>();
  private readonly outbox: S['PelicanEvent'][] = [];
  /** Duplicates of events still in the outbox: they reappear in a later batch, never twice in one. */
  private readonly deferred: S['PelicanEvent'][] = [];
  private flushTimer: Timer | undefined;
  private readonly messages: Array<{ at: number; id: string; eventIds: string[] }> = [];
  private readonly throttled: Array<{ at: number; client: string; operationId: string; retryAfter: string }> = [];
  private readonly requestLog: RequestLog;

  constructor(ports: CarrierPorts, options: Partial<PelicanOptions> = {}) {
    this.options = { ...PELICAN_DEFAULTS, ...options };
    const o = this.options;
    if (!(o.maxBatchSize >= 1 && o.maxBatchSize <= 100)) throw new RangeError(`carrier-pelican: maxBatchSize must be within 1..100, got ${o.maxBatchSize}`);
    this.clock = ports.clock;
    this.random = ports.random;
    this.ids = new IdGenerator(ports.random.fork('ids'));
    this.batchRandom = ports.random.fork('batches');
    this.emitter = new Emitter(ports.bus, ports.clock, o.publishRetry);
    this.limiter = o.rateLimit ? new RateLimiter(o.rateLimit) : undefined;
    this.book = new TrackingBook<S['PelicanEvent']>(ports.clock, o.push, this.labels, (event) => this.payloadOf(event), (event) => this.enqueue(event.payload), 'text');

    const doc = loadOpenApi('carrier-pelican') as unknown as OpenApiDocument;
    this.requestLog = new RequestLog(o.requestLog);
    this.handler = createSimulatorHandler<operations>('carrier-pelican', doc, this.operations(), {
      clock: ports.clock,
      random: ports.random.fork('service-time'),
      serviceTime: o.serviceTime,
      problemTypeBase: PROBLEM_BASE,
      problemSlugs: SLUGS,
      before: (entry, request) => this.throttle(entry, request),
      client: clientOf,
      reference: (_entry, request) => /\/api\/(?:labels|tracking)\/([^/?]+)/.exec(request.path)?.[1],
      onAnswered: this.requestLog.sink(),
    });
  }

  truth(): CarrierTruth {
    return carrierTruth('carrier-pelican', this.clock.now(), this.labels, this.book, { messages: this.messages, throttled: this.throttled, requests: this.requestLog.records });
  }

  /** Pushes what is queued now instead of at the next batch interval. */
  flush(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    while (this.outbox.length > 0) {
      const events = this.outbox.splice(0, this.options.maxBatchSize);
      // Events within a batch are in no particular order.
      for (let i = events.length - 1; i > 0; i--) {
        const j = this.batchRandom.int(0, i);
        [events[i], events[j]] = [events[j]!, events[i]!];
      }
      const batch: S['TrackingBatch'] = { batch_id: this.ids.lower('bat_', 16), sent_ms: Math.floor(this.clock.now()), events };
      if (this.options.messageLog) this.messages.push({ at: this.clock.now(), id: batch.batch_id, eventIds: events.map((e) => e.event_uid) });
      this.emitter.emit({
        id: batch.batch_id,
        channel: 'carrier.tracking',
        key: batch.batch_id,
        headers: { source: this.system, 'content-type': 'application/json', 'x-pelican-batch': batch.batch_id },
        body: JSON.stringify(batch),
      });
    }
    for (const event of this.deferred.splice(0)) this.enqueue(event);
  }

  private enqueue(event: S['PelicanEvent']): void {
    if (this.outbox.some((e) => e.event_uid === event.event_uid)) {
      this.deferred.push(event);
      return;
    }
    this.outbox.push(event);
    if (this.outbox.length >= this.options.maxBatchSize) this.flush();
    else this.flushTimer ??= this.clock.setTimer(this.options.batchIntervalMs, () => this.flush());
  }

  private operations(): OperationHandlers<operations> {
    return {
      getRateQuotes: async ({ body }) => {
        const heavy = body.packages.findIndex((p) => p.kind === 'parcel' && p.weight_g > MAX_PARCEL_G);
        if (heavy !== -1) return this.tooHeavy(heavy, body.packages[heavy]!.weight_g);
        const kinds = new Set(body.packages.map((p) => p.kind));
        const kg = body.packages.reduce((n, p) => n + p.weight_g, 0) / 1000;
        const rate_quotes: S['RateQuote'][] =
          kinds.size !== 1
            ? []
            : (Object.entries(LEVELS) as Array<[S['ServiceLevel'], (typeof LEVELS)[S['ServiceLevel']]]>)
                .filter(([, l]) => kinds.has(l.kind))
                .map(([service_level, l]) => ({ service_level, charge: { value: formatCents(BigInt(l.baseCents + Math.round(l.perKgCents * kg))), currency_code: 'EUR' }, est_days: l.days }));
        return json(200, { rate_quotes } satisfies S['RateQuoteResponse']);
      },
      createLabel: async ({ body }) => this.createLabel(body),
      tenderParcel: async ({ params }) => this.tender(params.path.label_id),
      getTracking: async ({ params }) => {
        const events = this.book.eventsOf(params.path.tracking_code);
        if (events.length === 0) return this.problem(404, 'not-found', 'Tracking code not found', `No shipment with tracking code ${params.path.tracking_code}.`);
        return json(200, { tracking_code: params.path.tracking_code, events: events.map((e) => e.payload) } satisfies S['Tracking']);
      },
    };
  }

  private createLabel(body: S['LabelRequest']): HttpResponse {
    const heavy = body.packages.findIndex((p) => p.kind === 'parcel' && p.weight_g > MAX_PARCEL_G);
    if (heavy !== -1) return this.tooHeavy(heavy, body.packages[heavy]!.weight_g);
    const level = LEVELS[body.service_level];
    const wrong = body.packages.findIndex((p) => p.kind !== level.kind);
    if (wrong !== -1) {
      return this.problem(422, 'validation', 'Service level does not fit the packages', `${body.service_level} carries ${level.kind}s only; package ${wrong + 1} is a ${body.packages[wrong]!.kind}.`, [
        { pointer: `/packages/${wrong}/kind`, message: `must be ${level.kind} for ${body.service_level}` },
      ]);
    }
    const now = Math.floor(this.clock.now());
    const label_id = this.ids.lower('lbl_', 16);
    const tracking_code = this.ids.upper('PLC-', 12);
    const index = this.labels.add({ trackingNumber: tracking_code, labelId: label_id, reference: body.client_reference, service: body.service_level, createdAt: now }, [body.ship_from.city, body.ship_to.city]);
    this.labelIndex.set(label_id, index);
    const uid = this.ids.lower('pev_', 16);
    this.book.add(index, [{ eventId: uid, status: 'LC', occurredAt: now, kind: 'label_created', hub: -1 }], this.random.fork(`push/${tracking_code}/label`));
    const zpl = `^XA^FO40,40^A0N,36,36^FDPelican Freight ${body.service_level}^FS^FO40,100^BCN,120,Y,N,N^FD${tracking_code}^FS^FO40,260^A0N,28,28^FD${body.ship_to.contact_name.replace(/[\^~]/g, ' ')}^FS^XZ`;
    return json(201, { label_id, tracking_code, label_format: 'ZPL', label_data: zpl, created_ms: now } satisfies S['Label']);
  }

  private tender(labelId: string): HttpResponse {
    const index = this.labelIndex.get(labelId);
    if (index === undefined) return this.problem(404, 'not-found', 'Label not found', `No label ${labelId}.`);
    const handedOverAt = this.labels.handedOverAt(index);
    if (handedOverAt !== undefined) return this.problem(409, 'already-tendered', 'Already tendered', `Label ${labelId} was tendered at ${handedOverAt} ms.`);
    const now = Math.floor(this.clock.now());
    this.labels.handOver(index, now);
    const trackingCode = this.labels.trackingNumberOf(index);
    const random = this.random.fork(`journey/${trackingCode}`);
    const events = planJourney(now, random, this.options.transit).map((m) => ({ eventId: this.ids.lower('pev_', 16), status: PELICAN_CODE[m.kind], occurredAt: m.at, kind: m.kind, hub: 'hub' in m ? m.hub : -1 }));
    this.book.add(index, events, random.fork('push'));
    return json(200, { label_id: labelId, tracking_code: trackingCode, state: 'tendered' } satisfies S['TenderResponse']);
  }

  /** An event's `PelicanEvent` payload, from its record and its label's addresses. */
  private payloadOf(e: EventView): S['PelicanEvent'] {
    const fromCity = this.labels.place(e.shipment, FROM_CITY);
    const hubs = this.options.hubs;
    const facility =
      e.kind === 'label_created' ? fromCity : e.hub >= 0 ? (hubs[e.hub % hubs.length] ?? 'Hub').slice(0, 64) : e.kind === 'picked_up' ? fromCity.slice(0, 64) : `${this.labels.place(e.shipment, TO_CITY)} depot`.slice(0, 64);
    return { event_uid: e.eventId, tracking_code: e.trackingNumber, code: e.status as S['PelicanEvent']['code'], ts_ms: e.occurredAt, facility };
  }

  private throttle(entry: OperationEntry, request: HttpRequest): HttpResponse | undefined {
    if (!this.limiter) return undefined;
    const client = clientOf(request);
    const now = this.clock.now();
    const taken = this.limiter.take(client, now);
    if (taken.ok) return undefined;
    const retryAfter = httpDate(now + taken.retryAfterMs);
    this.throttled.push({ at: now, client, operationId: entry.operationId, retryAfter });
    return this.problem(429, 'rate-limited', 'Rate limit exceeded', `API key exceeded ${Math.round(this.limiter.options.refillPerSecond * 60)} requests per minute; do not call again before ${retryAfter}.`, undefined, { 'retry-after': retryAfter });
  }

  private tooHeavy(index: number, grams: number): HttpResponse {
    return this.problem(422, 'validation', 'Parcel too heavy', `Package ${index + 1} weighs ${grams} g; Pelican carries parcels up to ${MAX_PARCEL_G} g.`, [{ pointer: `/packages/${index}/weight_g`, message: `must be <= ${MAX_PARCEL_G} for a parcel` }]);
  }

  private problem(status: number, slug: string, title: string, detail: string, errors?: FieldProblem[], headers?: Record<string, string>): HttpResponse {
    return problem(status, title, detail, { type: PROBLEM_BASE + slug, ...(errors ? { errors } : {}), ...(headers ? { headers } : {}) });
  }
}

/** The API key a request is counted against. */
function clientOf(request: HttpRequest): string {
  return request.headers['x-api-key'] ?? 'anonymous';
}
