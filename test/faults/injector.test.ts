import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { TransportError, type HttpResponse } from '../../runtime/ports.ts';
import { FaultInjector } from '../../simulators/faults/injector.ts';
import { FaultPlanError } from '../../simulators/faults/plan.ts';
import { faultWorld, outcome } from './world.ts';

const json = (res: HttpResponse): Record<string, unknown> => JSON.parse(res.body) as Record<string, unknown>;

describe('request faults (in-process Transport)', () => {
  it('downtime unavailable: 503 problem+json with Retry-After until the window ends, only inside the window', async () => {
    const w = faultWorld([{ kind: 'downtime', target: 'erp', from: '1m', to: '5m' }]);
    expect((await w.book()).status).toBe(201);
    await w.clock.advanceBy(90_000);
    const res = await w.book();
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['retry-after']).toBe('210'); // 5m - 1m30s
    expect(json(res)).toMatchObject({ status: 503, title: 'Service unavailable' });
    await w.clock.advanceBy(210_000);
    expect((await w.book()).status).toBe(201);
    expect(w.received).toHaveLength(2);
    expect(w.injector.counters()['downtime-0']).toEqual({ matched: 1, fired: 1 });
  });

  it('downtime with retryAfter as an HTTP-date', async () => {
    const w = faultWorld([{ kind: 'downtime', target: 'erp', retryAfter: '2m', retryAfterFormat: 'http-date' }]);
    const res = await w.book();
    expect(res.headers['retry-after']).toBe(new Date(w.startMs + 120_000).toUTCString());
    expect(res.headers['retry-after']).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });

  it('downtime refused: the call fails with TransportError refused and never reaches the system', async () => {
    const w = faultWorld([{ kind: 'downtime', target: 'erp', mode: 'refused' }]);
    const { error } = await outcome(w.book());
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('refused');
    expect(w.received).toHaveLength(0);
  });

  it('latency fixed: the request reaches the system after the delay, in virtual time', async () => {
    const w = faultWorld([{ kind: 'latency', target: 'erp', ms: '1.5s' }]);
    let done = false;
    const call = w.book().then((r) => ((done = true), r));
    await w.clock.advanceBy(1499);
    expect(done).toBe(false);
    expect(w.received).toHaveLength(0);
    await w.clock.advanceBy(1);
    expect((await call).status).toBe(201);
    expect(w.received[0]!.at - w.startMs).toBe(1500);
  });

  it('latency: an abort during the delay gives up the call', async () => {
    const w = faultWorld([{ kind: 'latency', target: 'erp', ms: 5000 }]);
    const controller = new AbortController();
    const call = outcome(w.book({}, controller.signal));
    await w.clock.advanceBy(1000);
    controller.abort();
    const { error } = await call;
    expect((error as TransportError).code).toBe('aborted');
    await w.clock.advanceBy(10_000);
    expect(w.received).toHaveLength(0);
  });

  it('latency distributions: uniform stays in bounds, lognormal median and jitter as configured (10,000 draws)', async () => {
    const draws = async (spec: Record<string, unknown>): Promise<number[]> => {
      const clock = new VirtualClock();
      const injector = new FaultInjector({ faults: [{ kind: 'latency', target: 'erp', ...spec } as never] }, { clock, random: new SeededRandom(3) });
      const set = (injector as unknown as { set: { planCall: (c: unknown) => { delayMs: number } } }).set;
      return Array.from({ length: 10_000 }, () => set.planCall({ system: 'erp', method: 'POST', path: '/sales-orders' }).delayMs);
    };
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const uniform = await draws({ distribution: 'uniform', min: 100, max: 300 });
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...uniform)).toBeLessThanOrEqual(300);
    expect(uniform.reduce((a, b) => a + b, 0) / uniform.length).toBeCloseTo(200, -1);
    const lognormal = await draws({ distribution: 'lognormal', median: '200ms', sigma: 0.5 });
    expect(Math.abs(median(lognormal) - 200) / 200).toBeLessThan(0.03);
    const sorted = [...lognormal].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)]!;
    expect(p99 / 200).toBeGreaterThan(2.8); // exp(2.326 * 0.5) ≈ 3.2
    expect(p99 / 200).toBeLessThan(3.6);
    const jittered = await draws({ ms: 100, jitter: 20 });
    expect(Math.min(...jittered)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...jittered)).toBeLessThanOrEqual(120);
    expect(new Set(jittered.map(Math.round)).size).toBeGreaterThan(30);
  });

  it('timeout: no answer until the caller gives up, and the system never sees the request', async () => {
    const w = faultWorld([{ kind: 'timeout', target: 'erp:bookSalesOrder' }]);
    const controller = new AbortController();
    let settled = false;
    const call = outcome(w.book({}, controller.signal)).then((o) => ((settled = true), o));
    await w.clock.advanceBy(3_600_000);
    expect(settled).toBe(false);
    controller.abort();
    const { error } = await call;
    expect((error as TransportError).code).toBe('aborted');
    expect(w.received).toHaveLength(0);
    expect((await w.credit()).status).toBe(201); // another operation is untouched
  });

  it('error-rate 0.3 over 10,000 calls fails 30% ± 2% with the configured 5xx', async () => {
    const w = faultWorld([{ kind: 'error-rate', target: 'erp', probability: 0.3, status: 502 }]);
    let failed = 0;
    for (let i = 0; i < 10_000; i++) {
      const res = await w.book();
      if (res.status === 502) failed++;
      else expect(res.status).toBe(201);
    }
    expect(failed / 10_000).toBeGreaterThan(0.28);
    expect(failed / 10_000).toBeLessThan(0.32);
    expect(w.received).toHaveLength(10_000 - failed);
    expect(w.injector.counters()['error-rate-0']).toEqual({ matched: 10_000, fired: failed });
  });

  it('throttle admits rate × time + burst, and answers 429 with Retry-After', async () => {
    const w = faultWorld([{ kind: 'throttle', target: 'erp', rate: 10, burst: 5 }]);
    let admitted = 0;
    let firstRejection: HttpResponse | undefined;
    for (let i = 0; i < 1000; i++) {
      // 100 calls per second for 10 seconds
      const res = await w.book();
      if (res.status === 201) admitted++;
      else {
        expect(res.status).toBe(429);
        firstRejection ??= res;
      }
      await w.clock.advanceBy(10);
    }
    expect(admitted).toBeGreaterThanOrEqual(10 * 10 + 5 - 1);
    expect(admitted).toBeLessThanOrEqual(10 * 10 + 5 + 1);
    expect(firstRejection!.headers['retry-after']).toBe('1');
    expect(json(firstRejection!)).toMatchObject({ status: 429 });
  });

  it('throttle keeps one bucket per WMS instance and can announce an HTTP-date', async () => {
    const w = faultWorld([{ kind: 'throttle', target: 'wms', rate: 1, burst: 1, retryAfterFormat: 'http-date' }]);
    const stock = (dc: string) => w.transport.send(`wms@${dc}`, { method: 'GET', path: '/stock', headers: {} });
    expect((await stock('DC-EAST')).status).toBe(201);
    expect((await stock('DC-WEST')).status).toBe(201);
    const rejected = await stock('DC-EAST');
    expect(rejected.status).toBe(429);
    expect(rejected.headers['retry-after']).toBe(new Date(w.startMs + 1000).toUTCString());
  });

  it('duplicate: the system receives the call copies times; the caller sees the first answer', async () => {
    const w = faultWorld([{ kind: 'duplicate', target: 'erp:bookSalesOrder', copies: 3, spacing: '2s' }]);
    const res = await w.book({ 'idempotency-key': 'k-1' });
    expect(res.status).toBe(201);
    await w.clock.advanceBy(5000);
    expect(w.received.map((r) => r.at - w.startMs)).toEqual([0, 2000, 4000]);
    expect(new Set(w.received.map((r) => r.req.headers['idempotency-key']))).toEqual(new Set(['k-1']));
  });

  it('lost-ack reset: the work is done but the caller sees a reset', async () => {
    const w = faultWorld([{ kind: 'lost-ack', target: 'erp:bookSalesOrder' }]);
    const { error } = await outcome(w.book());
    expect((error as TransportError).code).toBe('reset');
    expect(w.received).toHaveLength(1);
  });

  it('lost-ack timeout: the work is done, the caller waits until it gives up', async () => {
    const w = faultWorld([{ kind: 'lost-ack', target: 'erp', mode: 'timeout' }]);
    const controller = new AbortController();
    const call = outcome(w.book({}, controller.signal));
    await w.clock.advanceBy(60_000);
    expect(w.received).toHaveLength(1);
    controller.abort();
    expect(((await call).error as TransportError).code).toBe('aborted');
  });

  it('malformed responses: truncated JSON, wrong content type, a member of the wrong type', async () => {
    const truncated = await faultWorld([{ kind: 'malformed', target: 'erp', variant: 'truncated-json' }]).book();
    expect(() => JSON.parse(truncated.body)).toThrow();
    expect(truncated.body.length).toBeGreaterThan(10);
    const wrongType = await faultWorld([{ kind: 'malformed', target: 'erp', variant: 'wrong-content-type' }]).book();
    expect(wrongType.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(json(wrongType).salesOrderNumber).toBe('SO-1');
    const violation = await faultWorld([{ kind: 'malformed', target: 'erp', variant: 'schema-violation' }]).book();
    expect(json(violation).salesOrderNumber).toBe(12345);
    const chosen = await faultWorld([{ kind: 'malformed', target: 'erp', variant: 'schema-violation', field: '/lines/0/qty' }]).book();
    expect(json(chosen).lines).toEqual([{ lineNumber: 1, qty: 'not-a-number' }]);
  });

  it('schema-drift: renames at every depth and adds members', async () => {
    const res = await faultWorld([{ kind: 'schema-drift', target: 'erp', renames: { qty: 'quantity', status: 'state' }, adds: { apiVersion: 2 } }]).book();
    expect(json(res)).toMatchObject({ state: 'booked', apiVersion: 2, lines: [{ lineNumber: 1, quantity: 2 }] });
    expect(json(res)).not.toHaveProperty('status');
  });

  it('clock-skew: RFC 3339 timestamps and *_ms members in answers are shifted', async () => {
    const res = await faultWorld([{ kind: 'clock-skew', target: 'erp', offset: '-5m' }]).book();
    expect(json(res)).toMatchObject({ bookedAt: '2026-01-05T07:55:00Z', created_ms: 1767600000000 - 300_000 });
  });

  it('targets: an operation, an instance; windows bound the effect', async () => {
    const w = faultWorld([
      { kind: 'error-rate', target: 'erp:checkCredit', status: 500 },
      { kind: 'downtime', target: 'wms@DC-WEST', from: '10s', to: '20s' },
    ]);
    expect((await w.book()).status).toBe(201);
    expect((await w.credit()).status).toBe(500);
    const stock = (dc: string) => w.transport.send(`wms@${dc}`, { method: 'GET', path: '/stock', headers: {} });
    await w.clock.advanceBy(10_000);
    expect((await stock('DC-WEST')).status).toBe(503);
    expect((await stock('DC-EAST')).status).toBe(201);
    await w.clock.advanceBy(10_000);
    expect((await stock('DC-WEST')).status).toBe(201);
  });

  it('wrapHandler applies the plan to one served system', async () => {
    const clock = new VirtualClock();
    const injector = new FaultInjector({ faults: [{ kind: 'downtime', target: 'erp:bookSalesOrder' }, { kind: 'lost-ack', target: 'erp:checkCredit' }] }, { clock, random: new SeededRandom(1) });
    let calls = 0;
    const handler = injector.wrapHandler('erp', async () => ((calls++), { status: 200, headers: {}, body: '{}' }));
    expect((await handler({ method: 'POST', path: '/sales-orders', headers: {} })).status).toBe(503);
    expect((await handler({ method: 'GET', path: '/inventory/balances', headers: {} })).status).toBe(200);
    const { error } = await outcome(handler({ method: 'POST', path: '/customers/C-1/credit-check', headers: {} }));
    expect((error as TransportError).code).toBe('reset');
    expect(calls).toBe(2);
  });
});

