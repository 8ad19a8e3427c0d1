import type { Socket } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Agent } from 'undici';
import { exchange } from '../../../../runtime/http/exchange.ts';
import { WallClock } from '../../../../runtime/clock/wall-clock.ts';
import { problem } from '../../../../runtime/http/problem.ts';
import type { Clock, HttpResponse } from '../../../../runtime/ports.ts';
import { SeededRandom } from '../../../../runtime/random/seeded-random.ts';
import { transformPayload } from '../../effects.ts';
import { FaultSet, type CallPlan } from '../../fault-set.ts';
import type { CompiledFault } from '../../plan.ts';
import { registerAdmin } from './admin.ts';

export interface FaultProxyOptions {
  /** The service to proxy to, e.g. `http://127.0.0.1:4010` (a path prefix is kept). */
  target: string;
  /** Faults in force from the start (loaded with `loadFaultPlan(file, { mode: 'http' })`). */
  faults?: readonly CompiledFault[];
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Seed of the probabilistic faults (default 1). */
  seed?: number;
  /**
   * The contract of the proxied service (`erp`, `commerce`…), when known: faults added at runtime
   * must then name its system. Faults that name an operation map method + path with their own
   * system's contract either way.
   */
  contract?: string;
  /** Largest request body forwarded, in bytes (default 10 MiB). */
  bodyLimit?: number;
  /** Upstream connections kept open (default 128). */
  connections?: number;
  /** Time source; the wall clock unless a test says otherwise. Windows count from `start`. */
  clock?: Clock;
}

export interface RunningFaultProxy {
  /** Where the proxy listens, e.g. `http://127.0.0.1:43123`. */
  url: string;
  port: number;
  /** The live fault list (the admin endpoint drives the same one). */
  faults: FaultSet;
  close(): Promise<void>;
}

/** The prefix of the admin API; requests under it are never forwarded. */
export const ADMIN_PREFIX = '/_faultline/faults';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

