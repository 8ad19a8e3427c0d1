import { sample, type Distribution } from '../../runtime/random/distributions.ts';
import type { Clock, Random } from '../../runtime/ports.ts';
import { NumberColumn, TextColumn, UuidColumn } from '../../runtime/columns.ts';

/**
 * What both carriers share: a parcel's journey over virtual time after handover, and the way its
 * tracking events reach the subscriber, with the quirks real carriers have (late pushes, the same
 * event twice, an event overtaken by a later one). Each carrier builds its own payloads and
 * vocabulary on top (SwiftShip statuses, Pelican codes).
 */

/** The journey after the driver collects the parcel (all durations in ms). */
export interface TransitOptions {
  /** Hubs the parcel passes on the way. Default 2. */
  hubs: number;
  /** Pickup → first hub. Default lognormal, median 3 h. */
  toFirstHub: Distribution;
  /** Departure from one hub → arrival at the next. Default lognormal, median 5 h. */
  betweenHubs: Distribution;
  /** Arrival → departure at a hub. Default lognormal, median 1 h. */
  hubDwell: Distribution;
  /** Departure from the last hub → out for delivery. Default lognormal, median 8 h. */
  toOutForDelivery: Distribution;
  /** Out for delivery → delivered (or the failed attempt). Default lognormal, median 3 h. */
  toDelivered: Distribution;
  /** Probability that a delivery attempt fails (an exception event); the parcel goes out again after `redeliveryDelay`. Default 0.03. */
  failedAttemptProbability: number;
  /** Failed attempt → out for delivery again. Default fixed 20 h. */
  redeliveryDelay: Distribution;
}

/** How tracking events reach the subscriber. */
export interface PushQuirks {
  /** Event → its push, ms. Default uniform 1–30 s. */
  pushDelay: Distribution;
  /** Probability an event is pushed a second time (same event id). Default 0.02. */
  duplicateProbability: number;
  /** First push → the duplicate, ms. Default uniform 1 s–10 min. */
  duplicateDelay: Distribution;
  /** Probability an event's push is held back until after the next event's push (out of order). Default 0.02. */
  outOfOrderProbability: number;
  /** How long after the overtaking push the held-back one goes, ms. Default uniform 1 s–5 min. */
  reorderLag: Distribution;
}

export const TRANSIT_DEFAULTS: TransitOptions = {
  hubs: 2,
  toFirstHub: { distribution: 'lognormal', median: 3 * 3_600_000, sigma: 0.3 },
  betweenHubs: { distribution: 'lognormal', median: 5 * 3_600_000, sigma: 0.3 },
  hubDwell: { distribution: 'lognormal', median: 3_600_000, sigma: 0.3 },
  toOutForDelivery: { distribution: 'lognormal', median: 8 * 3_600_000, sigma: 0.3 },
  toDelivered: { distribution: 'lognormal', median: 3 * 3_600_000, sigma: 0.4 },
  failedAttemptProbability: 0.03,
  redeliveryDelay: { distribution: 'fixed', ms: 20 * 3_600_000 },
};

export const PUSH_DEFAULTS: PushQuirks = {
  pushDelay: { distribution: 'uniform', min: 1000, max: 30_000 },
  duplicateProbability: 0.02,
  duplicateDelay: { distribution: 'uniform', min: 1000, max: 600_000 },
  outOfOrderProbability: 0.02,
  reorderLag: { distribution: 'uniform', min: 1000, max: 300_000 },
};

/** A milestone of the journey, in a carrier-neutral vocabulary. */
export type Milestone =
  | { kind: 'picked_up'; at: number }
  | { kind: 'hub_arrival'; at: number; hub: number }
  | { kind: 'hub_departure'; at: number; hub: number }
  | { kind: 'out_for_delivery'; at: number }
  | { kind: 'failed_attempt'; at: number }
  | { kind: 'delivered'; at: number };

