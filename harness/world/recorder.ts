import type { Bus, HttpResponse, Transport } from '../../runtime/ports.ts';
import type { WorkloadObserver, WorkloadOperation, WorkloadOutcome } from '../../simulators/storefront/index.ts';
import type { HistoryExcerpt } from '../invariants/checker.ts';
import { Latency } from '../metrics/latency.ts';
import { Vocabulary } from '../../runtime/columns.ts';
import { HistoryLog, type HistoryOp } from './history-log.ts';
import { PostingLog } from './postings.ts';
import { SeenStatusLog, type SeenStatus } from './seen-statuses.ts';
import { StockFactLog, type StockFact } from './stock-facts.ts';
import { StorefrontOrderLog, type Ack } from './storefront-orders.ts';

export type { StorefrontOrder } from './storefront-orders.ts';


/** A call the layer made to another system, when it answered with Retry-After. */
interface Gate {
  notBefore: number;
  setAt: number;
  status: number;
  retryAfter: string;
  operation: string;
}

export interface RetryAfterViolation {
  at: number;
  target: string;
  path: string;
  notBefore: number;
  gate: Gate;
}

const SHIPMENT_RANK: Record<string, number> = { label_created: 0, dispatched: 1, in_transit: 2, out_for_delivery: 3, delivered: 4 };
export const shipmentRank = (status: string): number => SHIPMENT_RANK[status] ?? -1;

/**
 * Everything the harness observes during a run, kept compact (a 100,000-order day must fit in
 * well under a GiB): the storefront's history, what the layer acknowledged, the calls the layer
 * made (checked online for Retry-After), the inbound messages the layer acknowledged, and the
 * shipment statuses channels saw.
 */
export class Recorder implements WorkloadObserver {
  readonly history = new HistoryLog();
  readonly orders: StorefrontOrderLog;
  readonly ackLatency = new Latency();
  /** Per interval (reset by the sampler). */
  readonly intervalAckLatency = new Latency();
  readonly stockFacts = new StockFactLog();
  readonly seenStatuses: SeenStatusLog;
  readonly retryAfterViolations: RetryAfterViolation[] = [];
  readonly callsBySystem = new Map<string, { calls: number; throttled: number; unavailable: number }>();
  /** ERP postings the layer attempted: after drain each must exist in the ERP or stand in the exception queue. */
  readonly postings: PostingLog;
  counters = { submitted: 0, clientRetries: 0, doubleSubmissions: 0, intervalSubmitted: 0, intervalAcked: 0 };
  private readonly gates = new Map<string, Gate>();
  /** SKUs, statuses and distribution centers, each kept once. */
  private readonly words = new Vocabulary();
  /** Order, shipment and posting ids, each kept once (every order's id comes back in many messages); the run's other logs share it. */
  readonly ids = new Vocabulary();
  /** Highest WMS sequence the layer has heard of per sku@DC (to keep only snapshot facts that teach something). */
  private readonly knownSequence = new Map<string, number>();

  /** `now`: ms since scenario start; `epoch`: the clock reading at scenario start (HTTP-dates are absolute). */
  constructor(
    private readonly now: () => number,
    private readonly epoch: number,
  ) {
    this.orders = new StorefrontOrderLog(this.words, this.ids);
    this.postings = new PostingLog(this.words, this.ids);
    this.seenStatuses = new SeenStatusLog(this.ids);
  }

  // ---- the storefront's history ----------------------------------------------------------

  onInvoke(op: WorkloadOperation): void {
    this.push(op, 'invoke');
    if (op.kind !== 'createOrder') return;
    if (op.attempt > 1) this.counters.clientRetries++;
    if (op.doubleSubmit) this.counters.doubleSubmissions++;
    if (!this.orders.has(op.order)) {
      this.counters.submitted++;
      this.counters.intervalSubmitted++;
      const body = JSON.parse(op.request.body ?? '{}') as { lines?: Array<{ sku: string; quantity: { value: number } }> };
      this.orders.add({
        order: op.order,
        channel: op.channel,
        idempotencyKey: op.idempotencyKey ?? '',
        traceId: op.traceId,
        lines: (body.lines ?? []).map((l) => ({ sku: l.sku, quantity: l.quantity.value })),
        submittedAt: this.now(),
      });
    }
  }

