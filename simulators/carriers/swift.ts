import type { components, operations } from '../../contracts/generated/openapi/carrier-swift.ts';
import { loadOpenApi } from '../../contracts/load.ts';
import type { OperationHandlers } from '../../runtime/http/contract-handler.ts';
import type { OpenApiDocument, OperationEntry } from '../../runtime/http/openapi-document.ts';
import { json, problem, type FieldProblem } from '../../runtime/http/problem.ts';
import type { Bus, Clock, HttpHandler, HttpRequest, HttpResponse, Random, Transport } from '../../runtime/ports.ts';
import { DEFAULT_SWIFT_WEBHOOK_SECRET } from '../shared/defaults.ts';
import { DEFAULT_PUBLISH_RETRY, Emitter, type PublishRetryOptions } from '../shared/emit.ts';
import { swiftSignature } from '../shared/event-sinks.ts';
import { IdGenerator } from '../shared/ids.ts';
import { formatCents } from '../shared/money.ts';
import { RateLimiter, retryAfterSeconds, type TokenBucketOptions } from '../shared/rate-limit.ts';
import { createSimulatorHandler, RequestLog, type RequestRecord, type ServiceTimeOptions } from '../shared/service.ts';
import { iso } from '../shared/time.ts';
import { CountingNumbers, LabelBook } from './labels.ts';
import { planJourney, PUSH_DEFAULTS, TrackingBook, TRANSIT_DEFAULTS, type EventView, type PushQuirks, type TrackedEvent, type TransitOptions } from './tracking.ts';

type S = components['schemas'];
export type SwiftOperationId = keyof operations & string;

export interface SwiftOptions {
  /**
   * Token buckets per API key (the bearer token): `rates` for `/v2/rates`, `shipments` for every
   * `/v2/shipments…` operation together. Defaults: 20 and 10 requests per second with a one-second
   * burst, as the contract says. `null` turns a limit off.
   */
  rateLimits: { rates: TokenBucketOptions | null; shipments: TokenBucketOptions | null };
  /** The parcel's journey after handover. */
  transit: TransitOptions;
  /** How tracking events reach the subscriber (one webhook per event): delays, duplicates, out-of-order. */
  push: PushQuirks;
  /** Hub cities named in `IN_TRANSIT` events, in route order (cycled when there are more hubs). */
  hubCities: readonly string[];
  /** First tracking number (`SW` + 10 digits, counting up). Default 4821900001. */
  firstTrackingNumber: number;
  /** Secret the webhook bodies are signed with (`X-Swift-Signature`). */
  webhookSecret: string;
  /** Service time per operation, ms. Default lognormal, median 100 ms, sigma 0.4. */
  serviceTime: ServiceTimeOptions<SwiftOperationId>;
  /** How many of the latest requests `truth().requests` keeps: `Infinity` (default) all, `0` none. */
  requestLog: number;
  /** Whether `truth().messages` lists every push (default true). */
  messageLog: boolean;
  publishRetry: PublishRetryOptions;
}

export interface CarrierPorts {
  clock: Clock;
  /** The carrier's own stream (`random.fork('carrier-swift')`). */
  random: Random;
  transport?: Transport;
  /** Channel `carrier.tracking`. */
  bus?: Bus;
}

export interface LabelTruth {
  trackingNumber: string;
  /** SwiftShip `shipmentId` / Pelican `label_id`. */
  labelId: string;
  reference: string;
  service: string;
  createdAt: number;
  handedOverAt?: number;
}

export interface CarrierTruth {
  carrier: 'carrier-swift' | 'carrier-pelican';
  labels: readonly LabelTruth[];
  /** Every tracking event that has happened by the time `truth()` was called, each with every push of it. */
  events: Array<TrackedEvent<unknown>>;
  /** Bus messages pushed (SwiftShip: one per event push; Pelican: one per batch). */
  messages: ReadonlyArray<{ at: number; id: string; eventIds: string[] }>;
  /** Requests refused by the rate limit. */
  throttled: ReadonlyArray<{ at: number; client: string; operationId: string; retryAfter: string }>;
  requests: readonly RequestRecord[];
}

/**
 * A carrier's truth at `now`. Labels and events are built when read: a caller may keep the truth
 * long (the checkers do, to a run's end).
 */
export function carrierTruth<P>(
  carrier: CarrierTruth['carrier'],
  now: number,
  labels: LabelBook,
  book: TrackingBook<P>,
  logs: Pick<CarrierTruth, 'messages' | 'throttled' | 'requests'>,
): CarrierTruth {
  return {
    carrier,
    get labels() {
      return labels.all();
    },
    get events() {
      return book.happened(now);
    },
    ...logs,
  };
}