/** Plans the journey from pickup at `start`; the caller maps milestones to its own events. */
export function planJourney(start: number, random: Random, o: TransitOptions): Milestone[] {
  const begin = Math.floor(start);
  const out: Milestone[] = [{ kind: 'picked_up', at: begin }];
  let t = begin;
  for (let hub = 0; hub < o.hubs; hub++) {
    t += sample(random, hub === 0 ? o.toFirstHub : o.betweenHubs);
    out.push({ kind: 'hub_arrival', at: Math.round(t), hub });
    t += sample(random, o.hubDwell);
    out.push({ kind: 'hub_departure', at: Math.round(t), hub });
  }
  t += sample(random, o.toOutForDelivery);
  for (let attempt = 0; ; attempt++) {
    out.push({ kind: 'out_for_delivery', at: Math.round(t) });
    t += sample(random, o.toDelivered);
    // At most two failed attempts: the third always succeeds.
    if (attempt < 2 && random.next() < o.failedAttemptProbability) {
      out.push({ kind: 'failed_attempt', at: Math.round(t) });
      t += sample(random, o.redeliveryDelay);
      continue;
    }
    out.push({ kind: 'delivered', at: Math.round(t) });
    return out;
  }
}

/** What happened to the parcel: a milestone of its journey, or its label being created. */
export type EventKind = Milestone['kind'] | 'label_created';

/** What a carrier records of one event; its payload is built from this when it is pushed or read. */
export interface EventRecord {
  eventId: string;
  /** The carrier's own status or code (`DELIVERED`, `DL`). */
  status: string;
  occurredAt: number;
  kind: EventKind;
  /** The hub of a hub milestone, else -1. */
  hub: number;
}

/** One push of an event to the subscriber. */
export interface Push {
  at: number;
  duplicate: boolean;
  outOfOrder: boolean;
}

/** An event as its payload is built from: its record, its parcel's tracking number and the carrier's index of that parcel. */
export type EventView = Readonly<EventRecord> & { readonly trackingNumber: string; readonly shipment: number };

/** Builds an event's payload in the carrier's format from its record. */
export type RenderPayload<P> = (event: EventView) => P;

/**
 * One tracking event as the carrier recorded it, and every time it was pushed: a view of one entry
 * of its `TrackingBook`, made when the event is pushed or read. A 100,000-order day holds 600,000
 * events: as an object each, with its pushes and id, they took 300 bytes apiece; as columns, 45.
 */
export class TrackedEvent<P> implements EventView {
  constructor(
    private readonly book: EventEntries<P>,
    private readonly index: number,
  ) {}

  get eventId(): string {
    return this.book.eventIdAt(this.index);
  }

  get status(): string {
    return this.book.typeAt(this.index).status;
  }

  get occurredAt(): number {
    return this.book.occurredAt(this.index);
  }

  get kind(): EventKind {
    return this.book.typeAt(this.index).kind;
  }

  get hub(): number {
    return this.book.typeAt(this.index).hub;
  }

  get trackingNumber(): string {
    return this.book.trackingNumberAt(this.index);
  }

  get shipment(): number {
    return this.book.shipmentAt(this.index);
  }

  /** Every push of the event so far, oldest first (a new list on every read). */
  get pushes(): Push[] {
    return this.book.pushesAt(this.index);
  }

  /** The carrier's payload of this event (built anew on every read). */
  get payload(): P {
    return this.book.payloadOf(this);
  }

  toJSON(): unknown {
    return { eventId: this.eventId, status: this.status, occurredAt: this.occurredAt, payload: this.payload, trackingNumber: this.trackingNumber, pushes: this.pushes };
  }
}

/** What a `TrackedEvent` reads its entry from (its book). */
interface EventEntries<P> {
  eventIdAt(index: number): string;
  typeAt(index: number): EventType;
  occurredAt(index: number): number;
  shipmentAt(index: number): number;
  trackingNumberAt(index: number): string;
  pushesAt(index: number): Push[];
  payloadOf(event: EventView): P;
}

interface PlannedPush {
  at: number;
  /** The event's index in the book. */
  event: number;
  duplicate: boolean;
  outOfOrder: boolean;
}

/** An event's kind, status and hub: few distinct ones in a run, kept once each. */
interface EventType {
  kind: EventKind;
  status: string;
  hub: number;
}

