import { Agent, request } from 'undici';
import { TransportError, type HttpRequest, type HttpResponse, type SendOptions, type Transport } from '../ports.ts';

export interface UndiciTransportOptions {
  /** Base URL per target system, e.g. `{ erp: 'http://127.0.0.1:4010' }`. */
  targets: Record<string, string>;
  /** Connections kept per origin (default 64). */
  connections?: number;
}

/** Real HTTP over undici's keep-alive pools. */
export class UndiciTransport implements Transport {
  private readonly agent: Agent;
  private readonly targets: Map<string, string>;

  constructor(options: UndiciTransportOptions) {
    this.targets = new Map(Object.entries(options.targets).map(([k, v]) => [k, v.replace(/\/+$/, '')]));
    this.agent = new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 10_000 });
  }

  setTarget(target: string, baseUrl: string): void {
    this.targets.set(target, baseUrl.replace(/\/+$/, ''));
  }

  async send(target: string, req: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    const base = this.targets.get(target);
    if (!base) throw new TransportError(target, 'unknown-target', `no base URL configured for "${target}"`);
    try {
      const res = await request(base + req.path, {
        method: req.method as 'GET',
        headers: req.headers,
        body: req.body,
        dispatcher: this.agent,
        signal: options.signal,
      });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: res.statusCode, headers, body: await res.body.text() };
    } catch (error) {
      throw toTransportError(target, base, error);
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
