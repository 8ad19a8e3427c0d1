// A Transport over the global `fetch`, for client tests with msw. msw 2 (@mswjs/interceptors
// 0.41) patches global fetch and http.request in Node, not undici's own dispatcher: the runtime's
// UndiciTransport (undici `request` on its own Agent) goes to the network right past msw
// (test/contract-tools/msw.test.ts pins this). Same contract as UndiciTransport: base URL per
// target, header names in lower case, TransportError when no HTTP answer comes.
import { TransportError, type HttpRequest, type HttpResponse, type SendOptions, type Transport } from '../../../runtime/ports.ts';

export interface FetchTransportOptions {
  /** Base URL per target system, e.g. `{ erp: 'http://erp.test', 'wms@DC-EAST': 'http://wms.test/dc-east' }`. */
  targets: Record<string, string>;
}

export class FetchTransport implements Transport {
  private readonly targets: Map<string, string>;

  constructor(options: FetchTransportOptions) {
    this.targets = new Map(Object.entries(options.targets).map(([k, v]) => [k, v.replace(/\/+$/, '')]));
  }

  async send(target: string, req: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    const base = this.targets.get(target);
    if (!base) throw new TransportError(target, 'unknown-target', `no base URL configured for "${target}"`);
    try {
      const res = await fetch(base + req.path, {
        method: req.method,
        headers: req.headers,
        ...(req.body === undefined ? {} : { body: req.body }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
      return { status: res.status, headers, body: await res.text() };
    } catch (error) {
      const e = error as { name?: string; message?: string };
      if (e.name === 'AbortError' || e.name === 'TimeoutError' || options.signal?.aborted) throw new TransportError(target, 'aborted', `call to ${base} aborted`);
      throw new TransportError(target, 'network', `call to ${base} failed: ${e.message ?? String(error)}`);
    }
  }
}