  onComplete(op: WorkloadOperation, outcome: WorkloadOutcome, response?: HttpResponse): void {
    const acked = op.kind === 'createOrder' && outcome === 'ok' && response ? (JSON.parse(response.body) as { orderId: string; status: string; distributionCenter?: string }) : undefined;
    this.push(op, outcome, response, acked && this.ids.canonical(acked.orderId));
    if (!this.orders.has(op.order)) return;
    if (op.kind === 'createOrder') {
      if (acked) {
        const body = acked;
        const latencyMs = (op.completedAt ?? this.now()) - op.invokedAt;
        const ack: Ack = { orderId: this.ids.canonical(body.orderId), at: this.now(), status: this.words.canonical(body.status), latencyMs };
        if (body.distributionCenter) ack.distributionCenter = this.words.canonical(body.distributionCenter);
        // Latency per answer; the acknowledged series counts orders, like the submitted one.
        if (this.orders.acknowledge(op.order, ack)) this.counters.intervalAcked++;
        this.ackLatency.record(latencyMs);
        this.intervalAckLatency.record(latencyMs);
      } else if (outcome === 'fail' && response && response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 409) {
        let type: string | undefined;
        try {
          type = (JSON.parse(response.body) as { type?: string }).type;
        } catch {
          type = undefined;
        }
        this.orders.refuse(op.order, { at: this.now(), status: response.status, ...(type ? { type } : {}) });
      }
    } else if (op.kind === 'cancelOrder' && outcome === 'ok') {
      this.orders.cancel(op.order, this.now());
    } else if (op.kind === 'getOrder' && outcome === 'ok' && response) {
      const body = JSON.parse(response.body) as { orderId: string; shipments?: Array<{ shipmentId: string; status: string }> };
      for (const s of body.shipments ?? []) this.seeStatus(s.shipmentId, { at: this.now(), status: s.status, source: 'read', orderId: this.ids.canonical(body.orderId) });
    }
  }

  /** `ackedAs`: the order id a createOrder was acknowledged with. */
  private push(op: WorkloadOperation, type: HistoryOp['type'], response?: HttpResponse, ackedAs?: string): void {
    const entry: HistoryOp = { at: this.now(), type, op: op.id, f: op.kind, channel: op.channel, order: op.order, attempt: op.attempt, traceId: op.traceId };
    const orderId = ackedAs ?? (op.orderId && this.ids.canonical(op.orderId));
    if (orderId) entry.orderId = orderId;
    if (response) entry.status = response.status;
    if (type === 'info' && op.error) entry.detail = op.error;
    this.history.push(entry);
  }

  seeStatus(shipmentId: string, seen: SeenStatus): void {
    this.seenStatuses.add(shipmentId, seen);
  }

  // ---- what the layer does ---------------------------------------------------------------

  /** Wraps the layer's Transport: counts calls per system and checks Retry-After online. */
  layerTransport(inner: Transport): Transport {
    return {
      send: async (target, req, options) => {
        const startedAt = this.now();
        let counts = this.callsBySystem.get(target);
        if (!counts) this.callsBySystem.set(target, (counts = { calls: 0, throttled: 0, unavailable: 0 }));
        counts.calls++;
        const gate = this.gates.get(target);
        // A call made at the very instant the answer arrived was concurrent with it, not after it.
        if (gate && startedAt < gate.notBefore && startedAt > gate.setAt) {
          this.retryAfterViolations.push({ at: startedAt, target, path: `${req.method} ${req.path.split('?')[0]}`, notBefore: gate.notBefore, gate: { ...gate } });
        }
        const posting = target === 'erp' && req.method === 'POST' && POSTING_PATHS.has(req.path) ? postingReference(req.body) : undefined;
        let res: HttpResponse;
        try {
          res = await inner.send(target, req, options);
        } catch (error) {
          if (posting) this.postings.note(posting, POSTING_PATHS.get(req.path)!, startedAt, (error as { code?: string }).code ?? 'error');
          throw error;
        }
        if (posting) this.postings.note(posting, POSTING_PATHS.get(req.path)!, startedAt, String(res.status));
        if (res.status === 200 && target.startsWith('wms@') && req.method === 'GET' && req.path.startsWith('/stock')) this.learnSnapshot(res.body);
        if (res.status === 429) counts.throttled++;
        if (res.status === 503) counts.unavailable++;
        const retryAfter = res.headers['retry-after'];
        if ((res.status === 429 || res.status === 503) && retryAfter) {
          const at = this.now();
          const waitMs = parseRetryAfter(retryAfter, this.epoch + at);
          if (waitMs !== undefined) {
            const notBefore = at + waitMs;
            const current = this.gates.get(target);
            if (!current || notBefore > current.notBefore) this.gates.set(target, { notBefore, setAt: at, status: res.status, retryAfter, operation: `${req.method} ${req.path.split('?')[0]}` });
          }
        }
        return res;
      },
    };
  }