/**
 * A fault-injecting reverse proxy in front of any HTTP service (Fastify in, undici out). It applies
 * a fault plan to each request on real sockets, wall clock, windows counted from start; faults are
 * listed, added and removed at runtime under `/_faultline/faults`.
 *
 * @example
 *   const proxy = await startFaultProxy({ target: 'http://127.0.0.1:4010', faults: loadFaultPlan('plan.yaml', { mode: 'http' }).faults });
 *   // point the client at proxy.url; GET proxy.url + '/_faultline/faults' lists the faults and their counters
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<RunningFaultProxy> {
  const base = new URL(options.target);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`the proxy target must be an http(s) URL, got ${options.target}`);
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/+$/, '');
  const clock = options.clock ?? new WallClock();
  const faults = new FaultSet({ clock, random: new SeededRandom(options.seed ?? 1).fork('faults') });
  for (const fault of options.faults ?? []) faults.add(fault);
  const agent = new Agent({ connections: options.connections ?? 128, keepAliveTimeout: 30_000, pipelining: 1 });
  const bodyLimit = options.bodyLimit ?? 10 * 1024 * 1024;
  const held = new Set<Socket>();

  const app = Fastify({ logger: false, bodyLimit, forceCloseConnections: true, keepAliveTimeout: 30_000, return503OnClosing: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, _req, reply) => {
    const error = err as { statusCode?: number; message: string };
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const res = problem(status, status === 413 ? 'Payload too large' : 'Proxy error', error.message);
    void reply.code(res.status).headers(res.headers).send(Buffer.from(res.body));
  });

  registerAdmin(app, faults, { prefix: ADMIN_PREFIX, contract: options.contract });

  const forward = async (req: FastifyRequest, headers: Record<string, string | string[]>): Promise<Upstream> => {
    const res = await exchange(agent, {
      origin,
      path: prefix + req.url,
      method: req.method,
      headers,
      ...(Buffer.isBuffer(req.body) && req.body.length > 0 ? { body: req.body } : {}),
    });
    const out: Record<string, string | string[]> = {};
    for (const name in res.headers) if (!HOP_BY_HOP.has(name)) out[name] = res.headers[name]!;
    return { status: res.status, headers: out, body: res.body };
  };

  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
    url: '/*',
    handler: async (req, reply) => {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      const plan = faults.planCall({ system: undefined, method: req.method, path: req.url });
      if (!plan) return send(reply, await forwardOr502(forward, req, headers));
      return applyPlan(plan, req, reply, headers, forward, held);
    },
  });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    faults,
    close: async () => {
      for (const socket of held) socket.destroy();
      await app.close();
      await agent.close();
    },
  };
}

interface Upstream {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

type Forward = (req: FastifyRequest, headers: Record<string, string | string[]>) => Promise<Upstream>;

async function forwardOr502(forward: Forward, req: FastifyRequest, headers: Record<string, string | string[]>): Promise<Upstream> {
  try {
    return await forward(req, headers);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const res = problem(502, 'Bad gateway', `the proxied service did not answer: ${e.code ?? ''} ${e.message ?? String(error)}`.trim(), { type: 'bad-gateway' });
    return fromResponse(res);
  }
}

function fromResponse(res: HttpResponse): Upstream {
  return { status: res.status, headers: res.headers, body: Buffer.from(res.body) };
}

function send(reply: FastifyReply, up: Upstream): FastifyReply {
  return reply.code(up.status).headers(up.headers).send(up.body);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function applyPlan(
  plan: CallPlan,
  req: FastifyRequest,
  reply: FastifyReply,
  headers: Record<string, string | string[]>,
  forward: Forward,
  held: Set<Socket>,
): Promise<FastifyReply> {
  const socket = req.raw.socket;
  if (plan.delayMs > 0) await sleep(plan.delayMs);
  const outcome = plan.outcome;
  if (outcome.type === 'respond') return send(reply, fromResponse(outcome.response));
  if (outcome.type === 'refuse') {
    reply.hijack();
    socket.destroy(); // nothing was answered: the client sees the connection close
    return reply;
  }
  if (outcome.type === 'hang') return hold(reply, socket, held);

  for (let i = 1; i < plan.copies; i++) {
    const copy = (): void => void forward(req, headers).catch(() => undefined);
    if (plan.spacingMs > 0) setTimeout(copy, plan.spacingMs * i);
    else copy();
  }
  let up = await forwardOr502(forward, req, headers);
  if (plan.lostAck === 'reset') {
    reply.hijack();
    socket.resetAndDestroy();
    return reply;
  }
  if (plan.lostAck === 'timeout') return hold(reply, socket, held);
  if (plan.transforms.length > 0 && !up.headers['content-encoding']) {
    const contentType = up.headers['content-type'];
    const out = transformPayload({ body: up.body.toString('utf8'), contentType: Array.isArray(contentType) ? contentType[0] : contentType }, plan.transforms);
    up = { ...up, headers: { ...up.headers, ...(out.contentType === undefined ? {} : { 'content-type': out.contentType }) }, body: Buffer.from(out.body) };
  }
  if (plan.reset) {
    const cut = Math.min(up.body.length, plan.reset.afterBytes ?? Math.floor(up.body.length / 2));
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(up.status, { ...up.headers, 'content-length': String(up.body.length) });
    raw.write(up.body.subarray(0, cut), () => socket.resetAndDestroy());
    return reply;
  }
  if (plan.slowBody) {
    reply.hijack();
    await dribble(reply, up, plan.slowBody.bytesPerSecond);
    return reply;
  }
  return send(reply, up);
}

/** Holds the request open without answering until the client gives up (or the proxy closes). */
function hold(reply: FastifyReply, socket: Socket, held: Set<Socket>): Promise<FastifyReply> {
  reply.hijack();
  held.add(socket);
  return new Promise((resolve) => {
    socket.once('close', () => {
      held.delete(socket);
      resolve(reply);
    });
  });
}

/** Writes the body at `bytesPerSecond`, in ticks of 50 ms (or one byte per tick when slower). */
async function dribble(reply: FastifyReply, up: Upstream, bytesPerSecond: number): Promise<void> {
  const raw = reply.raw;
  raw.writeHead(up.status, { ...up.headers, 'content-length': String(up.body.length) });
  raw.flushHeaders();
  const tickMs = bytesPerSecond >= 20 ? 50 : 1000 / bytesPerSecond;
  const chunk = Math.max(1, Math.round((bytesPerSecond * tickMs) / 1000));
  for (let offset = 0; offset < up.body.length; offset += chunk) {
    if (raw.destroyed) return;
    raw.write(up.body.subarray(offset, offset + chunk));
    if (offset + chunk < up.body.length) await sleep(tickMs);
  }
  raw.end();
}
