import { describe, expect, it } from 'vitest';
import { createWorld, KEYS } from './world.ts';

const httpDate = (ms: number): string => new Date(ms).toUTCString();

describe('ERP posting through the outbox', () => {
  it('ERP unreachable: orders are still accepted, posted once it is back, none lost, none posted twice', async () => {
    const w = await createWorld();
    w.transport.inject({ target: 'erp', fault: { kind: 'refused' } });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await w.placeOrder([['BRG-6204', 2]]);
      expect(res.status).toBe(202);
      expect(res.json.status).toBe('pending_validation');
      ids.push(res.json.orderId);
      await w.advance(5_000);
    }
    await w.advance(15 * 60_000);
    expect(w.erp.salesOrders).toHaveLength(0);
    expect(w.layer.stats().systems.erp!.breaker).not.toBe('closed');
    expect(w.layer.stats().exceptions.depth).toBe(0);
    w.transport.heal('erp');
    await w.advance(5 * 60_000);
    for (const id of ids) {
      expect(w.erp.bookedFor(id)).toHaveLength(1);
      expect((await w.getOrder(id)).json.status).toBe('released');
    }
    expect(w.layer.stats().outbox.backlog).toBe(0);
  });

  it('looks a booking up after a lost answer, so an ERP without a duplicate check books once', async () => {
    const w = await createWorld({ erp: { duplicatePolicy: 'book-again' } });
    w.transport.inject({ target: 'erp', method: 'POST', path: /^\/sales-orders$/, fault: { kind: 'lost-answer' }, times: 3 });
    w.transport.inject({ target: 'erp', method: 'POST', path: /^\/goods-issues$/, fault: { kind: 'hang' }, times: 1 });
    const ids = [(await w.placeOrder()).json.orderId, (await w.placeOrder()).json.orderId, (await w.placeOrder()).json.orderId];
    await w.advance(120_000);
    for (const id of ids) expect(w.erp.bookedFor(id)).toHaveLength(1);
    expect(w.erp.callsOf('findSalesOrders').length).toBeGreaterThanOrEqual(3);
    // The same for a goods issue whose answer never came.
    await w.wms['DC-EAST']!.ship(ids[0]!);
    await w.advance(120_000);
    expect(w.erp.goodsIssues.filter((g) => g.salesOrderNumber === w.erp.bookedFor(ids[0]!)[0]!.salesOrderNumber)).toHaveLength(1);
    expect(w.erp.invoices.filter((i) => i.externalReference === ids[0])).toHaveLength(1);
  });

  it('never calls a system again before the Retry-After it sent (HTTP-date and seconds)', async () => {
    const w = await createWorld();
    const t0 = w.clock.now();
    w.transport.inject({ target: 'erp', method: 'POST', path: /^\/sales-orders$/, fault: { kind: 'status', status: 503, retryAfter: httpDate(t0 + 120_000) }, times: 1 });
    const first = await w.placeOrder();
    expect(first.json.status).toBe('accepted');
    await w.advance(10_000);
    // During the window the intake does not even try the ERP: the order is deferred.
    const second = await w.placeOrder();
    expect(second.json.status).toBe('pending_validation');
    await w.advance(200_000);
    const erpCalls = w.transport.callsTo('erp');
    const refusedAt = erpCalls.find((c) => c.status === 503)!.at;
    expect(erpCalls.filter((c) => c.at > refusedAt && c.at < t0 + 120_000)).toEqual([]);
    expect(w.erp.bookedFor(first.json.orderId)).toHaveLength(1);
    expect(w.erp.bookedFor(second.json.orderId)).toHaveLength(1);

    w.transport.inject({ target: 'erp', method: 'POST', path: /^\/sales-orders$/, fault: { kind: 'status', status: 429, retryAfter: '7' }, times: 1 });
    const third = await w.placeOrder();
    await w.advance(60_000);
    const throttledAt = w.transport.callsTo('erp').find((c) => c.status === 429)!.at;
    const next = w.transport.callsTo('erp').find((c) => c.at > throttledAt)!;
    expect(next.at - throttledAt).toBeGreaterThanOrEqual(7000);
    expect(w.erp.bookedFor(third.json.orderId)).toHaveLength(1);
    expect(w.layer.stats().systems.erp).toMatchObject({ unavailable503: 1, throttled429: 1 });
  });

  it('opens the circuit after consecutive failures, tries one call when half-open, closes when it succeeds', async () => {
    const w = await createWorld({ config: { breaker: { consecutiveFailures: 3, halfOpenAfterMs: 10_000 } } });
    w.transport.inject({ target: 'erp', fault: { kind: 'status', status: 500 } });
    await w.placeOrder(); // two failed validation calls
    await w.placeOrder(); // the third failure opens the circuit
    expect(w.layer.stats().systems.erp!.breaker).toBe('open');
    const callsWhenOpened = w.transport.callsTo('erp').length;
    await w.placeOrder();
    await w.advance(9_000);
    expect(w.transport.callsTo('erp')).toHaveLength(callsWhenOpened);
    expect((await w.send('GET', '/v1/health', undefined, {})).json).toMatchObject({ status: 'degraded', checks: { circuits: { erp: 'open', 'wms@DC-EAST': 'closed' } } });
    await w.advance(1_000);
    expect(w.transport.callsTo('erp')).toHaveLength(callsWhenOpened + 1); // the half-open trial
    w.transport.heal('erp');
    await w.advance(60_000);
    expect(w.layer.stats().systems.erp!.breaker).toBe('closed');
    expect(w.layer.stats().breakers.opens).toBeGreaterThanOrEqual(1);
    expect(w.erp.salesOrders).toHaveLength(3);
  });

  it('parks a permanent refusal in the exception queue with reason, attempts, trace id and the request; replay resolves it once', async () => {
    const w = await createWorld();
    const remove = w.transport.inject({ target: 'erp', method: 'POST', path: /^\/sales-orders$/, fault: { kind: 'status', status: 422 } });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const order = await w.placeOrder([['BRG-6204', 10]], { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    await w.advance(1_000);
    const list = await w.send('GET', '/v1/exceptions?status=open&system=erp', undefined, { 'x-api-key': KEYS.ops });
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(1);
    const entry = list.json.items[0];
    expect(entry).toMatchObject({ system: 'erp', operation: 'bookSalesOrder', attempts: 1, traceId, status: 'open', replayCount: 0, payload: { externalReference: order.json.orderId, soldTo: 'C-100', warehouse: 'DC-EAST', lines: [{ itemNumber: 'BRG-6204', qty: 10, uom: 'EA' }] } });
    expect(entry.reason).toContain('422');
    await w.layer.flushEvents();
    expect(w.eventsOf('exception.raised')[0]!.data).toMatchObject({ exceptionId: entry.exceptionId, system: 'erp', operation: 'bookSalesOrder', retryable: false, traceId, httpStatus: 422 });
    expect((await w.getOrder(order.json.orderId)).json.status).toBe('accepted');
    expect((await w.send('GET', '/v1/exceptions', undefined, { 'x-api-key': '' })).status).toBe(401);
    expect((await w.send('GET', '/v1/exceptions', undefined, { 'x-api-key': KEYS.web })).status).toBe(403);

    // A replay that fails again parks the same entry again: still one exception raised.
    await w.send('POST', `/v1/exceptions/${entry.exceptionId}/replay`, undefined, { 'x-api-key': KEYS.ops });
    await w.advance(1_000);
    expect((await w.send('GET', '/v1/exceptions?status=open&system=erp', undefined, { 'x-api-key': KEYS.ops })).json.items.map((e: { exceptionId: string }) => e.exceptionId)).toEqual([entry.exceptionId]);
    expect(w.layer.stats().exceptions.raised).toBe(1);
    expect((await w.send('GET', '/metrics', undefined, {})).body).toContain('faultline_exceptions_raised_total{system="erp"} 1');

    remove();
    w.transport.inject({ target: 'erp', method: 'POST', path: /^\/sales-orders$/, fault: { kind: 'delay', ms: 500 }, times: 1 }); // the replay takes a while
    const replay = await w.send('POST', `/v1/exceptions/${entry.exceptionId}/replay`, undefined, { 'x-api-key': KEYS.ops });
    expect(replay.status).toBe(202);
    expect(replay.json.status).toBe('replaying');
    const again = await w.send('POST', `/v1/exceptions/${entry.exceptionId}/replay`, undefined, { 'x-api-key': KEYS.ops });
    expect([again.status, again.json.status]).toEqual([202, 'replaying']);
    await w.advance(1_000);
    const resolved = await w.send('POST', `/v1/exceptions/${entry.exceptionId}/replay`, undefined, { 'x-api-key': KEYS.ops });
    expect([resolved.status, resolved.json.status]).toEqual([200, 'resolved']);
    expect(w.erp.bookedFor(order.json.orderId)).toHaveLength(1);
    expect((await w.getOrder(order.json.orderId)).json.status).toBe('released');
    expect(w.layer.stats().exceptions).toMatchObject({ depth: 0, raised: 1, resolved: 1, replays: 2 });
    expect((await w.send('POST', '/v1/exceptions/e8b4c2a1-6d3f-4a9e-b7c5-1f2e3d4c5b6a/replay', undefined, { 'x-api-key': KEYS.ops })).status).toBe(404);
  });

  it('parks a message whose retries are exhausted; bulk replay by filter drains the queue', async () => {
    const w = await createWorld({ config: { retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 }, breaker: { consecutiveFailures: 50 } } });
    w.transport.inject({ target: 'erp', method: 'POST', path: /^\/sales-orders$/, fault: { kind: 'status', status: 500 } });
    const a = await w.placeOrder();
    const b = await w.placeOrder();
    await w.advance(120_000);
    const list = await w.send('GET', '/v1/exceptions?operation=bookSalesOrder', undefined, { 'x-api-key': KEYS.ops });
    expect(list.json.items).toHaveLength(2);
    expect(list.json.items[0]).toMatchObject({ attempts: 3, status: 'open' });
    expect(list.json.items[0].reason).toMatch(/failed 3 times; last: answered 500/);
    const page = await w.send('GET', '/v1/exceptions?limit=1', undefined, { 'x-api-key': KEYS.ops });
    expect(page.json.items).toHaveLength(1);
    const rest = await w.send('GET', `/v1/exceptions?limit=1&cursor=${page.json.nextCursor}`, undefined, { 'x-api-key': KEYS.ops });
    expect(rest.json.items).toHaveLength(1);
    expect(rest.json.items[0].exceptionId).not.toBe(page.json.items[0].exceptionId);
    expect(rest.json.nextCursor).toBeUndefined();
    const badCursor = await w.send('GET', '/v1/exceptions?cursor=nonsense', undefined, { 'x-api-key': KEYS.ops });
    expect([badCursor.status, badCursor.json.errors[0].pointer]).toEqual([400, '/query/cursor']);
    expect((await w.send('GET', '/v1/exceptions?limit=1000', undefined, { 'x-api-key': KEYS.ops })).status).toBe(400);

    w.transport.heal('erp');
    const bulk = await w.send('POST', '/v1/exceptions/replay', { system: 'erp' }, { 'x-api-key': KEYS.ops });
    expect(bulk.status).toBe(202);
    expect(bulk.json.replayed).toBe(2);
    expect((await w.send('POST', '/v1/exceptions/replay', {}, { 'x-api-key': KEYS.ops })).json.replayed).toBe(0);
    await w.advance(10_000);
    expect(w.erp.bookedFor(a.json.orderId)).toHaveLength(1);
    expect(w.erp.bookedFor(b.json.orderId)).toHaveLength(1);
    expect((await w.send('GET', '/v1/exceptions?status=open', undefined, { 'x-api-key': KEYS.ops })).json.items).toHaveLength(0);
  });

  it('survives a crash: a new layer on the same store recovers the outbox and honours the old Retry-After', async () => {
    const w = await createWorld();
    const t0 = w.clock.now();
    w.transport.inject({ target: 'erp', fault: { kind: 'status', status: 503, retryAfter: httpDate(t0 + 300_000) } });
    const ids = [(await w.placeOrder()).json.orderId, (await w.placeOrder()).json.orderId];
    await w.advance(10_000);
    w.transport.heal('erp');
    await w.restart();
    const callsAtRestart = w.transport.callsTo('erp').length;
    await w.advance(280_000);
    expect(w.transport.callsTo('erp')).toHaveLength(callsAtRestart);
    await w.advance(120_000);
    for (const id of ids) expect(w.erp.bookedFor(id)).toHaveLength(1);
    expect((await w.getOrder(ids[0]!)).json.status).toBe('released');
  });
});