describe('message faults (in-process Bus)', () => {
  it('duplicate: a message is delivered copies times with the same id, spaced', async () => {
    const w = faultWorld([{ kind: 'duplicate', target: 'events:wms', copies: 3, spacing: '1s' }]);
    await w.bus.publish(w.message('e-1', 'FO-1'));
    await w.clock.advanceBy(5000);
    expect(w.delivered.map((d) => [d.id, d.at - w.startMs])).toEqual([
      ['e-1', 0],
      ['e-1', 1000],
      ['e-1', 2000],
    ]);
  });

  it('delay-messages: late, but in order per key (different keys may overtake)', async () => {
    const w = faultWorld([{ kind: 'delay-messages', target: 'events:wms.shipment', delay: { distribution: 'uniform', min: '1s', max: '10s' } }]);
    for (let i = 0; i < 20; i++) {
      await w.bus.publish(w.message(`a-${i}`, 'FO-A'));
      await w.bus.publish(w.message(`b-${i}`, 'FO-B'));
      await w.clock.advanceBy(100);
    }
    await w.bus.publish(w.message('inv-1', 'SKU@DC-EAST', 'wms.inventory'));
    expect(w.delivered.map((d) => d.id)).toEqual(['inv-1']); // other channels are untouched
    await w.clock.advanceBy(20_000);
    const a = w.delivered.filter((d) => d.key === 'FO-A');
    const b = w.delivered.filter((d) => d.key === 'FO-B');
    expect(a.map((d) => d.id)).toEqual(Array.from({ length: 20 }, (_, i) => `a-${i}`));
    expect(b.map((d) => d.id)).toEqual(Array.from({ length: 20 }, (_, i) => `b-${i}`));
    expect(a[0]!.at - w.startMs).toBeGreaterThanOrEqual(1000);
    const interleaving = w.delivered.filter((d) => d.channel === 'wms.shipment').map((d) => d.key[3]).join('');
    expect(interleaving).not.toBe('AB'.repeat(20)); // keys were delayed independently
  });

  it('reorder: held for the window, then released shuffled', async () => {
    const w = faultWorld([{ kind: 'reorder', target: 'events:carrier.tracking', window: '30s' }]);
    const ids = Array.from({ length: 10 }, (_, i) => `t-${i}`);
    for (const id of ids) {
      await w.bus.publish(w.message(id, '1Z999', 'carrier.tracking'));
      await w.clock.advanceBy(1000);
    }
    expect(w.delivered).toHaveLength(0);
    await w.clock.advanceBy(25_000);
    const seen = w.delivered.map((d) => d.id);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(seen).not.toEqual(ids);
    expect(w.delivered[0]!.at - w.startMs).toBe(30_000);
  });

  it('malformed, schema-drift and clock-skew act on message bodies; a system target covers what it publishes', async () => {
    const w = faultWorld([
      { kind: 'schema-drift', target: 'events:wms.shipment', renames: { shippedAt: 'shipped_at' } },
      { kind: 'clock-skew', target: 'wms@DC-EAST', offset: '+90s' },
      { kind: 'malformed', target: 'events:wms.inventory', variant: 'truncated-json' },
    ]);
    await w.bus.publish(w.message('s-1', 'FO-1', 'wms.shipment', { shippedAt: '2026-01-05T08:00:00.250Z' }));
    await w.bus.publish(w.message('s-2', 'FO-2', 'wms.shipment', { shippedAt: '2026-01-05T08:00:00Z' }, { source: 'wms@DC-WEST' }));
    await w.bus.publish(w.message('i-1', 'SKU@DC-EAST', 'wms.inventory', { sku: 'BRG-6204', delta: 4 }));
    await w.clock.advanceBy(1);
    expect(JSON.parse(w.delivered[0]!.body)).toEqual({ shipped_at: '2026-01-05T08:01:30.250Z' });
    expect(JSON.parse(w.delivered[1]!.body)).toEqual({ shipped_at: '2026-01-05T08:00:00Z' }); // DC-WEST's clock is right
    expect(() => JSON.parse(w.delivered[2]!.body)).toThrow();
  });

  it('a message without faults passes straight through', async () => {
    const w = faultWorld([{ kind: 'duplicate', target: 'events:carrier.tracking' }]);
    await w.bus.publish(w.message('s-1', 'FO-1'));
    await w.clock.advanceBy(1);
    expect(w.delivered.map((d) => d.id)).toEqual(['s-1']);
  });
});