/** How the book finds a carrier's shipments: by tracking number, to an index the carrier keeps them by. */
export interface ShipmentIndex {
  indexOf(trackingNumber: string): number | undefined;
  trackingNumberOf(index: number): string;
}

/** How an event was pushed, as bits (0: not pushed yet). */
const PUSHED = 1;
const DUPLICATE = 2;
const OUT_OF_ORDER = 4;
const pushBits = (push: Push): number => PUSHED | (push.duplicate ? DUPLICATE : 0) | (push.outOfOrder ? OUT_OF_ORDER : 0);
const pushOf = (at: number, bits: number): Push => ({ at, duplicate: (bits & DUPLICATE) !== 0, outOfOrder: (bits & OUT_OF_ORDER) !== 0 });

/** No event: the end of a shipment's chain of events. */
const NONE = 0xffff_ffff;

/**
 * The carrier's tracking records and their pushes. Each shipment's pushes run on one timer chain
 * (only the next push is scheduled), so a million planned events cost no more than their count.
 *
 * Events are kept as columns, one entry per event in recording order (`TrackedEvent` is a view of
 * one), and each shipment's events as a chain through them, in recording order.
 */
export class TrackingBook<P> implements EventEntries<P> {
  private readonly eventIds: UuidColumn | TextColumn;
  private readonly shipmentOf = new NumberColumn('uint32');
  private readonly occurred = new NumberColumn('float64');
  private readonly typeOf = new NumberColumn('uint16');
  private readonly types: EventType[] = [];
  private readonly typeIndex = new Map<string, number>();
  /** The next event of the same shipment, or NONE. */
  private readonly nextOfShipment = new NumberColumn('uint32');
  /** When each event was first pushed, and how (bits); later pushes (a duplicate) are few: `[at, bits, …]` apart. */
  private readonly firstPushAt = new NumberColumn('float64');
  private readonly firstPush = new NumberColumn('uint8');
  private readonly laterPushes = new Map<number, number[]>();
  /** Per shipment (by the carrier's index): its first and last event, or NONE. */
  private readonly firstOfShipment = new NumberColumn('uint32');
  private readonly lastOfShipment = new NumberColumn('uint32');

  /**
   * `render` builds an event's payload from its record (the carrier's format); `ids` says how the
   * carrier's event ids look (`uuid`: kept in 16 bytes each).
   */
  constructor(
    private readonly clock: Clock,
    private readonly quirks: PushQuirks,
    private readonly shipments: ShipmentIndex,
    private readonly render: RenderPayload<P>,
    private readonly deliver: (event: TrackedEvent<P>, push: Push) => void,
    ids: 'uuid' | 'text',
  ) {
    this.eventIds = ids === 'uuid' ? new UuidColumn() : new TextColumn();
  }

  /**
   * Records events (in any order) of the shipment the carrier keeps at `shipment` (new ones in
   * the order of their indices) and schedules their pushes, drawing quirks from `random`.
   */
  add(shipment: number, events: EventRecord[], random: Random): void {
    if (shipment === this.firstOfShipment.length) {
      this.firstOfShipment.push(NONE);
      this.lastOfShipment.push(NONE);
    } else if (shipment > this.firstOfShipment.length) {
      throw new RangeError(`shipment ${shipment} added before shipment ${this.firstOfShipment.length}`);
    }
    const added = events.map((e) => this.record(shipment, e));
    this.run(this.plan(added, random));
  }

  /** Events of a shipment that have happened by now, oldest first. */
  eventsOf(trackingNumber: string): TrackedEvent<P>[] {
    const now = this.clock.now();
    const shipment = this.shipments.indexOf(trackingNumber);
    if (shipment === undefined || shipment >= this.firstOfShipment.length) return [];
    const happened: number[] = [];
    for (let i = this.firstOfShipment.at(shipment); i !== NONE; i = this.nextOfShipment.at(i)) if (this.occurred.at(i) <= now) happened.push(i);
    // A stable sort of recording order: events at the same instant stay in the order recorded.
    return happened.sort((a, b) => this.occurred.at(a) - this.occurred.at(b)).map((i) => new TrackedEvent(this, i));
  }

