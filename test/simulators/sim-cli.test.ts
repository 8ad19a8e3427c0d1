import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, faultline, ROOT } from '../cli/helpers.ts';
import { assertConforms, assertWebhookPayload } from './helpers.ts';

const children: ChildProcess[] = [];
const servers: Server[] = [];

afterEach(() => {
  // Only the processes this file started, by their own handle.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const server of servers.splice(0)) server.close();
});

/** Starts `faultline sim …` and resolves once it prints its URL. */
function startSim(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'sim', ...args], { cwd: ROOT, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 30 s:\n${out}`)), 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on (http:\/\/[0-9.:]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => reject(new Error(`exited ${code} before listening:\n${out}`)));
  });
}

async function http(contract: string, base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  const responseHeaders: Record<string, string> = {};
  res.headers.forEach((v, k) => (responseHeaders[k] = v));
  assertConforms(contract, { method, path, headers: {} }, { status: res.status, headers: responseHeaders, body: text });
  return { status: res.status, headers: responseHeaders, body: text === '' ? undefined : JSON.parse(text) };
}

describe('faultline sim', () => {
  it('serves the ERP simulator over real HTTP on --port 0, conforming to erp.yaml, and stops on SIGINT', async () => {
    const sim = await startSim(['erp', '--port', '0', '--seed', '7']);
    const auth = { authorization: 'Bearer cli-test' };
    const order = { externalReference: 'cli-1', soldTo: 'C-100', currency: 'EUR', warehouse: 'DC-EAST', orderDate: '2026-01-05T08:00:00Z', lines: [{ lineNumber: 1, itemNumber: 'VLV-100', qty: 2, uom: 'EA', unitPrice: { amount: '38.00', currency: 'EUR' } }] };
    const booked = await http('erp', sim.url, 'POST', '/sales-orders', order, auth);
    expect(booked.status).toBe(201);
    expect(booked.body).toMatchObject({ salesOrderNumber: 'SO-100001', total: { amount: '76.00' } });
    expect((await http('erp', sim.url, 'POST', '/sales-orders', order, auth)).status).toBe(200);
    expect((await http('erp', sim.url, 'GET', '/sales-orders?externalReference=cli-1', undefined, auth)).body.items).toHaveLength(1);
    expect((await http('erp', sim.url, 'POST', '/sales-orders', { ...order, lines: [] }, auth)).status).toBe(400);
    expect((await http('erp', sim.url, 'POST', '/sales-orders', order)).status).toBe(401);
    const events = await (await fetch(`${sim.url}/_faultline/events`)).json();
    expect(events).toEqual({ system: 'erp', sink: 'memory', events: [] });
    const truth = (await (await fetch(`${sim.url}/_faultline/truth`)).json()) as { salesOrders: unknown[]; requests: Array<{ operationId: string; status: number }> };
    expect(truth.salesOrders).toHaveLength(1);
    expect(truth.requests.map((r) => [r.operationId, r.status])).toEqual([
      ['bookSalesOrder', 201],
      ['bookSalesOrder', 200],
      ['findSalesOrders', 200],
      ['bookSalesOrder', 400],
      ['bookSalesOrder', 401],
    ]);
    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(0);
    expect(sim.output()).toMatch(/faultline sim erp stopped \(SIGINT\)/);
    expect(sim.output()).toMatch(/seed 7/);
  });

  it('applies --faults to the served simulator, and pushes WMS events as webhooks with the contract headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-sim-'));
    const plan = join(dir, 'faults.yaml');
    writeFileSync(plan, 'faults:\n  - kind: downtime\n    target: wms@DC-WEST:getFulfillmentOrder\n    retryAfter: 45s\n  - kind: downtime\n    target: wms@DC-WEST:cancelFulfillmentOrder\n    mode: refused\n');
    const received: Array<{ url: string; headers: Record<string, string | string[] | undefined>; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ url: req.url!, headers: req.headers, body });
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"stored"}');
      });
    });
    servers.push(receiver);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as { port: number }).port;

    const sim = await startSim(['wms', '--port', '0', '--dc', 'DC-WEST', '--faults', plan, '--webhook-url', `http://127.0.0.1:${port}`, '--api-key', 'wms-west-key']);
    expect(sim.output()).toMatch(/fault downtime-0: downtime on wms@DC-WEST:getFulfillmentOrder/);
    const down = await http('wms', sim.url, 'GET', '/fulfillment-orders/ord-1');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('45');
    await expect(fetch(`${sim.url}/fulfillment-orders/ord-1/cancel`, { method: 'POST' })).rejects.toThrow(); // connection closed, no answer
    const stock = await http('wms', sim.url, 'GET', '/stock?sku=BRG-6204');
    expect(stock.body.distributionCenter).toBe('DC-WEST');
    const adjusted = await fetch(`${sim.url}/_faultline/stock-adjustments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'BRG-6204', reason: 'receipt', quantity: 40 }) });
    expect(await adjusted.json()).toEqual({ sku: 'BRG-6204', delta: 40 });
    expect((await fetch(`${sim.url}/_faultline/stock-adjustments`, { method: 'POST', body: '{"sku":"NOPE","reason":"receipt","quantity":1}' })).status).toBe(400);
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
    const [hook] = received;
    expect(hook!.url).toBe('/v1/webhooks/wms/DC-WEST');
    expect(hook!.headers).toMatchObject({ 'content-type': 'application/json', 'x-wms-event-type': 'inventory.adjusted', 'x-api-key': 'wms-west-key' });
    expect(hook!.headers['x-wms-delivery-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(hook!.headers.source).toBeUndefined();
    assertWebhookPayload('wms', 'inventoryAdjusted', { id: 'x', channel: 'wms.inventory', key: 'x', headers: {}, body: hook!.body });
    expect(JSON.parse(hook!.body)).toMatchObject({ distributionCenter: 'DC-WEST', sku: 'BRG-6204', delta: 40, onHand: 340, reason: 'receipt', sequence: 1 });
    const events = (await (await fetch(`${sim.url}/_faultline/events`)).json()) as { sink: string; webhookUrl: string; events: Array<{ delivery: { status: string } }> };
    expect(events).toMatchObject({ sink: 'webhook', webhookUrl: `http://127.0.0.1:${port}/` });
    expect(events.events.map((e) => e.delivery.status)).toEqual(['delivered']);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });

  it('rejects bad usage with exit 2 and a message a person can act on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-sim-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'faults:\n  - kind: downtime\n    target: erp\n    probability: 3\n');
    const cases: Array<[string[], RegExp]> = [
      [['mars'], /unknown system "mars"; expected one of erp, wms, carrier-swift, carrier-pelican, storefront/],
      [['erp', '--dc', 'DC-EAST'], /--dc applies to wms only/],
      [['wms', '--dc', 'east'], /--dc must be a distribution-center code like DC-EAST/],
      [['erp', '--port', 'eighty'], /--port must be a port number/],
      [['erp', '--seed', 'x'], /--seed must be an integer/],
      [['storefront'], /needs --target URL/],
      [['storefront', '--target', 'ftp://x'], /--target must be an http/],
      [['storefront', '--target', 'http://127.0.0.1:1', '--duration', 'soon'], /--duration must be a duration/],
      [['storefront', '--target', 'http://127.0.0.1:1', '--port', '80'], /--port applies to erp, wms, carrier-swift, carrier-pelican only/],
      [['erp', '--faults', bad], /bad\.yaml:4:\d+: .*probability/],
    ];
    for (const [args, message] of cases) {
      const result = await faultline(['sim', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('drives a storefront workload against a commerce API and prints a summary', async () => {
    const seen: Array<{ method: string; url: string; key: string | undefined; idem: string | undefined }> = [];
    const api = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, key: req.headers['x-api-key'] as string | undefined, idem: req.headers['idempotency-key'] as string | undefined });
        if (req.url === '/v1/orders') res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ orderId: '0d5a2c44-7e19-4b3f-8c61-52f0a9e8d7b3', status: 'accepted', receivedAt: '2026-01-05T08:00:00Z', links: { self: '/v1/orders/x' } }));
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    servers.push(api);
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const port = (api.address() as { port: number }).port;
    const result = await faultline(['sim', 'storefront', '--target', `http://127.0.0.1:${port}`, '--rate', '20', '--duration', '2s', '--api-key', 'cli-key'], { timeoutMs: 30_000 });
    expect(result.code).toBe(0);
    const m = /sent (\d+) requests .*: 2xx (\d+), 4xx 0, 5xx 0, no answer 0; latency p50 [\d.]+ ms, p99 [\d.]+ ms/.exec(result.stdout);
    expect(m, result.stdout + result.stderr).not.toBeNull();
    expect(Number(m![1])).toBe(seen.length);
    expect(Number(m![2])).toBe(seen.length);
    expect(seen.length).toBeGreaterThan(15);
    expect(seen.every((s) => s.key === 'cli-key')).toBe(true);
    expect(seen.filter((s) => s.url === '/v1/orders').every((s) => s.idem !== undefined)).toBe(true);
  });

  it('exits 1 with a hint when the commerce API refuses every request as unauthenticated', async () => {
    const api = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"type":"about:blank","title":"Unauthorized","status":401}'));
    });
    servers.push(api);
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const port = (api.address() as { port: number }).port;
    const result = await faultline(['sim', 'storefront', '--target', `http://127.0.0.1:${port}`, '--rate', '10', '--duration', '1s'], { timeoutMs: 30_000, env: { FAULTLINE_API_KEY: '' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/refused every request \(401\/403\) with the default channels' keys .*; pass --api-key KEY/);
  });
});