  /** Wraps the layer's Bus: records each inventory and shipment message the layer acknowledged, and when. */
  layerBus(inner: Bus): Bus {
    return {
      publish: (m) => inner.publish(m),
      subscribe: (channel, group, handler, options) =>
        inner.subscribe(
          channel,
          group,
          channel === 'wms.inventory' || channel === 'wms.shipment'
            ? async (d) => {
                await handler(d);
                this.learnMessage(channel, d.body);
              }
            : handler,
          options,
        ),
    };
  }

  private learnMessage(channel: string, body: string): void {
    const m = parseJson(body) as { distributionCenter?: string; sku?: string; onHand?: number; sequence?: number; reason?: string; reference?: string; orderReference?: string } | undefined;
    if (!m) return; // a truncated message told the layer nothing
    const at = this.now();
    if (channel === 'wms.shipment') {
      if (m.orderReference) this.stockFacts.push({ at, kind: 'shipped', orderId: this.ids.canonical(m.orderReference) });
    } else if (m.distributionCenter && m.sku && typeof m.onHand === 'number' && typeof m.sequence === 'number') {
      const key = `${m.sku}@${m.distributionCenter}`;
      if ((this.knownSequence.get(key) ?? -1) < m.sequence) this.knownSequence.set(key, m.sequence);
      const fact: StockFact = { at, kind: 'adjusted', dc: m.distributionCenter, sku: m.sku, onHand: m.onHand, sequence: m.sequence, reason: String(m.reason) };
      if (m.reference) fact.reference = this.ids.canonical(m.reference);
      this.stockFacts.push(fact);
    }
  }

  private learnSnapshot(body: string): void {
    const s = parseJson(body) as { distributionCenter?: string; items?: Array<{ sku: string; onHand: number; version: number }> } | undefined;
    if (!s?.distributionCenter) return;
    const at = this.now();
    // Only what the snapshot taught: a position whose sequence moved since the layer last heard of it.
    for (const item of s.items ?? []) {
      const key = `${item.sku}@${s.distributionCenter}`;
      if ((this.knownSequence.get(key) ?? -1) >= item.version) continue;
      this.knownSequence.set(key, item.version);
      this.stockFacts.push({ at, kind: 'snapshot', dc: s.distributionCenter, sku: item.sku, onHand: item.onHand, sequence: item.version });
    }
    this.stockFacts.push({ at, kind: 'snapshot-taken', dc: s.distributionCenter });
  }

  /** Subscribes to the layer's canonical shipment events, as a channel would. */
  observeEvents(bus: Bus): void {
    bus.subscribe('shipments', 'harness', async (d) => {
      const event = JSON.parse(d.body) as { data?: { shipmentId?: string; orderId?: string; status?: string } };
      const data = event.data ?? {};
      if (data.shipmentId && data.status) this.seeStatus(data.shipmentId, { at: this.now(), status: data.status, source: 'event', orderId: this.ids.canonical(data.orderId ?? '') });
    });
  }

  /** History entries about one workload order, oldest first (at most `limit`). */
  excerptFor(order: number, limit = 8): HistoryExcerpt[] {
    return this.history.excerptFor(order, limit);
  }
}

const POSTING_PATHS = new Map([
  ['/sales-orders', 'bookSalesOrder'],
  ['/goods-issues', 'postGoodsIssue'],
  ['/invoices', 'postInvoice'],
  ['/credit-memos', 'postCreditMemo'],
]);

function postingReference(body: string | undefined): string | undefined {
  const ref = (parseJson(body ?? '') as { externalReference?: unknown } | undefined)?.externalReference;
  return typeof ref === 'string' ? ref : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After as delta-seconds or an HTTP-date, in ms from `now`; undefined when unreadable. */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
