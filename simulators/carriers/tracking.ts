import { sample, type Distribution } from '../../runtime/random/distributions.ts';
import { appended } from '../../runtime/append.ts';
import type { Clock, Random } from '../../runtime/ports.ts';

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

/** Builds an event's payload in the carrier's format from its record. */
export type RenderPayload<P> = (event: Readonly<EventRecord> & { readonly trackingNumber: string }) => P;

/**
 * One tracking event as the carrier recorded it, and every time it was pushed. The payload is not
 * kept: the carrier builds it when the event is pushed or read (a 100,000-order day holds 600,000
 * events, and their payloads were a third of their memory).
 */
export class TrackedEvent<P> {
  pushes: Array<{ at: number; duplicate: boolean; outOfOrder: boolean; messageId?: string }> = [];
  readonly eventId: string;
  readonly status: string;
  readonly occurredAt: number;
  readonly kind: EventKind;
  readonly hub: number;

  constructor(
    record: EventRecord,
    readonly trackingNumber: string,
    private readonly render: RenderPayload<P>,
  ) {
    this.eventId = record.eventId;
    this.status = record.status;
    this.occurredAt = record.occurredAt;
    this.kind = record.kind;
    this.hub = record.hub;
  }

  /** The carrier's payload of this event (built anew on every read). */
  get payload(): P {
    return this.render(this);
  }

  toJSON(): unknown {
    return { eventId: this.eventId, status: this.status, occurredAt: this.occurredAt, payload: this.payload, trackingNumber: this.trackingNumber, pushes: this.pushes };
  }
}

interface PlannedPush<P> {
  at: number;
  event: TrackedEvent<P>;
  duplicate: boolean;
  outOfOrder: boolean;
}

/**
 * The carrier's tracking records and their pushes. Each shipment's pushes run on one timer chain
 * (only the next push is scheduled), so a million planned events cost no more than their count.
 */
export class TrackingBook<P> {
  private readonly byNumber = new Map<string, TrackedEvent<P>[]>();
  private readonly all: TrackedEvent<P>[] = [];

  /** `render` builds an event's payload from its record (the carrier's format). */
  constructor(
    private readonly clock: Clock,
    private readonly quirks: PushQuirks,
    private readonly render: RenderPayload<P>,
    private readonly deliver: (event: TrackedEvent<P>, push: TrackedEvent<P>['pushes'][number]) => void,
  ) {}

  /** Records events (in any order) and schedules their pushes, drawing quirks from `random`. */
  add(trackingNumber: string, events: EventRecord[], random: Random): void {
    const tracked = events.map((e) => new TrackedEvent<P>(e, trackingNumber, this.render));
    // concat allocates what the list holds (a list grown by push keeps room for 16 more).
    const list = (this.byNumber.get(trackingNumber) ?? []).concat(tracked);
    list.sort((a, b) => a.occurredAt - b.occurredAt);
    this.byNumber.set(trackingNumber, list);
    this.all.push(...tracked);
    this.run(this.plan(tracked, random));
  }

  /** Events of a shipment that have happened by now, oldest first. */
  eventsOf(trackingNumber: string): TrackedEvent<P>[] {
    const now = this.clock.now();
    return (this.byNumber.get(trackingNumber) ?? []).filter((e) => e.occurredAt <= now);
  }

  has(trackingNumber: string): boolean {
    return this.byNumber.has(trackingNumber);
  }

  /** Every event that has happened by now, in recording order. */
  happened(): TrackedEvent<P>[] {
    const now = this.clock.now();
    return this.all.filter((e) => e.occurredAt <= now);
  }

  private plan(events: TrackedEvent<P>[], random: Random): PlannedPush<P>[] {
    const q = this.quirks;
    const sorted = [...events].sort((a, b) => a.occurredAt - b.occurredAt);
    const at = sorted.map((e) => e.occurredAt + sample(random, q.pushDelay));
    const held = sorted.map(() => false);
    for (let i = sorted.length - 2; i >= 0; i--) {
      if (random.next() < q.outOfOrderProbability) {
        at[i] = Math.max(at[i]!, at[i + 1]! + sample(random, q.reorderLag));
        held[i] = true;
      }
    }
    const pushes: PlannedPush<P>[] = [];
    sorted.forEach((event, i) => {
      pushes.push({ at: Math.round(at[i]!), event, duplicate: false, outOfOrder: held[i]! });
      if (random.next() < q.duplicateProbability) pushes.push({ at: Math.round(at[i]! + sample(random, q.duplicateDelay)), event, duplicate: true, outOfOrder: false });
    });
    return pushes.sort((a, b) => a.at - b.at);
  }

  private run(pushes: PlannedPush<P>[], index = 0): void {
    const next = pushes[index];
    if (!next) return;
    this.clock.setTimer(Math.max(0, Math.ceil(next.at - this.clock.now())), () => {
      const push = { at: this.clock.now(), duplicate: next.duplicate, outOfOrder: next.outOfOrder };
      next.event.pushes = appended(next.event.pushes, push);
      this.deliver(next.event, push);
      this.run(pushes, index + 1);
    });
  }
}
