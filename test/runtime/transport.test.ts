import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { serveHandler } from '../../runtime/http/serve.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';
import { UndiciTransport } from '../../runtime/transport/undici.ts';
import { echoHandler, transportCases } from './transport.case.ts';

describe('Transport: in-process', () => {
  transportCases(async () => ({
    transport: new InProcessTransport().register('echo', echoHandler),
    target: 'echo',
    dispose: async () => undefined,
  }));
});

describe('Transport: undici over real HTTP', () => {
  transportCases(async () => {
    const server = await serveHandler(echoHandler);
    const transport = new UndiciTransport({ targets: { echo: server.url } });
    return {
      transport,
      target: 'echo',
      dispose: async () => {
        await transport.close();
        await server.close();
      },
    };
  });

  it('reports a refused connection as such', async () => {
    const server = await serveHandler(echoHandler);
    const url = server.url;
    await server.close();
    const transport = new UndiciTransport({ targets: { gone: url } });
    await expect(transport.send('gone', { method: 'GET', path: '/', headers: {} })).rejects.toMatchObject({ code: 'refused' });
    await transport.close();
  });

  it('keeps the path of a base URL in front of every request path', async () => {
    const server = await serveHandler(echoHandler);
    const transport = new UndiciTransport({ targets: { echo: `${server.url}/partner/erp/` } });
    const res = await transport.send('echo', { method: 'GET', path: '/v1/items?sku=BRG-6204', headers: {} });
    expect(JSON.parse(res.body)).toMatchObject({ path: '/partner/erp/v1/items?sku=BRG-6204' });
    await transport.close();
    await server.close();
  });

  it('shares one abort signal between calls: an aborted signal refuses new calls, and calls that ended are not touched by it', async () => {
    const server = await serveHandler(echoHandler);
    const transport = new UndiciTransport({ targets: { echo: server.url } });
    const shared = new AbortController();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => transport.send('echo', { method: 'GET', path: `/n/${i}`, headers: {} }, { signal: shared.signal })));
    expect(answers.map((a) => JSON.parse(a.body).path)).toEqual(Array.from({ length: 20 }, (_, i) => `/n/${i}`));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0); // the finished calls left no listener behind
    const slow = transport.send('echo', { method: 'GET', path: '/slow', headers: {} }, { signal: shared.signal });
    shared.abort();
    await expect(slow).rejects.toMatchObject({ code: 'aborted' });
    await expect(transport.send('echo', { method: 'GET', path: '/', headers: {} }, { signal: shared.signal })).rejects.toMatchObject({ code: 'aborted' });
    await transport.close();
    await server.close();
  });

  it('answers an oversized body with 413 problem+json', async () => {
    const server = await serveHandler(echoHandler, { bodyLimit: 1024 });
    const transport = new UndiciTransport({ targets: { echo: server.url } });
    const res = await transport.send('echo', { method: 'POST', path: '/x?y=1', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(4096) });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json');
    // The contracts' problem type, the path as instance, and the declared size.
    expect(JSON.parse(res.body)).toEqual({
      type: 'https://faultline.dev/problems/payload-too-large',
      title: 'Payload too large',
      status: 413,
      detail: 'The request body is 4096 bytes; the limit is 1024 bytes.',
      instance: '/x',
    });
    await transport.close();
    await server.close();
  });
});
