import { get } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type RunningFaultProxy } from '../../simulators/faults/adapters/proxy/index.ts';
import type { FaultSpec } from '../../simulators/faults/kinds.ts';
import { parseFaultPlan } from '../../simulators/faults/plan.ts';

/** A plain HTTP service that knows nothing of faultline, counting what reaches it. */
let upstream: FastifyInstance;
let upstreamUrl: string;
const hits = new Map<string, number>();
const BIG = 'x'.repeat(1000);

beforeAll(async () => {
  upstream = Fastify({ logger: false });
  upstream.addHook('onRequest', async (req) => void hits.set(`${req.method} ${req.url.split('?')[0]}`, (hits.get(`${req.method} ${req.url.split('?')[0]}`) ?? 0) + 1));
  upstream.get('/hello', async (req) => ({ msg: 'hi', query: req.query, at: '2026-01-05T08:00:00Z', created_ms: 1767600000000 }));
  upstream.post('/sales-orders', async (req, reply) => reply.code(201).header('x-upstream', 'yes').send({ salesOrderNumber: 'SO-1', echo: req.body }));
  upstream.get('/big', async (_req, reply) => reply.type('text/plain').send(BIG));
  await upstream.listen({ port: 0, host: '127.0.0.1' });
  upstreamUrl = `http://127.0.0.1:${(upstream.server.address() as { port: number }).port}`;
});
afterAll(() => upstream.close());

let proxy: RunningFaultProxy | undefined;
let agent: Agent | undefined;
afterEach(async () => {
  await proxy?.close();
  await agent?.close();
  proxy = undefined;
  agent = undefined;
  hits.clear();
});

async function start(faults: FaultSpec[], contract?: string): Promise<RunningFaultProxy> {
  const plan = parseFaultPlan(JSON.stringify({ faults }), 'plan.json', { mode: 'http', ...(contract ? { contract } : {}) });
  proxy = await startFaultProxy({ target: upstreamUrl, faults: plan.faults, seed: 5, ...(contract ? { contract } : {}) });
  agent = new Agent({ connections: 16 });
  return proxy;
}

async function call(path: string, init: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}) {
  const res = await request(proxy!.url + path, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body,
    dispatcher: agent,
    signal: AbortSignal.timeout(init.timeoutMs ?? 5000),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Record<string, string>, text };
}

async function failure(p: Promise<unknown>): Promise<{ code?: string; name?: string; message?: string }> {
  try {
    await p;
  } catch (error) {
    const e = error as { code?: string; name?: string; message?: string; cause?: { code?: string } };
    return { code: e.code ?? e.cause?.code, name: e.name, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** A raw GET, to watch the bytes of a response arrive. */
function rawGet(url: string): Promise<{ status: number; contentLength: number; received: number; chunks: number; error?: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      let received = 0;
      let chunks = 0;
      const done = (error?: string) => resolve({ status: res.statusCode ?? 0, contentLength: Number(res.headers['content-length']), received, chunks, ms: performance.now() - started, ...(error ? { error } : {}) });
      res.on('data', (d: Buffer) => ((received += d.length), chunks++));
      res.on('end', () => done());
      res.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
      res.on('aborted', () => done('aborted'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, contentLength: 0, received: 0, chunks: 0, error: e.code ?? e.message, ms: performance.now() - started }));
  });
}

