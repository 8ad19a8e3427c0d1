import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { HttpHandler, HttpRequest } from '../ports.ts';
import { problem } from './problem.ts';
import { traceIdOf } from './trace-context.ts';

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Largest accepted body in bytes (default 1 MiB); larger gets 413 problem+json. */
  bodyLimit?: number;
  /** Told of each request the server refuses before the handler sees it (a body over the limit…). */
  onRefused?: (refusal: { method: string; path: string; status: number; type: string }) => void;
  /** Extra routes served before the handler (e.g. /metrics), registered on the Fastify instance. */
  setup?: (app: FastifyInstance) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/**
 * Serves an HttpHandler over real HTTP with Fastify. Fastify only moves bytes here: bodies reach
 * the handler as raw strings, whatever their content type, so contract validation stays in one
 * place (the handler) in both modes.
 */
export async function serveHandler(handler: HttpHandler, options: ServeOptions = {}): Promise<RunningServer> {
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const app = Fastify({
    bodyLimit,
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    // A URL that does not decode: answered as a problem like every other refusal.
    frameworkErrors: (error, req, reply) => {
      const res = problem(400, 'Invalid request', `the request URL is not valid: ${error.message}`, { type: 'invalid-request', extra: { instance: req.url.split('?')[0], traceId: refusalTraceId(req.headers.traceparent) } });
      void (reply as FastifyReply).code(res.status).headers(res.headers).send(Buffer.from(res.body));
    },
    // What Node's HTTP parser refuses (headers too large, a broken Content-Length): no request
    // object exists, so the answer is written to the socket.
    clientErrorHandler: (error, socket) => {
      const code = (error as { code?: string }).code;
      const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const res =
        status === 431
          ? problem(431, 'Request header fields too large', 'the request headers are larger than the server accepts (16 KiB in all)', { type: 'request-header-fields-too-large' })
          : status === 408
            ? problem(408, 'Request timeout', 'the request did not arrive in time', { type: 'request-timeout' })
            : problem(400, 'Invalid request', `the request is not valid HTTP/1.1 (${String(code ?? error.message)})`, { type: 'invalid-request' });
      if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: ${res.headers['content-type']}\r\ncontent-length: ${Buffer.byteLength(res.body)}\r\nconnection: close\r\n\r\n${res.body}`);
      else socket.destroy(error);
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));
  // What Fastify refuses before the handler sees the request (a body over the limit, a broken
  // request), answered in the problem types the contracts name.
  app.setErrorHandler((err, req, reply) => {
    const error = err as { statusCode?: number; message: string };
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const instance = req.url.split('?')[0]!;
    const declared = Number(req.headers['content-length']);
    if (status === 413) lingerOver(req.raw);
    const res =
      status === 413
        ? tooLarge(declared, bodyLimit, instance, req.headers.traceparent)
        : status === 500
          ? problem(500, 'Internal error', 'the server failed to handle the request', { extra: { instance } })
          : problem(status, 'Invalid request', error.message, { type: 'invalid-request', extra: { instance } });
    if (status === 413) reply.removeHeader('connection'); // the body is read to its end (lingerOver)
    options.onRefused?.({ method: req.method, path: instance, status: res.status, type: problemType(res.body) });
    void reply.code(res.status).headers(res.headers).send(Buffer.from(res.body));
  });
  // `Expect: 100-continue` with a declared body over the limit: the final answer at once, so the
  // client never sends the body (Node would otherwise invite it with 100 Continue).
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length']);
    if (!(declared > bodyLimit)) {
      res.writeContinue();
      app.server.emit('request', req, res);
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const refusal = tooLarge(declared, bodyLimit, path, req.headers.traceparent);
    options.onRefused?.({ method: req.method ?? 'POST', path, status: 413, type: 'payload-too-large' });
    res.writeHead(413, { ...refusal.headers, 'content-length': Buffer.byteLength(refusal.body), connection: 'close' }).end(refusal.body);
  });
  options.setup?.(app);
  app.route({
    method: [...METHODS],
    url: '/*',
    handler: async (req, reply) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const request: HttpRequest = { method: req.method, path: req.url, headers };
      if (typeof req.body === 'string') request.body = req.body;
      const res = await handler(request);
      return reply.code(res.status).headers(res.headers).send(Buffer.from(res.body));
    },
  });
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  return { url: `http://${options.host ?? '127.0.0.1'}:${port}`, port, close: () => app.close() };
}

/** The last segment of a problem's type URI (`payload-too-large`). */
function problemType(body: string): string {
  const type = (JSON.parse(body) as { type?: string }).type ?? '';
  return type.slice(type.lastIndexOf('/') + 1);
}

function tooLarge(declared: number, bodyLimit: number, instance: string, traceparent: string | string[] | undefined) {
  const size = Number.isFinite(declared) && declared > bodyLimit ? `${declared} bytes` : `over ${bodyLimit} bytes`;
  return problem(413, 'Payload too large', `The request body is ${size}; the limit is ${bodyLimit} bytes.`, { type: 'payload-too-large', extra: { instance, traceId: refusalTraceId(traceparent) } });
}

/** How much of a refused body is read and dropped, and for how long, before the connection is cut. */
const LINGER_BYTES = 64 * 1024 * 1024;
const LINGER_MS = 10_000;

/**
 * After a 413, the rest of the body is read and dropped (bounded), and the connection stays open.
 * Closing it while the client is still sending makes the kernel answer with a reset, and the
 * client then often sees EPIPE or ECONNRESET instead of the 413 (a lingering close, as nginx does).
 */
function lingerOver(req: IncomingMessage): void {
  if (req.complete) return;
  let dropped = 0;
  const cut = (): void => void req.socket.destroy();
  const timer = setTimeout(cut, LINGER_MS).unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) cut();
  });
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** The trace id a refusal made before the handler names: the caller's, else a new one (W3C Trace Context). */
function refusalTraceId(traceparent: string | string[] | undefined): string {
  return (typeof traceparent === 'string' ? traceIdOf(traceparent) : undefined) ?? randomBytes(16).toString('hex');
}
