import { Agent } from 'undici';
import { exchange } from '../http/exchange.ts';
import { TransportError, type HttpRequest, type HttpResponse, type SendOptions, type Transport } from '../ports.ts';

export interface UndiciTransportOptions {
  /** Base URL per target system, e.g. `{ erp: 'http://127.0.0.1:4010' }`. */
  targets: Record<string, string>;
  /** Connections kept per origin (default 64). */
  connections?: number;
}

interface Base {
  url: string;
  origin: string;
  /** The base URL's path, without a trailing slash ('' for none). */
  prefix: string;
}

/**
 * Real HTTP over undici's keep-alive pools, through `exchange` (undici's `dispatch`) rather than
 * `undici.request`, whose per-call streams cost twice the CPU; the layer makes four calls per order.
 */
export class UndiciTransport implements Transport {
  private readonly agent: Agent;
  private readonly targets = new Map<string, Base>();

  constructor(options: UndiciTransportOptions) {
    for (const [target, url] of Object.entries(options.targets)) this.setTarget(target, url);
    this.agent = new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 10_000 });
  }

  setTarget(target: string, baseUrl: string): void {
    const url = new URL(baseUrl);
    this.targets.set(target, { url: baseUrl.replace(/\/+$/, ''), origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') });
  }

  async send(target: string, req: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    const base = this.targets.get(target);
    if (!base) throw new TransportError(target, 'unknown-target', `no base URL configured for "${target}"`);
    try {
      const res = await exchange(this.agent, { origin: base.origin, path: base.prefix + req.path, method: req.method, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}) }, options.signal ? { signal: options.signal } : {});
      const headers: Record<string, string> = {};
      for (const name in res.headers) {
        const value = res.headers[name]!;
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: res.status, headers, body: res.body.toString('utf8') };
    } catch (error) {
      throw toTransportError(target, base.url, error);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function toTransportError(target: string, base: string, error: unknown): TransportError {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (e.name === 'AbortError' || code === 'UND_ERR_ABORTED') return new TransportError(target, 'aborted', `call to ${base} aborted`);
  if (code === 'ECONNREFUSED') return new TransportError(target, 'refused', `connection refused by ${base}`);
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return new TransportError(target, 'reset', `connection to ${base} reset mid-exchange`);
  }
  return new TransportError(target, 'network', `call to ${base} failed: ${e.message ?? String(error)}`);
}
