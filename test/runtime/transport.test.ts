import { connect } from 'node:net';
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
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await transport.send('echo', { method: 'POST', path: '/x?y=1', headers: { 'content-type': 'application/json', traceparent }, body: 'x'.repeat(4096) });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json');
    // The contracts' problem type, the path as instance, the declared size and the caller's trace.
    expect(JSON.parse(res.body)).toEqual({
      type: 'https://faultline.dev/problems/payload-too-large',
      title: 'Payload too large',
      status: 413,
      detail: 'The request body is 4096 bytes; the limit is 1024 bytes.',
      instance: '/x',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    await transport.close();
    await server.close();
  });

  it('lets a client finish sending an oversized body and read the 413; refuses it before it is sent when asked to continue', async () => {
    const server = await serveHandler(echoHandler); // 1 MiB limit
    const size = 5 * 1024 * 1024;
    // The body goes out in 64 KiB writes, as a client streams it; the answer is read after.
    const post = (expectContinue: boolean) =>
      new Promise<{ text: string; error: string | undefined }>((resolve) => {
        let text = '';
        let error: string | undefined;
        const socket = connect(server.port, '127.0.0.1', () => {
          socket.write(`POST /v1/orders HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n${expectContinue ? 'expect: 100-continue\r\n' : ''}\r\n`);
          if (expectContinue) return; // a client that asks waits for 100 Continue (or a final answer)
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          let sent = 0;
          const more = (): void => {
            while (sent < size) {
              sent += chunk.length;
              if (!socket.write(chunk)) return void socket.once('drain', more);
            }
          };
          more();
        });
        socket.on('data', (d) => {
          text += d.toString();
          if (/\r\n\r\n\{.*\}$/s.test(text)) socket.end(); // the whole answer is in; the connection is kept alive
        });
        socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
        socket.on('close', () => resolve({ text, error }));
      });
    for (let i = 0; i < 3; i++) {
      const streamed = await post(false);
      expect(streamed.error).toBeUndefined(); // no EPIPE / ECONNRESET while the body was still going out
      expect(streamed.text).toMatch(/^HTTP\/1.1 413 /);
      expect(streamed.text).toContain('"type":"https://faultline.dev/problems/payload-too-large"');
    }
    const asked = await post(true);
    expect(asked.text).toMatch(/^HTTP\/1.1 413 /); // the final answer, no 100 Continue first
    expect(asked.text).not.toContain('100 Continue');
    expect(asked.text).toContain(`"detail":"The request body is ${size} bytes; the limit is 1048576 bytes."`);
    await server.close();
  }, 30_000);

  it('answers what Fastify and the HTTP parser refuse (a URL that does not decode, headers too large, a broken Content-Length) with problem+json', async () => {
    const server = await serveHandler(echoHandler);
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => socket.end(text));
        let out = '';
        socket.on('data', (d) => (out += d.toString()));
        socket.on('close', () => resolve(out));
        socket.on('error', reject);
      });
    const badUrl = await raw('GET /v1/orders/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(badUrl).toMatch(/^HTTP\/1.1 400 /);
    expect(badUrl).toContain('application/problem+json');
    expect(badUrl).toMatch(/"type":"https:\/\/faultline.dev\/problems\/invalid-request".*"traceId":"[0-9a-f]{32}"/);
    const big = await raw(`GET / HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1.1 431 /);
    expect(big).toContain('"type":"https://faultline.dev/problems/request-header-fields-too-large"');
    const broken = await raw('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}');
    expect(broken).toMatch(/^HTTP\/1.1 400 /);
    expect(broken).toContain('"type":"https://faultline.dev/problems/invalid-request"');
    await server.close();
  });
});
