import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { eventValidator } from '../../contracts/load.ts';
import { createWorld, KEYS } from './world.ts';

describe('observability', () => {
  it('propagates the caller’s trace to every downstream call and canonical event of the order', async () => {
    const w = await createWorld();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await w.placeOrder([['BRG-6204', 2]], { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    await w.advance(1_000);
    await w.wms['DC-EAST']!.ship(res.json.orderId);
    await w.advance(5_000);
    const downstream = w.transport.calls.filter((c) => c.target !== 'layer');
    expect(downstream.map((c) => `${c.target} ${c.method} ${c.path.split('?')[0]}`)).toEqual([
      'erp POST /customers/C-100/credit-check',
      'erp POST /pricing/validate',
      'erp POST /sales-orders',
      'carrier-swift POST /v2/shipments',
      'wms@DC-EAST POST /fulfillment-orders',
      'erp POST /goods-issues',
      'erp POST /invoices',
    ]);
    for (const c of downstream) expect(c.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(new Set(downstream.map((c) => c.headers.traceparent)).size).toBe(downstream.length); // a span per call
    await w.layer.flushEvents();
    const ofOrder = w.events.filter((e) => e.subject === res.json.orderId || (e.data as { orderId?: string }).orderId === res.json.orderId);
    expect(ofOrder.length).toBeGreaterThanOrEqual(5);
    for (const e of ofOrder) expect(e.traceparent).toMatch(new RegExp(`^00-${traceId}-`));
  });

  it('ignores a traceparent that does not parse and starts a new trace, as W3C Trace Context requires (no 400)', async () => {
    const w = await createWorld();
    const res = await w.placeOrder([['BRG-6204', 2]], { traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra' });
    expect(res.status).toBe(202);
    // The layer's own calls carry the new trace.
    const erp = w.transport.calls.find((c) => c.target === 'erp')!;
    expect(erp.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(erp.headers.traceparent).not.toContain('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('every canonical event it publishes matches its JSON Schema and carries the envelope on the bus', async () => {
    const w = await createWorld({ config: { reconciliationIntervalMs: 60_000 } });
    const seen: Array<{ headers: Record<string, string>; key: string; id: string; channel: string }> = [];
    for (const channel of ['orders', 'inventory', 'shipments', 'invoices', 'returns', 'exceptions']) w.bus.subscribe(channel, 'spy', async (d) => void seen.push(d));
    const order = await w.placeOrder([['BRG-6204', 4]]);
    await w.advance(1_000);
    w.transport.inject({ target: 'carrier-swift', fault: { kind: 'status', status: 422 }, times: 1 });
    const other = await w.placeOrder([['VLV-100', 1]]);
    await w.advance(1_000);
    await w.wms['DC-EAST']!.ship(order.json.orderId);
    await w.wms['DC-EAST']!.adjust('BRG-6204', 5, 'receipt');
    w.wms['DC-WEST']!.setStock('BRG-6204', 44, 'EA', 9);
    await w.advance(5_000);
    const tn = (await w.getOrder(order.json.orderId)).json.shipments[0].trackingNumber;
    await w.carriers.track(tn, 'DELIVERED');
    await w.advance(1_000);
    const ret = await w.send('POST', `/v1/orders/${order.json.orderId}/returns`, { lines: [{ sku: 'BRG-6204', quantity: { value: 1, uom: 'EA' } }], reason: 'not_needed' });
    await w.advance(1_000);
    await w.wms['DC-EAST']!.receiveReturn(ret.json.returnId, 'damaged');
    await w.send('POST', `/v1/orders/${other.json.orderId}/cancel`);
    await w.advance(60_000);
    await w.layer.flushEvents();
    const types = new Set(w.events.map((e) => e.type.replace(/^dev\.faultline\.|\.v1$/g, '')));
    expect([...types].sort()).toEqual(['credit.released', 'exception.raised', 'inventory.adjusted', 'inventory.released', 'inventory.reserved', 'invoice.posted', 'order.accepted', 'order.posted', 'return.received', 'shipment.delivered', 'shipment.dispatched']);
    for (const e of w.events) {
      const validate = eventValidator(e.type.replace(/^dev\.faultline\.|\.v1$/g, ''));
      expect(validate(e), `${e.type}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    for (const m of seen) {
      expect(m.headers['ce-type']).toMatch(/^dev\.faultline\./);
      expect(m.headers['content-type']).toBe('application/cloudevents+json');
    }
    expect(seen.map((m) => m.id).sort()).toEqual(w.events.map((e) => e.id).sort());
  });

  it('serves health, Prometheus metrics and stats()', async () => {
    const w = await createWorld();
    await w.placeOrder();
    await w.placeOrder([['NOPE-1', 1]]);
    await w.placeOrder(undefined, {}, { currency: 12 }); // refused by the contract's validation, before intake
    await w.advance(1_000);
    const health = await w.send('GET', '/v1/health', undefined, { 'x-api-key': '' });
    expect(health.json).toEqual({ status: 'ok', version: '0.1.0', checks: { store: 'ok', outboxBacklog: 0, circuits: { erp: 'closed', 'wms@DC-EAST': 'closed', 'wms@DC-WEST': 'closed', 'carrier-swift': 'closed', 'carrier-pelican': 'closed' } } });
    const metrics = await w.send('GET', '/metrics', undefined, {});
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('faultline_orders_received_total{channel="b2b-web",status="accepted"} 1');
    expect(metrics.body).toContain('faultline_orders_rejected_total{type="unknown-sku"} 1');
    expect(metrics.body).toContain('faultline_orders_rejected_total{type="invalid-request"} 1');
    expect(metrics.body).toMatch(/faultline_http_request_duration_seconds_count\{operation="createOrder"\} 3/);
    // Every call made downstream, by outcome (the ERP: credit check, price validation, booking).
    expect(metrics.body).toContain('faultline_downstream_calls_total{system="erp",outcome="ok"} 3');
    expect(metrics.body).toContain('faultline_outbox_backlog 0');
    expect(metrics.body).toContain('faultline_circuit_state{system="erp"} 0');
    const stats = w.layer.stats();
    expect(stats.orders).toMatchObject({ accepted: 1, rejected: 1, posted: 1 });
    expect(stats.systems.erp).toMatchObject({ calls: 3, failures: 0, breaker: 'closed' });
    expect(stats.at).toBe(w.clock.now());
  });

  it('logs structured JSON on simulated time when given a destination, nothing otherwise', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const w = await createWorld({ start: false });
    const { createLayer } = await import('../../reference-impl/layer.ts');
    const layer = createLayer({ clock: w.clock, random: w.random.fork('logged'), transport: w.transport, bus: w.bus, store: w.store, logger: { destination, level: 'info' } }, { apiKeys: [{ key: KEYS.ops, partner: 'ops', scopes: ['orders:read'] }] });
    await layer.start();
    layer.stop();
    await new Promise((r) => setImmediate(r));
    const parsed = lines.map((l) => JSON.parse(l) as { msg: string; time: string; system: string });
    expect(parsed.map((p) => p.msg)).toEqual(['layer started', 'layer stopped']);
    expect(parsed[0]!.time).toBe(new Date(w.clock.now()).toISOString());
    expect(parsed[0]!.system).toBe('layer');
  });
});