  /** Every event that has happened by `now`, in recording order. */
  happened(now = this.clock.now()): TrackedEvent<P>[] {
    const out: TrackedEvent<P>[] = [];
    for (let i = 0; i < this.occurred.length; i++) if (this.occurred.at(i) <= now) out.push(new TrackedEvent(this, i));
    return out;
  }

  eventIdAt(index: number): string {
    return this.eventIds.at(index);
  }

  typeAt(index: number): EventType {
    return this.types[this.typeOf.at(index)]!;
  }

  occurredAt(index: number): number {
    return this.occurred.at(index);
  }

  shipmentAt(index: number): number {
    return this.shipmentOf.at(index);
  }

  trackingNumberAt(index: number): string {
    return this.shipments.trackingNumberOf(this.shipmentOf.at(index));
  }

  pushesAt(index: number): Push[] {
    const bits = this.firstPush.at(index);
    if (bits === 0) return [];
    const pushes = [pushOf(this.firstPushAt.at(index), bits)];
    const later = this.laterPushes.get(index) ?? [];
    for (let k = 0; k < later.length; k += 2) pushes.push(pushOf(later[k]!, later[k + 1]!));
    return pushes;
  }

  payloadOf(event: EventView): P {
    return this.render(event);
  }

  /** Appends one event's entry to the columns and to its shipment's chain; returns its index. */
  private record(shipment: number, e: EventRecord): number {
    const index = this.occurred.push(e.occurredAt);
    this.eventIds.push(e.eventId);
    this.shipmentOf.push(shipment);
    this.typeOf.push(this.typeNumber(e));
    this.nextOfShipment.push(NONE);
    this.firstPushAt.push(0);
    this.firstPush.push(0);
    const last = this.lastOfShipment.at(shipment);
    if (last === NONE) this.firstOfShipment.set(shipment, index);
    else this.nextOfShipment.set(last, index);
    this.lastOfShipment.set(shipment, index);
    return index;
  }

  private typeNumber(e: EventRecord): number {
    const key = `${e.kind} ${e.status} ${e.hub}`;
    let n = this.typeIndex.get(key);
    if (n === undefined) {
      n = this.types.push({ kind: e.kind, status: e.status, hub: e.hub }) - 1;
      if (n > 0xffff) throw new RangeError('more than 65,536 kinds of event');
      this.typeIndex.set(key, n);
    }
    return n;
  }

  private recordPush(index: number, push: Push): void {
    if (this.firstPush.at(index) === 0) {
      this.firstPushAt.set(index, push.at);
      this.firstPush.set(index, pushBits(push));
    } else {
      this.laterPushes.set(index, (this.laterPushes.get(index) ?? []).concat([push.at, pushBits(push)]));
    }
  }

  private plan(events: number[], random: Random): PlannedPush[] {
    const q = this.quirks;
    const sorted = [...events].sort((a, b) => this.occurred.at(a) - this.occurred.at(b));
    const at = sorted.map((e) => this.occurred.at(e) + sample(random, q.pushDelay));
    const held = sorted.map(() => false);
    for (let i = sorted.length - 2; i >= 0; i--) {
      if (random.next() < q.outOfOrderProbability) {
        at[i] = Math.max(at[i]!, at[i + 1]! + sample(random, q.reorderLag));
        held[i] = true;
      }
    }
    const pushes: PlannedPush[] = [];
    sorted.forEach((event, i) => {
      pushes.push({ at: Math.round(at[i]!), event, duplicate: false, outOfOrder: held[i]! });
      if (random.next() < q.duplicateProbability) pushes.push({ at: Math.round(at[i]! + sample(random, q.duplicateDelay)), event, duplicate: true, outOfOrder: false });
    });
    return pushes.sort((a, b) => a.at - b.at);
  }

  private run(pushes: PlannedPush[], index = 0): void {
    const next = pushes[index];
    if (!next) return;
    this.clock.setTimer(Math.max(0, Math.ceil(next.at - this.clock.now())), () => {
      const push: Push = { at: this.clock.now(), duplicate: next.duplicate, outOfOrder: next.outOfOrder };
      this.recordPush(next.event, push);
      this.deliver(new TrackedEvent(this, next.event), push);
      this.run(pushes, index + 1);
    });
  }
}