const PROBLEM_BASE = 'https://developer.swiftship.test/problems/';
const locationOf = (city: string, countryCode: string): S['Location'] => ({ city: city.slice(0, 50), countryCode });
const SWIFT_STATUS = { picked_up: 'PICKED_UP', hub_arrival: 'IN_TRANSIT', hub_departure: 'IN_TRANSIT', out_for_delivery: 'OUT_FOR_DELIVERY', failed_attempt: 'EXCEPTION', delivered: 'DELIVERED' } as const;
const SLUGS = { 'invalid-request': 'validation', 'malformed-json': 'validation', 'unsupported-media-type': 'validation', 'payload-too-large': 'validation' };

/** Price per service: base + per kg (cents), working days. Matches the contract's example (3.2 kg → 18.90 / 7.45 / 5.20). */
const SERVICES: Record<S['ServiceCode'], { baseCents: number; perKgCents: number; days: number; domesticOnly: boolean }> = {
  EXPRESS: { baseCents: 1570, perKgCents: 100, days: 1, domesticOnly: false },
  STANDARD: { baseCents: 585, perKgCents: 50, days: 2, domesticOnly: false },
  ECONOMY: { baseCents: 424, perKgCents: 30, days: 4, domesticOnly: true },
};

export const SWIFT_DEFAULTS: SwiftOptions = {
  rateLimits: { rates: { capacity: 20, refillPerSecond: 20 }, shipments: { capacity: 10, refillPerSecond: 10 } },
  transit: TRANSIT_DEFAULTS,
  push: PUSH_DEFAULTS,
  hubCities: ['Kassel', 'Hannover', 'Nürnberg'],
  firstTrackingNumber: 4821900001,
  webhookSecret: DEFAULT_SWIFT_WEBHOOK_SECRET,
  serviceTime: { default: { distribution: 'lognormal', median: 100, sigma: 0.4 } },
  requestLog: Number.POSITIVE_INFINITY,
  messageLog: true,
  publishRetry: DEFAULT_PUBLISH_RETRY,
};

/** A tiny valid PDF, the label every SwiftShip shipment gets. */
const LABEL_PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n').toString('base64');

/** The address parts a shipment's event payloads name, in `LabelBook` place order. */
const FROM_CITY = 0;
const FROM_COUNTRY = 1;
const TO_CITY = 2;
const TO_COUNTRY = 3;
const TO_NAME = 4;
const placesOf = (from: S['Address'], to: S['Address']): string[] => [from.city, from.countryCode, to.city, to.countryCode, to.name];

/**
 * SwiftShip Express (`carrier-swift.yaml`): rates, labels (not idempotent), handover, tracking
 * lookup, per-key token-bucket rate limits (429 with `Retry-After` in seconds), and one signed
 * `trackingEvent` webhook per event on `carrier.tracking`, with duplicates and out-of-order pushes
 * at the configured rates.
 */
export class SwiftSimulator {
  readonly handler: HttpHandler;
  readonly options: SwiftOptions;
  readonly system = 'carrier-swift';

  private readonly clock: Clock;
  private readonly random: Random;
  private readonly ids: IdGenerator;
  private readonly emitter: Emitter;
  private readonly book: TrackingBook<S['TrackingEvent']>;
  private readonly limits: { rates?: RateLimiter; shipments?: RateLimiter };
  private readonly trackingNumbers: CountingNumbers;
  /** The shipments, by index. */
  private readonly labels: LabelBook;
  private readonly messages: Array<{ at: number; id: string; eventIds: string[] }> = [];
  private readonly throttled: Array<{ at: number; client: string; operationId: string; retryAfter: string }> = [];
  private readonly requestLog: RequestLog;

