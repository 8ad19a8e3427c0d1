import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HttpHandler, Transport } from '../../runtime/ports.ts';

/** A tiny system under test: echoes what it received, and can be made slow. */
export const echoHandler: HttpHandler = async (req) => {
  if (req.path.startsWith('/slow')) await new Promise((r) => setTimeout(r, 2000));
  return {
    status: req.method === 'POST' ? 201 : 200,
    headers: { 'content-type': 'application/json', 'x-echo': 'yes' },
    body: JSON.stringify({ method: req.method, path: req.path, trace: req.headers['traceparent'] ?? null, body: req.body ?? null }),
  };
};

export interface TransportHarness {
  transport: Transport;
  /** The target name under which `echoHandler` is reachable. */
  target: string;
  dispose(): Promise<void>;
}

/** The behaviour every Transport adapter shares. */
export function transportCases(make: () => Promise<TransportHarness>): void {
  let h: TransportHarness;
  beforeAll(async () => {
    h = await make();
  });
  afterAll(async () => {
    await h.dispose();
  });

  it('carries method, path with query, headers and body, and returns status, headers and body', async () => {
    const res = await h.transport.send(h.target, {
      method: 'POST',
      path: '/v1/orders?dry=1',
      headers: { 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      body: '{"a":1}',
    });
    expect(res.status).toBe(201);
    expect(res.headers['x-echo']).toBe('yes');
    expect(JSON.parse(res.body)).toEqual({
      method: 'POST',
      path: '/v1/orders?dry=1',
      trace: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      body: '{"a":1}',
    });
  });

  it('rejects with a TransportError naming the target when it is unknown', async () => {
    await expect(h.transport.send('nobody', { method: 'GET', path: '/', headers: {} })).rejects.toMatchObject({
      name: 'TransportError',
      target: 'nobody',
      code: 'unknown-target',
    });
  });

  it('gives up when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = h.transport.send(h.target, { method: 'GET', path: '/slow', headers: {} }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'TransportError', code: 'aborted' });
  });
}
