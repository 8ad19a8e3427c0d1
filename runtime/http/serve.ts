import Fastify, { type FastifyInstance } from 'fastify';
import type { HttpHandler, HttpRequest } from '../ports.ts';
import { problem } from './problem.ts';

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Largest accepted body in bytes (default 1 MiB); larger gets 413 problem+json. */
  bodyLimit?: number;
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
  const app = Fastify({ bodyLimit, logger: false, return503OnClosing: true, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));
  // What Fastify refuses before the handler sees the request (a body over the limit, a broken
  // request), answered in the problem types the contracts name.
  app.setErrorHandler((err, req, reply) => {
    const error = err as { statusCode?: number; message: string };
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const instance = req.url.split('?')[0]!;
    const declared = Number(req.headers['content-length']);
    const res =
      status === 413
        ? problem(413, 'Payload too large', `The request body is ${Number.isFinite(declared) && declared > bodyLimit ? `${declared} bytes` : `over ${bodyLimit} bytes`}; the limit is ${bodyLimit} bytes.`, { type: 'payload-too-large', extra: { instance } })
        : status === 500
          ? problem(500, 'Internal error', 'the server failed to handle the request', { extra: { instance } })
          : problem(status, 'Invalid request', error.message, { type: 'invalid-request', extra: { instance } });
    void reply.code(res.status).headers(res.headers).send(Buffer.from(res.body));
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