  constructor(ports: CarrierPorts, options: Partial<SwiftOptions> = {}) {
    this.options = { ...SWIFT_DEFAULTS, ...options };
    const o = this.options;
    this.clock = ports.clock;
    this.random = ports.random;
    this.ids = new IdGenerator(ports.random.fork('ids'));
    this.emitter = new Emitter(ports.bus, ports.clock, o.publishRetry);
    this.trackingNumbers = new CountingNumbers('SW', o.firstTrackingNumber, 10);
    this.labels = new LabelBook(this.trackingNumbers, 5);
    this.limits = {
      ...(o.rateLimits.rates ? { rates: new RateLimiter(o.rateLimits.rates) } : {}),
      ...(o.rateLimits.shipments ? { shipments: new RateLimiter(o.rateLimits.shipments) } : {}),
    };
    this.book = new TrackingBook<S['TrackingEvent']>(ports.clock, o.push, this.labels, (event) => this.payloadOf(event), (event, push) => {
      const body = JSON.stringify(event.payload);
      if (o.messageLog) this.messages.push({ at: push.at, id: event.eventId, eventIds: [event.eventId] });
      this.emitter.emit({
        id: event.eventId,
        channel: 'carrier.tracking',
        key: event.trackingNumber,
        headers: { source: this.system, 'content-type': 'application/json', 'x-swift-signature': swiftSignature(o.webhookSecret, body) },
        body,
      });
    }, 'uuid');

    const doc = loadOpenApi('carrier-swift') as unknown as OpenApiDocument;
    this.requestLog = new RequestLog(o.requestLog);
    this.handler = createSimulatorHandler<operations>('carrier-swift', doc, this.operations(), {
      clock: ports.clock,
      random: ports.random.fork('service-time'),
      serviceTime: o.serviceTime,
      problemTypeBase: PROBLEM_BASE,
      problemSlugs: SLUGS,
      before: (entry, request) => this.throttle(entry, request),
      client: clientOf,
      reference: (_entry, request) => /\/v2\/shipments\/([^/?]+)/.exec(request.path)?.[1],
      onAnswered: this.requestLog.sink(),
    });
  }

  truth(): CarrierTruth {
    return carrierTruth('carrier-swift', this.clock.now(), this.labels, this.book, { messages: this.messages, throttled: this.throttled, requests: this.requestLog.records });
  }

  private operations(): OperationHandlers<operations> {
    return {
      getRates: async ({ body }) => {
        const kg = body.parcels.reduce((n, p) => n + p.weightKg, 0);
        const domestic = body.origin.countryCode === body.destination.countryCode;
        const quotes: S['RateQuote'][] = (Object.entries(SERVICES) as Array<[S['ServiceCode'], (typeof SERVICES)[S['ServiceCode']]]>)
          .filter(([, s]) => domestic || !s.domesticOnly)
          .map(([serviceCode, s]) => ({ serviceCode, amount: { amount: formatCents(BigInt(s.baseCents + Math.round(s.perKgCents * kg))), currency: 'EUR' }, transitDays: s.days + (domestic ? 0 : 1) }));
        return json(200, { quotes } satisfies S['RateResponse']);
      },
      createShipment: async ({ body }) => this.createShipment(body),
      getShipment: async ({ params }) => {
        const events = this.book.eventsOf(params.path.trackingNumber);
        if (events.length === 0) return this.notFound(params.path.trackingNumber);
        return json(200, { trackingNumber: params.path.trackingNumber, status: events.at(-1)!.status as S['ShipmentStatus'], events: events.map((e) => e.payload) } satisfies S['ShipmentTracking']);
      },
      confirmHandover: async ({ params, body }) => this.handover(params.path.trackingNumber, body),
    };
  }

  private createShipment(body: S['ShipmentRequest']): HttpResponse {
    const service = SERVICES[body.serviceCode];
    if (service.domesticOnly && body.shipFrom.countryCode !== body.shipTo.countryCode) {
      return this.problem(422, 'validation', 'Service does not serve the route', `${body.serviceCode} only ships within one country; ${body.shipFrom.countryCode} → ${body.shipTo.countryCode}.`, [
        { pointer: '/serviceCode', message: 'does not serve this route' },
      ]);
    }
    const now = this.clock.now();
    const trackingNumber = this.trackingNumbers.next();
    const shipmentId = this.ids.lower('shp_', 16);
    const shipment = this.labels.add({ trackingNumber, labelId: shipmentId, reference: body.reference, service: body.serviceCode, createdAt: now }, placesOf(body.shipFrom, body.shipTo));
    const eventId = this.ids.uuid();
    this.book.add(shipment, [{ eventId, status: 'LABEL_CREATED', occurredAt: now, kind: 'label_created', hub: -1 }], this.random.fork(`push/${trackingNumber}/label`));
    return json(201, { shipmentId, trackingNumber, serviceCode: body.serviceCode, labelFormat: 'PDF', labelData: LABEL_PDF, createdAt: iso(now) } satisfies S['Shipment']);
  }