describe('faultline proxy in front of a plain HTTP server', () => {
  it('forwards method, path, query, headers and body unchanged when no fault applies', async () => {
    await start([{ kind: 'error-rate', target: 'erp:checkCredit' }]);
    const res = await call('/sales-orders?x=1', { method: 'POST', body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(res.headers['x-upstream']).toBe('yes');
    expect(JSON.parse(res.text)).toEqual({ salesOrderNumber: 'SO-1', echo: { a: 1 } });
    expect(JSON.parse((await call('/hello?name=n')).text).query).toEqual({ name: 'n' });
  });

  it('downtime: 503 problem+json with Retry-After, without reaching the service', async () => {
    await start([{ kind: 'downtime', target: 'erp', retryAfter: '90s' }]);
    const res = await call('/hello');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['retry-after']).toBe('90');
    expect(hits.size).toBe(0);
  });

  it('downtime refused: the connection closes without an answer', async () => {
    await start([{ kind: 'downtime', target: 'erp', mode: 'refused' }]);
    const error = await failure(call('/hello'));
    expect(error.code).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(hits.size).toBe(0);
  });

  it('latency: the answer comes after the delay', async () => {
    await start([{ kind: 'latency', target: 'erp', ms: 200 }]);
    const t0 = performance.now();
    expect((await call('/hello')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
  });

  it('timeout: no answer until the client gives up', async () => {
    await start([{ kind: 'timeout', target: 'erp' }]);
    const t0 = performance.now();
    const error = await failure(call('/hello', { timeoutMs: 300 }));
    expect(error.name).toMatch(/TimeoutError|AbortError/);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(hits.size).toBe(0);
  });

  it('error-rate 0.3: about 30% of 1,000 calls get the 5xx', async () => {
    await start([{ kind: 'error-rate', target: 'erp', probability: 0.3, status: 503 }]);
    let failed = 0;
    for (let i = 0; i < 1000; i++) if ((await call('/hello')).status === 503) failed++;
    expect(failed / 1000).toBeGreaterThan(0.255);
    expect(failed / 1000).toBeLessThan(0.345);
    expect(hits.get('GET /hello')).toBe(1000 - failed);
  });

  it('throttle: a burst passes, then 429 with Retry-After (seconds or HTTP-date)', async () => {
    await start([{ kind: 'throttle', target: 'erp', rate: 1, burst: 3, retryAfterFormat: 'http-date' }]);
    const statuses: number[] = [];
    let retryAfter = '';
    for (let i = 0; i < 10; i++) {
      const res = await call('/hello');
      statuses.push(res.status);
      if (res.status === 429) retryAfter ||= res.headers['retry-after']!;
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.slice(3).every((s) => s === 429)).toBe(true);
    expect(Date.parse(retryAfter) - Date.now()).toBeGreaterThan(-1000);
    expect(retryAfter).toMatch(/GMT$/);
  });

  it('duplicate: the request reaches the service copies times', async () => {
    await start([{ kind: 'duplicate', target: 'erp', copies: 3 }]);
    expect((await call('/sales-orders', { method: 'POST', body: '{}' })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 100));
    expect(hits.get('POST /sales-orders')).toBe(3);
  });

  it('lost-ack: the service did the work, the client sees a reset (or waits, in timeout mode)', async () => {
    await start([{ kind: 'lost-ack', target: 'erp:bookSalesOrder' }, { kind: 'lost-ack', target: 'erp:getSalesOrder', mode: 'timeout' }]);
    const error = await failure(call('/sales-orders', { method: 'POST', body: '{}' }));
    expect(error.code).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(hits.get('POST /sales-orders')).toBe(1);
    expect((await call('/hello')).status).toBe(200); // other operations pass
  });

  it('lost-ack timeout: held until the client gives up, after the service answered', async () => {
    await start([{ kind: 'lost-ack', target: 'erp', mode: 'timeout' }]);
    const error = await failure(call('/sales-orders', { method: 'POST', body: '{}', timeoutMs: 300 }));
    expect(error.name).toMatch(/TimeoutError|AbortError/);
    expect(hits.get('POST /sales-orders')).toBe(1);
  });

  it('malformed, schema-drift and clock-skew rewrite the answer', async () => {
    await start([
      { kind: 'schema-drift', target: 'erp', renames: { msg: 'message' }, adds: { v: 2 } },
      { kind: 'clock-skew', target: 'erp', offset: '-5m' },
    ]);
    expect(JSON.parse((await call('/hello')).text)).toEqual({ message: 'hi', query: {}, at: '2026-01-05T07:55:00Z', created_ms: 1767600000000 - 300_000, v: 2 });
    await proxy!.close();
    await start([{ kind: 'malformed', target: 'erp', variant: 'truncated-json' }]);
    const truncated = (await call('/hello')).text;
    expect(() => JSON.parse(truncated) as unknown).toThrow();
    await proxy!.close();
    await start([{ kind: 'malformed', target: 'erp', variant: 'wrong-content-type' }]);
    expect((await call('/hello')).headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('reset: the connection is reset part-way through the body', async () => {
    await start([{ kind: 'reset', target: 'erp', afterBytes: 100 }]);
    const res = await rawGet(`${proxy!.url}/big`);
    expect(res.status).toBe(200);
    expect(res.contentLength).toBe(1000);
    expect(res.received).toBeLessThan(1000);
    expect(res.error).toMatch(/ECONNRESET|aborted/);
  });

  it('slow-body: the body is dribbled at bytesPerSecond', async () => {
    await start([{ kind: 'slow-body', target: 'erp', bytesPerSecond: 2000 }]);
    const res = await rawGet(`${proxy!.url}/big`);
    expect(res.received).toBe(1000);
    expect(res.error).toBeUndefined();
    expect(res.ms).toBeGreaterThanOrEqual(400); // 1000 bytes at 2000 B/s, first chunk at once
    expect(res.chunks).toBeGreaterThanOrEqual(5);
  });

  it('operation targets map method and path through the contract', async () => {
    await start([{ kind: 'error-rate', target: 'erp:bookSalesOrder', status: 500 }], 'erp');
    expect((await call('/sales-orders', { method: 'POST', body: '{}' })).status).toBe(500);
    expect((await call('/hello')).status).toBe(200);
  });
});

describe('the admin endpoint changes faults at runtime', () => {
  it('lists, adds, removes and clears faults; counters show what fired', async () => {
    await start([{ kind: 'latency', target: 'erp', ms: 1, id: 'slow' }]);
    const admin = (method: string, path = '', body?: unknown) => call(`/_faultline/faults${path}`, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });

    await call('/hello');
    let listed = JSON.parse((await admin('GET')).text) as { faults: Array<{ id: string; kind: string; matched: number; fired: number; active: boolean }> };
    expect(listed.faults).toEqual([expect.objectContaining({ id: 'slow', kind: 'latency', matched: 1, fired: 1, active: true })]);

    const added = await admin('POST', '', { kind: 'error-rate', target: 'erp', status: 502 });
    expect(added.status).toBe(201);
    expect(JSON.parse(added.text)).toMatchObject({ id: 'error-rate-1', kind: 'error-rate' });
    expect(added.headers.location).toBe('/_faultline/faults/error-rate-1');
    expect((await call('/hello')).status).toBe(502);

    const invalid = await admin('POST', '', { kind: 'error-rate', target: 'erp', probability: 1.5 });
    expect(invalid.status).toBe(422);
    expect(invalid.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(invalid.text)).toMatchObject({
      status: 422,
      detail: 'probability: a probability is between 0 and 1, got 1.5',
      errors: [{ pointer: '/probability', message: 'probability: a probability is between 0 and 1, got 1.5' }],
    });
    const channel = await admin('POST', '', { kind: 'reorder', target: 'events:wms', window: '1s' });
    expect(channel.status).toBe(422);
    expect(JSON.parse(channel.text).errors[0].pointer).toBe('/target');
    const notJson = await admin('POST', '', '{kind: ');
    expect(notJson.status).toBe(400);
    const taken = await admin('POST', '', { kind: 'timeout', target: 'erp', id: 'slow' });
    expect(taken.status).toBe(409);

    expect((await admin('DELETE', '/error-rate-1')).status).toBe(204);
    expect((await admin('DELETE', '/error-rate-1')).status).toBe(404);
    expect((await call('/hello')).status).toBe(200);

    expect((await admin('DELETE')).status).toBe(204);
    listed = JSON.parse((await admin('GET')).text) as typeof listed;
    expect(listed.faults).toEqual([]);
    expect((await call('/_faultline/faults/a/b')).status).toBe(404);
    expect([...hits.keys()].filter((k) => k.includes('_faultline'))).toEqual([]); // never forwarded
  });
});
