import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { WallClock } from '../../runtime/clock/wall-clock.ts';
import { serveHandler, type RunningServer } from '../../runtime/http/serve.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { socketFaults } from '../../simulators/faults/adapters/sockets.ts';
import { FaultInjector } from '../../simulators/faults/injector.ts';
import type { FaultSpec } from '../../simulators/faults/kinds.ts';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** `faultline sim --faults` in miniature: a served system with the in-process injector on its handler. */
async function served(faults: FaultSpec[]) {
  const injector = new FaultInjector({ faults }, { clock: new WallClock(), random: new SeededRandom(1) });
  let calls = 0;
  const handler = injector.wrapHandler('erp', async () => ((calls++), { status: 201, headers: { 'content-type': 'application/json' }, body: '{"salesOrderNumber":"SO-1"}' }), { sockets: true });
  server = await serveHandler(handler, { setup: socketFaults });
  const book = () => request(`${server!.url}/sales-orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  return { book, calls: () => calls };
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (error) {
    const e = error as { code?: string; cause?: { code?: string } };
    return e.code ?? e.cause?.code;
  }
}

describe('wrapHandler over real sockets (faultline sim --faults)', () => {
  it('refused closes the connection before any answer; the system is not called', async () => {
    const s = await served([{ kind: 'downtime', target: 'erp', mode: 'refused' }]);
    expect(await code(s.book())).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(s.calls()).toBe(0);
  });

  it('lost-ack resets the connection after the system did the work', async () => {
    const s = await served([{ kind: 'lost-ack', target: 'erp:bookSalesOrder' }]);
    expect(await code(s.book())).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
    expect(s.calls()).toBe(1);
  });

  it('other faults answer over HTTP as usual', async () => {
    const s = await served([{ kind: 'error-rate', target: 'erp', status: 503 }]);
    const res = await s.book();
    expect(res.statusCode).toBe(503);
    expect(res.headers['x-faultline-connection']).toBeUndefined();
    await res.body.dump();
  });
});
