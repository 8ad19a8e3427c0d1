import { describe, expect, it } from 'vitest';
import type { operations } from '../../contracts/generated/openapi/commerce.ts';
import { loadOpenApi } from '../../contracts/load.ts';
import { DEFAULT_EPOCH, VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { createContractHandler } from '../../runtime/http/contract-handler.ts';
import type { OpenApiDocument } from '../../runtime/http/openapi-document.ts';
import { json, problem } from '../../runtime/http/problem.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';
import type { HttpResponse } from '../../runtime/ports.ts';
import { DEFAULT_CATALOG, DEFAULT_CHANNELS } from '../../simulators/shared/defaults.ts';
import { expectedArrivals, PEAK_DAY_SHAPE, StorefrontWorkload, type WorkloadOperation, type WorkloadOptions, type WorkloadOutcome } from '../../simulators/storefront/index.ts';

const H = 3_600_000;

interface Behaviour {
  /** Answer time per request, ms. */
  latency?: (body: { externalOrderRef?: string } | undefined, attempt: number) => number;
  /** An early answer instead of the normal one. */
  answer?: (kind: string, attempt: number) => HttpResponse | undefined;
  orderStatus?: string;
}

/**
 * A stand-in commerce API built from commerce.yaml with the runtime's contract handler: any request
 * the workload sends that the contract forbids comes back 4xx from the validator, and is counted.
 */
function layer(clock: VirtualClock, behaviour: Behaviour = {}) {
  const random = new SeededRandom(99);
  const keys = new Map(DEFAULT_CHANNELS.map((c) => [c.apiKey, c.name]));
  const byKey = new Map<string, string>();
  const attempts = new Map<string, number>();
  const seen: Array<{ kind: string; channel: string; at: number; key?: string; body?: any }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const rejectedByContract: string[] = [];
  const wait = async (body: { externalOrderRef?: string } | undefined, attempt: number) => {
    const ms = behaviour.latency?.(body, attempt) ?? 5;
    if (ms > 0) await clock.sleep(ms);
  };
  const auth = (headers: Record<string, string>) => keys.get(headers['x-api-key'] ?? '');
  const handler = createContractHandler<operations>('commerce', loadOpenApi('commerce') as unknown as OpenApiDocument, {
    createOrder: async ({ body, request }) => {
      const channel = auth(request.headers);
      if (!channel) return problem(401, 'Unauthorized', 'unknown key');
      const key = request.headers['idempotency-key']!;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      seen.push({ kind: 'createOrder', channel, at: clock.now(), key, body });
      const early = behaviour.answer?.('createOrder', attempt);
      if (early) return early;
      await wait(body, attempt);
      let orderId = byKey.get(key);
      if (!orderId) byKey.set(key, (orderId = random.uuid()));
      return json(202, { orderId, status: 'accepted', receivedAt: new Date(clock.now()).toISOString(), links: { self: `/v1/orders/${orderId}` } });
    },
    getOrder: async ({ params, request }) => {
      seen.push({ kind: 'getOrder', channel: auth(request.headers)!, at: clock.now() });
      return json(200, { orderId: params.path.orderId, status: behaviour.orderStatus ?? 'delivered' });
    },
    cancelOrder: async ({ params, request, body }) => {
      seen.push({ kind: 'cancelOrder', channel: auth(request.headers)!, at: clock.now(), body });
      return json(202, { orderId: params.path.orderId, status: 'cancelled' });
    },
    createReturn: async ({ params, request, body }) => {
      seen.push({ kind: 'createReturn', channel: auth(request.headers)!, at: clock.now(), key: request.headers['idempotency-key'], body });
      return json(202, { returnId: random.uuid(), orderId: params.path.orderId, status: 'requested' });
    },
    getAvailability: async ({ params, request }) => {
      seen.push({ kind: 'getAvailability', channel: auth(request.headers)!, at: clock.now(), body: { sku: params.path.sku } });
      return json(200, { sku: params.path.sku, uom: 'EA', total: {}, distributionCenters: [] });
    },
  });
  const transport = new InProcessTransport().register('layer', async (request) => {
    const res = await handler(request);
    if (res.status === 400 || res.status === 415 || res.status === 404 || res.status === 405) rejectedByContract.push(`${request.method} ${request.path}: ${res.body}`);
    return res;
  });
  return { transport, seen, rejectedByContract };
}

function run(options: Partial<WorkloadOptions>, seed = 1, behaviour: Behaviour = {}) {
  const clock = new VirtualClock();
  const { transport, seen, rejectedByContract } = layer(clock, behaviour);
  const history: Array<{ type: 'invoke' | 'complete'; op: WorkloadOperation; outcome?: WorkloadOutcome; status?: number }> = [];
  const workload = new StorefrontWorkload({ clock, random: new SeededRandom(seed).fork('workload'), transport }, options, {
    onInvoke: (op) => history.push({ type: 'invoke', op: { ...op } }),
    onComplete: (op, outcome, response) => history.push({ type: 'complete', op: { ...op }, outcome, ...(response ? { status: response.status } : {}) }),
  });
  return {
    clock,
    workload,
    seen,
    history,
    rejectedByContract,
    async drive(limitMs = 30 * 86_400_000) {
      workload.start();
      await clock.run({ until: () => workload.idle(), limitMs: DEFAULT_EPOCH + limitMs });
      expect(workload.idle()).toBe(true);
    },
  };
}

const QUIET = { cancelShare: 0, returnShare: 0, doubleSubmitShare: 0, availabilityReadShare: 0 } as const;

describe('storefront workload', () => {
  it('arrives as a Poisson process at the steady rate, every request valid per commerce.yaml', async () => {
    const w = run({ ...QUIET, rate: { kind: 'steady', perSecond: 10 }, durationMs: H, availabilityReadShare: 0.2, cancelShare: 0.05, returnShare: 0.05, doubleSubmitShare: 0.05 });
    await w.drive();
    const orders = w.workload.stats().arrivals;
    expect(Math.abs(orders - 36_000)).toBeLessThan(3 * Math.sqrt(36_000)); // ±3σ
    expect(w.rejectedByContract).toEqual([]);
    // Inter-arrival times are exponential: their coefficient of variation is ~1.
    const times = w.history.filter((h) => h.type === 'invoke' && h.op.kind === 'createOrder' && h.op.attempt === 1 && !h.op.doubleSubmit).map((h) => h.op.invokedAt);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeGreaterThan(95);
    expect(mean).toBeLessThan(105);
    expect(sd / mean).toBeGreaterThan(0.95);
    expect(sd / mean).toBeLessThan(1.05);
  });

  it('follows the ramp and the peak-day curve hour by hour', async () => {
    const ramp = run({ ...QUIET, rate: { kind: 'ramp', fromPerSecond: 1, toPerSecond: 9, overMs: 2 * H }, durationMs: 2 * H });
    await ramp.drive();
    const firstHour = ramp.history.filter((h) => h.type === 'invoke' && h.op.invokedAt < DEFAULT_EPOCH + H).length;
    const secondHour = ramp.history.filter((h) => h.type === 'invoke' && h.op.invokedAt >= DEFAULT_EPOCH + H).length;
    expect(Math.abs(firstHour - 10_800)).toBeLessThan(4 * Math.sqrt(10_800)); // mean rate 3/s
    expect(Math.abs(secondHour - 25_200)).toBeLessThan(4 * Math.sqrt(25_200)); // mean rate 7/s

    const profile = { kind: 'peak-day', peakPerSecond: 0.5, utcOffsetHours: 1 } as const;
    const day = run({ ...QUIET, rate: profile, durationMs: 24 * H });
    await day.drive();
    const perHour = new Array<number>(24).fill(0);
    for (const h of day.history) if (h.type === 'invoke') perHour[Math.floor((h.op.invokedAt - DEFAULT_EPOCH) / H)]!++;
    for (let i = 0; i < 24; i++) {
      const expected = expectedArrivals(profile, DEFAULT_EPOCH + i * H, DEFAULT_EPOCH + (i + 1) * H);
      expect(Math.abs(perHour[i]! - expected)).toBeLessThan(4 * Math.sqrt(expected) + 2);
    }
    // The evening peak (20:00 local = 19:00 UTC, 11 h after the 08:00 UTC start) beats the night by far.
    expect(perHour[11]!).toBeGreaterThan(perHour[19]! * 10);
    expect(Math.max(...PEAK_DAY_SHAPE)).toBe(1);
  });

  it('draws skus by Zipf popularity and channels by their shares, each with its own API key', async () => {
    const w = run({ ...QUIET, rate: { kind: 'steady', perSecond: 20 }, durationMs: H / 2, availabilityReadShare: 1 });
    await w.drive();
    const reads = w.seen.filter((s) => s.kind === 'getAvailability');
    const counts = new Map<string, number>();
    for (const r of reads) counts.set(r.body.sku, (counts.get(r.body.sku) ?? 0) + 1);
    const n = DEFAULT_CATALOG.length;
    const norm = Array.from({ length: n }, (_, k) => 1 / (k + 1) ** 1.1).reduce((a, b) => a + b, 0);
    for (let rank = 1; rank <= 5; rank++) {
      const p = 1 / rank ** 1.1 / norm;
      const observed = (counts.get(DEFAULT_CATALOG[rank - 1]!.sku) ?? 0) / reads.length;
      expect(Math.abs(observed - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / reads.length));
    }
    const orders = w.seen.filter((s) => s.kind === 'createOrder');
    for (const channel of DEFAULT_CHANNELS) {
      const share = orders.filter((o) => o.channel === channel.name).length / orders.length;
      expect(Math.abs(share - channel.share)).toBeLessThan(0.02);
    }
    // The layer derives the channel from the key: every order's ref names the same channel.
    expect(orders.every((o) => o.body.externalOrderRef.startsWith(`${o.channel}-`))).toBe(true);
    const lines = orders.map((o) => o.body.lines.length);
    expect(lines.reduce((a, b) => a + b, 0) / lines.length).toBeGreaterThan(2.3);
    expect(lines.reduce((a, b) => a + b, 0) / lines.length).toBeLessThan(2.7);
    expect(orders.every((o) => new Set(o.body.lines.map((l: { sku: string }) => l.sku)).size === o.body.lines.length)).toBe(true);
    expect(w.rejectedByContract).toEqual([]);
  });

  it('retries after a client timeout with the SAME Idempotency-Key, reporting the timed-out attempt as info', async () => {
    const w = run({ ...QUIET, rate: { kind: 'steady', perSecond: 1 }, durationMs: 60_000, clientTimeoutMs: 1000 }, 1, {
      latency: (body, attempt) => (body?.externalOrderRef?.endsWith('3') && attempt === 1 ? 5000 : 5),
    });
    await w.drive();
    const slow = w.history.filter((h) => h.op.kind === 'createOrder' && JSON.parse(h.op.request.body!).externalOrderRef.endsWith('3'));
    expect(slow.length).toBeGreaterThan(0);
    const orders = new Set(slow.map((h) => h.op.order));
    for (const order of orders) {
      const ops = slow.filter((h) => h.op.order === order && h.type === 'complete');
      expect(ops.map((h) => [h.op.attempt, h.outcome, h.op.error])).toEqual([
        [1, 'info', 'timeout'],
        [2, 'ok', undefined],
      ]);
      expect(ops[0]!.op.idempotencyKey).toBe(ops[1]!.op.idempotencyKey);
      expect(ops[0]!.op.request.headers['idempotency-key']).toBe(ops[1]!.op.idempotencyKey);
      expect(ops[1]!.op.orderId).toMatch(/^[0-9a-f-]{36}$/);
      expect(ops[1]!.op.invokedAt - ops[0]!.op.completedAt!).toBeGreaterThanOrEqual(0);
    }
    // The layer saw both attempts; the acknowledgement carried the same order id as the first (idempotent layer).
    expect(w.seen.filter((s) => s.kind === 'createOrder').length).toBe(w.workload.stats().arrivals + orders.size);
  });

  it('honours Retry-After on 503 and 429 before trying again, and gives up on 4xx', async () => {
    const w = run({ ...QUIET, rate: { kind: 'steady', perSecond: 0.2 }, durationMs: 60_000, retryBackoff: { distribution: 'fixed', ms: 100 } }, 2, {
      answer: (_kind, attempt) =>
        attempt === 1 ? problem(503, 'Unavailable', 'store down', { headers: { 'retry-after': '7' } }) : attempt === 2 ? problem(429, 'Throttled', 'slow down', { headers: { 'retry-after': '3' } }) : attempt === 3 ? problem(422, 'Unknown sku', 'no') : undefined,
    });
    await w.drive();
    const completes = w.history.filter((h) => h.type === 'complete');
    const byOrder = new Map<number, typeof completes>();
    for (const h of completes) byOrder.set(h.op.order, [...(byOrder.get(h.op.order) ?? []), h]);
    expect(byOrder.size).toBeGreaterThan(5);
    for (const ops of byOrder.values()) {
      expect(ops.map((h) => [h.status, h.outcome])).toEqual([
        [503, 'fail'],
        [429, 'fail'],
        [422, 'fail'],
      ]);
      expect(ops[1]!.op.invokedAt - ops[0]!.op.completedAt!).toBe(7000);
      expect(ops[2]!.op.invokedAt - ops[1]!.op.completedAt!).toBe(3000);
    }
  });

  it('double-submits, cancels and returns delivered orders at their shares', async () => {
    const w = run({ rate: { kind: 'steady', perSecond: 5 }, durationMs: H / 2, availabilityReadShare: 0, doubleSubmitShare: 0.1, cancelShare: 0.2, returnShare: 0.1, returnAfter: { distribution: 'fixed', ms: 86_400_000 } }, 3);
    await w.drive(3 * 86_400_000);
    const arrivals = w.workload.stats().arrivals;
    const doubles = w.history.filter((h) => h.type === 'invoke' && h.op.doubleSubmit);
    expect(doubles.length / arrivals).toBeGreaterThan(0.085);
    expect(doubles.length / arrivals).toBeLessThan(0.115);
    for (const d of doubles) {
      const first = w.history.find((h) => h.type === 'invoke' && h.op.order === d.op.order && !h.op.doubleSubmit)!;
      expect(d.op.idempotencyKey).toBe(first.op.idempotencyKey);
      expect(d.op.request.body).toBe(first.op.request.body);
    }
    const cancels = w.seen.filter((s) => s.kind === 'cancelOrder').length;
    expect(cancels / arrivals).toBeGreaterThan(0.18);
    expect(cancels / arrivals).toBeLessThan(0.22);
    const returns = w.seen.filter((s) => s.kind === 'createReturn');
    expect(returns.length / arrivals).toBeGreaterThan(0.085);
    expect(returns.length / arrivals).toBeLessThan(0.115);
    expect(returns.every((r) => r.at >= DEFAULT_EPOCH + 86_400_000)).toBe(true);
    expect(w.rejectedByContract).toEqual([]);
  });

  it('does not return orders that are not delivered; polls a bounded number of times', async () => {
    const w = run({ ...QUIET, rate: { kind: 'steady', perSecond: 1 }, durationMs: 10_000, returnShare: 1, returnAfter: { distribution: 'fixed', ms: 1000 }, returnPollInterval: 1000, returnPolls: 3 }, 4, { orderStatus: 'shipped' });
    await w.drive();
    expect(w.seen.filter((s) => s.kind === 'createReturn')).toHaveLength(0);
    expect(w.seen.filter((s) => s.kind === 'getOrder').length).toBe(3 * w.workload.stats().arrivals);
  });

  it('is deterministic, and the orders placed do not depend on the layer\'s timing', async () => {
    const bodies = async (seed: number, latency: number) => {
      const w = run({ rate: { kind: 'steady', perSecond: 3 }, durationMs: 10 * 60_000, doubleSubmitShare: 0.1, cancelShare: 0.1 }, seed, { latency: () => latency });
      await w.drive();
      return {
        log: JSON.stringify(w.history.map((h) => [h.type, h.op.id, h.op.invokedAt, h.op.request.path, h.op.request.body, h.op.request.headers, h.outcome])),
        orders: JSON.stringify(w.history.filter((h) => h.type === 'invoke' && h.op.kind === 'createOrder' && h.op.attempt === 1 && !h.op.doubleSubmit).map((h) => [h.op.invokedAt, h.op.request.body, h.op.idempotencyKey])),
      };
    };
    const a = await bodies(5, 20);
    expect(a.log).toBe((await bodies(5, 20)).log);
    expect(a.orders).toBe((await bodies(5, 900)).orders);
    expect(a.orders).not.toBe((await bodies(6, 20)).orders);
  });

  it('stops by itself at maxOrders, and costs little per order (20,000 orders on virtual time)', async () => {
    const w = run({ rate: { kind: 'steady', perSecond: 50 }, durationMs: 10 * H, maxOrders: 20_000, cancelShare: 0.02, returnShare: 0.03, availabilityReadShare: 0.2 });
    const started = performance.now();
    await w.drive();
    const elapsed = performance.now() - started;
    expect(w.workload.stats().arrivals).toBe(20_000);
    expect(elapsed).toBeLessThan(20_000);
  });
});