describe('the injector', () => {
  it('exposes the crash schedule for the harness', () => {
    const clock = new VirtualClock();
    const injector = new FaultInjector(
      { faults: [{ kind: 'crash', target: 'layer', from: '10m', downFor: '30s' }, { kind: 'crash', target: 'layer', from: '2m' }, { kind: 'crash', target: 'layer', from: '3m', probability: 0 }] },
      { clock, random: new SeededRandom(1) },
    );
    expect(injector.crashes()).toEqual([
      { id: 'crash-1', offsetMs: 120_000, atMs: clock.now() + 120_000, downForMs: 0 },
      { id: 'crash-0', offsetMs: 600_000, atMs: clock.now() + 600_000, downForMs: 30_000 },
    ]);
  });

  it('refuses kinds that need real sockets', () => {
    const make = () => new FaultInjector({ faults: [{ kind: 'slow-body', target: 'erp', bytesPerSecond: 10 }] }, { clock: new VirtualClock(), random: new SeededRandom(1) });
    expect(make).toThrow(FaultPlanError);
    expect(make).toThrow(/faults\[0\]\.kind: slow-body needs a real socket: the in-process injector has none to break; use it with faultline proxy/);
  });

  it('same seed, same decisions; a new fault does not change another fault\'s draws', async () => {
    const decisions = async (seed: number, extra: boolean): Promise<string> => {
      const faults = [{ kind: 'error-rate', target: 'erp', probability: 0.5 }, ...(extra ? [{ kind: 'latency', target: 'erp', distribution: 'uniform', min: 1, max: 2, probability: 0.5 }] : [])];
      const w = faultWorld(faults as never, seed);
      let out = '';
      for (let i = 0; i < 200; i++) {
        const call = w.book();
        await w.clock.advanceBy(5); // the latency fault may hold the call 1-2 ms
        out += (await call).status === 500 ? 'x' : '.';
      }
      return out;
    };
    const first = await decisions(11, false);
    expect(await decisions(11, false)).toBe(first);
    expect(await decisions(12, false)).not.toBe(first);
    expect(await decisions(11, true)).toBe(first);
  });

  it('adds, lists, removes and clears faults at runtime, with counters', async () => {
    const w = faultWorld([]);
    expect((await w.book()).status).toBe(201);
    const added = w.injector.add({ kind: 'error-rate', target: 'erp', status: 503 });
    expect(added).toMatchObject({ id: 'error-rate-0', kind: 'error-rate', target: 'erp', active: true, fired: 0 });
    expect((await w.book()).status).toBe(503);
    w.injector.add({ kind: 'latency', target: 'erp', ms: 10, id: 'slow' });
    expect(w.injector.list().map((f) => [f.id, f.fired])).toEqual([
      ['error-rate-0', 1],
      ['slow', 0],
    ]);
    expect(() => w.injector.add({ kind: 'latency', target: 'erp', ms: 10, id: 'slow' })).toThrow(/id: "slow" is already in use/);
    expect(() => w.injector.add({ kind: 'latency', target: 'erp:nope', ms: 10 })).toThrow(/erp has no operation "nope"/);
    expect(w.injector.remove('error-rate-0')).toBe(true);
    expect(w.injector.remove('error-rate-0')).toBe(false);
    const call = w.book();
    await w.clock.advanceBy(10);
    expect((await call).status).toBe(201);
    w.injector.clear();
    expect(w.injector.list()).toEqual([]);
    expect((await w.book()).status).toBe(201);
  });
});

describe('per-key order under message delays', () => {
  it('a message published while an earlier one of its key is delayed never overtakes it, even at the instant it is due', async () => {
    const w = faultWorld([{ kind: 'delay-messages', target: 'events:wms.shipment', delay: { ms: 1000 }, to: '2s' }]);
    // A timer created first, due at the instant the delayed message is, publishes the next one
    // (undelayed: the fault's window has closed by then).
    w.clock.setTimer(2000, () => void w.bus.publish(w.message('second', 'FO-1')));
    await w.clock.advanceBy(1000);
    await w.bus.publish(w.message('first', 'FO-1'));
    await w.clock.advanceBy(5000);
    expect(w.delivered.map((d) => [d.id, d.at - w.startMs])).toEqual([
      ['first', 2000],
      ['second', 2000],
    ]);
  });
});