  private handover(trackingNumber: string, _body: S['HandoverRequest']): HttpResponse {
    const shipment = this.labels.indexOf(trackingNumber);
    if (shipment === undefined) return this.notFound(trackingNumber);
    const handedOverAt = this.labels.handedOverAt(shipment);
    if (handedOverAt !== undefined) {
      return this.problem(409, 'already-handed-over', 'Already handed over', `Shipment ${trackingNumber} was handed over at ${iso(handedOverAt)}.`);
    }
    const now = this.clock.now();
    this.labels.handOver(shipment, now);
    const random = this.random.fork(`journey/${trackingNumber}`);
    const events = planJourney(now, random, this.options.transit)
      .filter((m) => m.kind !== 'hub_departure') // SwiftShip scans a parcel once per hub
      .map((m) => ({ eventId: this.ids.uuid(), status: SWIFT_STATUS[m.kind], occurredAt: m.at, kind: m.kind, hub: 'hub' in m ? m.hub : -1 }));
    this.book.add(shipment, events, random.fork('push'));
    return json(200, { trackingNumber, status: 'PICKED_UP' } satisfies S['HandoverResponse']);
  }

  /** An event's `TrackingEvent` payload, from its record and its shipment's addresses. */
  private payloadOf(e: EventView): S['TrackingEvent'] {
    const { eventId, trackingNumber } = e;
    const occurredAt = iso(e.occurredAt);
    if (e.kind === 'label_created') return { eventId, trackingNumber, status: 'LABEL_CREATED', occurredAt };
    const place = (k: number) => this.labels.place(e.shipment, k);
    // Literals, not `{ ...base, status }`: V8 gives every object built by a leading spread plus
    // more properties a hidden class of its own (slow to build, megamorphic to read).
    switch (e.kind) {
      case 'picked_up':
        return { eventId, trackingNumber, occurredAt, status: 'PICKED_UP', location: locationOf(place(FROM_CITY), place(FROM_COUNTRY)) };
      case 'hub_arrival':
      case 'hub_departure': {
        const hubCities = this.options.hubCities;
        return { eventId, trackingNumber, occurredAt, status: 'IN_TRANSIT', location: { city: hubCities[e.hub % hubCities.length] ?? 'Hub', countryCode: place(FROM_COUNTRY) } };
      }
      case 'out_for_delivery':
        return { eventId, trackingNumber, occurredAt, status: 'OUT_FOR_DELIVERY', location: locationOf(place(TO_CITY), place(TO_COUNTRY)) };
      case 'failed_attempt':
        return { eventId, trackingNumber, occurredAt, status: 'EXCEPTION', location: locationOf(place(TO_CITY), place(TO_COUNTRY)), detail: 'Recipient not available; second attempt on the next working day.' };
      case 'delivered':
        return { eventId, trackingNumber, occurredAt, status: 'DELIVERED', location: locationOf(place(TO_CITY), place(TO_COUNTRY)), detail: `Signed by: ${place(TO_NAME).slice(0, 80)}` };
    }
  }

  private throttle(entry: OperationEntry, request: HttpRequest): HttpResponse | undefined {
    const limiter = entry.operationId === 'getRates' ? this.limits.rates : this.limits.shipments;
    if (!limiter) return undefined;
    const client = clientOf(request);
    const taken = limiter.take(client, this.clock.now());
    if (taken.ok) return undefined;
    const retryAfter = retryAfterSeconds(taken.retryAfterMs);
    this.throttled.push({ at: this.clock.now(), client, operationId: entry.operationId, retryAfter });
    const { capacity, refillPerSecond } = limiter.options;
    return this.problem(429, 'rate-limited', 'Too many requests', `API key exceeded ${refillPerSecond} requests per second (burst ${capacity}) on ${entry.pathTemplate.startsWith('/v2/rates') ? '/v2/rates' : '/v2/shipments'}.`, undefined, { 'retry-after': retryAfter });
  }

  private notFound(trackingNumber: string): HttpResponse {
    return this.problem(404, 'not-found', 'Shipment not found', `No shipment with tracking number ${trackingNumber}.`);
  }

  private problem(status: number, slug: string, title: string, detail: string, errors?: FieldProblem[], headers?: Record<string, string>): HttpResponse {
    return problem(status, title, detail, { type: PROBLEM_BASE + slug, ...(errors ? { errors } : {}), ...(headers ? { headers } : {}) });
  }
}

/** The API key a request is counted against: its bearer token. */
function clientOf(request: HttpRequest): string {
  return /^Bearer\s+(\S+)/i.exec(request.headers.authorization ?? '')?.[1] ?? 'anonymous';
}
