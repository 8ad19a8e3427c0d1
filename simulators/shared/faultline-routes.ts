import { problem } from '../../runtime/http/problem.ts';
import type { HttpHandler, HttpRequest, HttpResponse } from '../../runtime/ports.ts';

/** Requests under this prefix are faultline's own (debug, provider states), never the contract's. */
export const FAULTLINE_PREFIX = '/_faultline/';

export type RouteHandler = (request: HttpRequest, params: { query: URLSearchParams }) => Promise<HttpResponse> | HttpResponse;

/**
 * The `/_faultline/…` routes a served simulator answers next to its contract: a small registry,
 * so other pieces (events, truth, Pact provider states) add their routes without touching the
 * simulators. Put it in front of everything else (fault injection included): these routes are
 * for operators and tools and are never faulted.
 *
 *   const routes = new FaultlineRoutes().add('GET', '/_faultline/events', () => json(200, sink.records()));
 *   serveHandler(routes.wrap(faults.wrapHandler('erp', erp.handler)));
 */
export class FaultlineRoutes {
  private readonly routes = new Map<string, RouteHandler>();

  add(method: string, path: string, handler: RouteHandler): this {
    if (!path.startsWith(FAULTLINE_PREFIX)) throw new Error(`faultline routes live under ${FAULTLINE_PREFIX}, got ${path}`);
    this.routes.set(`${method.toUpperCase()} ${path}`, handler);
    return this;
  }

  /** The routes registered, as `METHOD /path`. */
  list(): string[] {
    return [...this.routes.keys()].sort();
  }

  /** `inner` for everything outside the prefix; the registered routes (or 404/405) inside it. */
  wrap(inner: HttpHandler): HttpHandler {
    return async (request) => {
      const q = request.path.indexOf('?');
      const pathname = q === -1 ? request.path : request.path.slice(0, q);
      if (!pathname.startsWith(FAULTLINE_PREFIX)) return inner(request);
      const route = this.routes.get(`${request.method} ${pathname}`);
      if (route) return route(request, { query: new URLSearchParams(q === -1 ? '' : request.path.slice(q + 1)) });
      const other = [...this.routes.keys()].filter((k) => k.endsWith(` ${pathname}`));
      if (other.length > 0) return problem(405, 'Method not allowed', `${request.method} is not allowed on ${pathname}; use ${other.map((k) => k.split(' ')[0]).join(', ')}`, { extra: { instance: pathname } });
      return problem(404, 'Not found', `no faultline route ${pathname}; known: ${this.list().join(', ') || 'none'}`, { extra: { instance: pathname } });
    };
  }
}

