import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../runtime/load/driver.ts';
import { findMaxRate } from '../../runtime/load/find-max.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A server that handles one request at a time, `serviceMs` each: capacity 1000/serviceMs per second. */
function serial(serviceMs: number): (req: IncomingMessage, res: ServerResponse) => void {
  const queue: ServerResponse[] = [];
  let busy = false;
  const next = (): void => {
    const res = queue.shift();
    if (!res) {
      busy = false;
      return;
    }
    busy = true;
    setTimeout(() => {
      res.end('ok');
      next();
    }, serviceMs);
  };
  return (_req, res) => {
    queue.push(res);
    if (!busy) next();
  };
}

describe('the open-model load driver', () => {
  it('starts requests on schedule even when answers are slow', async () => {
    const arrivals: number[] = [];
    const url = await serve((_req, res) => {
      arrivals.push(performance.now());
      setTimeout(() => res.end('ok'), 300);
    });
    const report = await runLoad({ url, rate: 100, durationMs: 1000, request: { method: 'GET', path: '/' } });
    expect(report.sent).toBe(100);
    expect(report.ok).toBe(100);
    expect(report.errorCount).toBe(0);
    // A closed-model client with few connections would send in bursts after answers; these arrive every 10 ms.
    const span = arrivals[arrivals.length - 1]! - arrivals[0]!;
    expect(span).toBeGreaterThan(900);
    expect(span).toBeLessThan(1200);
    expect(report.latencyMs.p50).toBeGreaterThanOrEqual(295);
    expect(report.latencyMs.p50).toBeLessThan(400);
    expect(report.achievedRate).toBeGreaterThan(90);
    expect(report.backlog.grew).toBe(false);
  });

  it('measures from the scheduled start: a stall shows in p99 (no coordinated omission)', async () => {
    let stalledUntil = 0;
    const held: ServerResponse[] = [];
    const url = await serve((_req, res) => {
      if (performance.now() < stalledUntil) held.push(res);
      else res.end('ok');
    });
    setTimeout(() => {
      stalledUntil = performance.now() + 500;
      setTimeout(() => held.splice(0).forEach((r) => r.end('ok')), 500);
    }, 500);
    const report = await runLoad({ url, rate: 200, durationMs: 2000, request: { method: 'GET', path: '/' } });
    expect(report.ok).toBe(report.sent);
    expect(report.latencyMs.p50).toBeLessThan(20);
    expect(report.latencyMs.p99).toBeGreaterThan(400); // requests scheduled during the stall waited up to 500 ms
    expect(report.latencyMs.max).toBeLessThan(700);
  });

  it('counts errors by kind', async () => {
    let n = 0;
    const url = await serve((req, res) => {
      n++;
      if (n % 4 === 0) {
        res.writeHead(503).end();
      } else if (n % 4 === 1) {
        req.socket.destroy();
      } else {
        res.end('ok');
      }
    });
    const report = await runLoad({ url, count: 200, rate: 400, request: { method: 'POST', path: '/x', body: '{}', headers: { 'content-type': 'application/json' } } });
    expect(report.sent).toBe(200);
    expect(report.errors['http-503']).toBe(50);
    expect(report.errors.reset).toBe(50);
    expect(report.ok).toBe(100);
  });

  it('sees a growing backlog when the offered load exceeds capacity', async () => {
    const url = await serve(serial(10)); // 100/s at most
    const over = await runLoad({ url, rate: 250, durationMs: 1500, timeoutMs: 20_000, request: { method: 'GET', path: '/' } });
    expect(over.backlog.grew).toBe(true);
    expect(over.achievedRate).toBeLessThan(150);
    expect(over.latencyMs.p99).toBeGreaterThan(500);
    const under = await runLoad({ url, rate: 40, durationMs: 1500, request: { method: 'GET', path: '/' } });
    expect(under.backlog.grew).toBe(false);
    expect(under.errorCount).toBe(0);
  });

  it('only drives local services', async () => {
    await expect(runLoad({ url: 'http://example.com', rate: 1, count: 1, request: { method: 'GET', path: '/' } })).rejects.toThrow(/only targets local services/);
    await expect(runLoad({ url: 'http://127.0.0.1:9', rate: 1, request: { method: 'GET', path: '/' } })).rejects.toThrow(/bounded/);
  });

  it('finds the highest sustainable rate of a service with known capacity', async () => {
    const url = await serve(serial(10)); // capacity 100/s
    const result = await findMaxRate({ url, startRate: 25, maxRate: 800, stepMs: 1000, pauseMs: 200, maxP99Ms: 200, refine: 2, request: { method: 'GET', path: '/' } });
    expect(result.rate).toBeGreaterThanOrEqual(50);
    expect(result.rate).toBeLessThanOrEqual(100);
    expect(result.steps.some((s) => !s.sustained)).toBe(true);
    expect(result.steps.filter((s) => !s.sustained).every((s) => s.rate > result.rate)).toBe(true);
  });
});
