import type { HttpHandler, HttpRequest, HttpResponse } from '../../runtime/ports.ts';
import { createContractHandler, type OperationContext } from '../../runtime/http/contract-handler.ts';
import type { OpenApiDocument as RuntimeOpenApiDocument, OperationEntry } from '../../runtime/http/openapi-document.ts';
import { json } from '../../runtime/http/problem.ts';
import { loadOpenApi } from '../../contracts/load.ts';
import type { operations } from '../../contracts/generated/openapi/commerce.ts';
import type { SqlValue } from '../ports.ts';
import type { Scope } from '../config.ts';
import { parseTimeline } from '../domain/order.ts';
import { iso, type LayerContext } from '../services/context.ts';
import type { CancellationService } from '../services/cancellation.ts';
import { decodeCursor, type ExceptionQueue, type ExceptionStatus } from '../services/exceptions.ts';
import { decodeShipment } from '../services/fulfillment.ts';
import type { IntakeService } from '../services/intake.ts';
import type { InventoryService } from '../services/inventory.ts';
import type { OrderRecord } from '../services/orders.ts';
import { decodeReturn, type ReturnService } from '../services/returns.ts';
import type { WebhookService } from '../services/webhooks.ts';
import { retryAfterSeconds } from '../resilience/retry-after.ts';
import { problemSlug, type Problem } from '../resilience/outcome.ts';
import { Partners, type Principal } from './partners.ts';
import { problem } from './problems.ts';

export interface CommerceServices {
  intake: IntakeService;
  inventory: InventoryService;
  cancellation: CancellationService;
  returns: ReturnService;
  exceptions: ExceptionQueue;
  webhooks: WebhookService;
  /** Circuit state per downstream system, for /v1/health. */
  circuits(): Record<string, 'closed' | 'open' | 'half_open'>;
  /** Refreshes gauges before /metrics is rendered. */
  refreshGauges(): void;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

interface RequestInfo {
  operationId: string;
  startedAt: number;
  traceId: string;
  instance: string;
}

type Handlers = Parameters<typeof createContractHandler<operations>>[2];
type Ctx<K extends keyof operations> = OperationContext<operations[K]>;

/** The layer instance serving a request (the contract handler is shared by every instance). */
const owners = new WeakMap<HttpRequest, CommerceApi>();
const apiOf = (request: HttpRequest): CommerceApi => owners.get(request)!;
let sharedContract: HttpHandler | undefined;

/**
 * One contract handler per process: compiling the commerce contract's validators costs tens of
 * milliseconds, which a harness building thousands of worlds should pay once. Each request is
 * dispatched to the layer instance that received it.
 */
function contractHandler(): HttpHandler {
  if (sharedContract) return sharedContract;
  const handlers: Handlers = {
    createOrder: (c) => apiOf(c.request).createOrder(c),
    getOrder: (c) => apiOf(c.request).getOrder(c),
    cancelOrder: (c) => apiOf(c.request).cancelOrder(c),
    createReturn: (c) => apiOf(c.request).createReturn(c),
    getAvailability: (c) => apiOf(c.request).getAvailability(c),
    listExceptions: (c) => apiOf(c.request).listExceptions(c),
    replayException: (c) => apiOf(c.request).replayException(c),
    replayExceptions: (c) => apiOf(c.request).replayExceptions(c),
    receiveWmsEvent: (c) => apiOf(c.request).receiveWmsEvent(c),
    receiveCarrierEvent: (c) => apiOf(c.request).receiveCarrierEvent(c),
    getHealth: (c) => apiOf(c.request).getHealth(),
    getMetrics: (c) => apiOf(c.request).getMetrics(),
  };
  sharedContract = createContractHandler<operations>('commerce', loadOpenApi('commerce') as unknown as RuntimeOpenApiDocument, handlers, { before: (entry, request) => apiOf(request).before(entry, request) });
  return sharedContract;
}

/**
 * The commerce API (contracts/openapi/commerce.yaml) over the contract handler: partner policies
 * (key, scopes, rate limit, Idempotency-Key) run before validation; every problem carries the
 * request path and trace id.
 */
export function createCommerceApi(ctx: LayerContext, services: CommerceServices): HttpHandler {
  const api = new CommerceApi(ctx, services);
  const contract = contractHandler();
  return async (request) => {
    owners.set(request, api);
    let response: HttpResponse;
    try {
      response = await contract(request);
    } catch (error) {
      ctx.log.error({ err: error, path: request.path }, 'request failed');
      response = problem(500, 'internal-error', 'Internal error', 'The request failed inside the layer.');
    }
    return api.finish(request, response);
  };
}

class CommerceApi {
  private readonly partners: Partners;
  private readonly requests = new WeakMap<HttpRequest, RequestInfo>();

  constructor(
    private readonly ctx: LayerContext,
    private readonly services: CommerceServices,
  ) {
    this.partners = new Partners(ctx.clock, ctx.config.apiKeys);
  }

  private principalOf(c: OperationContext<unknown>): Principal {
    return this.partners.principal(c.request.headers['x-api-key'])!;
  }

  private infoOf(c: OperationContext<unknown>): RequestInfo {
    return this.requests.get(c.request)!;
  }

  before(entry: OperationEntry, request: HttpRequest): HttpResponse | undefined {
    const ctx = this.ctx;
    const q = request.path.indexOf('?');
    const instance = q === -1 ? request.path : request.path.slice(0, q);
    const traceId = ctx.tracer.traceOf(request.headers.traceparent);
    this.requests.set(request, { operationId: entry.operationId, startedAt: ctx.clock.now(), traceId, instance });
    const security = entry.operation.security;
    if (Array.isArray(security) && security.length === 0) return undefined;
    const principal = this.partners.principal(request.headers['x-api-key']);
    if (!principal) return problem(401, 'unauthorized', 'Unauthorized', 'The X-API-Key header is missing or not recognised.', { instance, traceId });
    const needed = (entry.operation['x-scopes'] as Scope[] | undefined) ?? [];
    const missing = needed.find((s) => !principal.scopes.has(s));
    if (missing) return problem(403, 'forbidden', 'Forbidden', `The API key for ${principal.channel} lacks the scope ${missing}.`, { instance, traceId });
    const admitted = this.partners.admit(principal.key);
    if (!admitted.ok) {
      return problem(429, 'rate-limited', 'Too many requests', `${principal.partner} exceeded its rate limit; retry after ${retryAfterSeconds(admitted.waitMs)} s.`, { instance, traceId, headers: { 'retry-after': retryAfterSeconds(admitted.waitMs) } });
    }
    if (entry.operationId === 'createOrder' || entry.operationId === 'createReturn') {
      const key = request.headers['idempotency-key'];
      const required = entry.operationId === 'createOrder';
      if ((key === undefined && required) || (key !== undefined && !IDEMPOTENCY_KEY.test(key))) {
        return problem(400, 'invalid-idempotency-key', 'Invalid Idempotency-Key', `The Idempotency-Key header is ${key === undefined ? 'required' : 'malformed'} and must match ^[A-Za-z0-9._:-]{8,128}$.`, {
          instance,
          traceId,
          errors: [{ pointer: '/header/idempotency-key', message: key === undefined ? 'is required' : 'must match ^[A-Za-z0-9._:-]{8,128}$' }],
        });
      }
    }
    return undefined;
  }

  /** Latency per operation; the request path and trace id on problems the contract handler wrote. */
  finish(request: HttpRequest, response: HttpResponse): HttpResponse {
    const info = this.requests.get(request);
    if (info) this.ctx.metrics.requestDuration.observe({ operation: info.operationId }, (this.ctx.clock.now() - info.startedAt) / 1000);
    // Every refusal of an order, whoever wrote it (the contract's validation, the key checks, intake).
    if (info?.operationId === 'createOrder' && response.status >= 400 && response.status < 500) this.ctx.metrics.ordersRejected.inc({ type: problemTypeOf(response) });
    if (response.status >= 400 && response.headers['content-type'] === 'application/problem+json' && !response.body.includes('"instance"')) {
      // A problem the contract handler wrote (400/404/405/413/415): add the request path and trace
      // id, and make body pointers point into the body as the contract says (`/lines/0/sku`, not
      // the runtime's `/body/lines/0/sku`; header and query pointers keep their prefix).
      try {
        const body = JSON.parse(response.body) as Record<string, unknown> & { errors?: Array<{ pointer: string; message: string }> };
        const q = request.path.indexOf('?');
        body.instance = q === -1 ? request.path : request.path.slice(0, q);
        if (info) body.traceId = info.traceId;
        if (Array.isArray(body.errors)) body.errors = body.errors.map((e) => ({ ...e, pointer: e.pointer.startsWith('/body/') ? e.pointer.slice('/body'.length) : e.pointer }));
        if (typeof body.detail === 'string') body.detail = body.detail.replace(/(^|\s)\/body\//g, '$1/');
        return { status: response.status, headers: response.headers, body: JSON.stringify(body) };
      } catch {
        return response;
      }
    }
    return response;
  }

  private visible(p: Principal, order: OrderRecord | undefined): order is OrderRecord {
    return order !== undefined && (p.allChannels || order.channel === p.channel);
  }

  private notFound(what: string, id: string, info: RequestInfo, p?: Principal): HttpResponse {
    return problem(404, 'not-found', `${what} not found`, `No ${what.toLowerCase()} ${id}${p && !p.allChannels ? ` for channel ${p.channel}` : ''}.`, { instance: info.instance, traceId: info.traceId });
  }

  createOrder(c: Ctx<'createOrder'>): Promise<HttpResponse> {
    const info = this.infoOf(c);
    return this.services.intake.createOrder(this.principalOf(c), c.body, c.request.headers['idempotency-key']!, info.traceId, info.instance);
  }

  async getOrder(c: Ctx<'getOrder'>): Promise<HttpResponse> {
    const info = this.infoOf(c);
    const p = this.principalOf(c);
    const order = await this.ctx.orders.get(this.ctx.store, c.params.path.orderId);
    if (!this.visible(p, order)) return this.notFound('Order', c.params.path.orderId, info, p);
    return json(200, await orderView(this.ctx, order));
  }

  async cancelOrder(c: Ctx<'cancelOrder'>): Promise<HttpResponse> {
    const info = this.infoOf(c);
    const p = this.principalOf(c);
    const order = await this.ctx.orders.get(this.ctx.store, c.params.path.orderId);
    if (!this.visible(p, order)) return this.notFound('Order', c.params.path.orderId, info, p);
    const reason = (c.body as { reason?: string } | undefined)?.reason;
    const result = await this.services.cancellation.cancel(order.id, reason);
    switch (result.kind) {
      case 'cancelled':
        return json(202, { orderId: order.id, status: 'cancelled' });
      case 'already-cancelled':
        return problem(409, 'order-already-cancelled', 'Order already cancelled', `Order ${order.id} was cancelled at ${result.at}.`, { instance: info.instance, traceId: info.traceId });
      case 'not-cancellable':
        return problem(409, 'order-not-cancellable', 'Order cannot be cancelled', `Order ${order.id} is ${result.status}${result.status === 'rejected' ? '' : '; request a return instead'}.`, { instance: info.instance, traceId: info.traceId });
      default:
        return this.notFound('Order', order.id, info, p);
    }
  }

  async createReturn(c: Ctx<'createReturn'>): Promise<HttpResponse> {
    const info = this.infoOf(c);
    const p = this.principalOf(c);
    const order = await this.ctx.orders.get(this.ctx.store, c.params.path.orderId);
    if (!this.visible(p, order)) return this.notFound('Order', c.params.path.orderId, info, p);
    return this.services.returns.createReturn(p, order, c.body, c.request.headers['idempotency-key'], info.traceId, info.instance);
  }

  async getAvailability(c: Ctx<'getAvailability'>): Promise<HttpResponse> {
    const info = this.infoOf(c);
    const figures = await this.services.inventory.availability(c.params.path.sku);
    if (!figures) return problem(404, 'not-found', 'Sku not found', `Sku ${c.params.path.sku} is not in the catalogue.`, { instance: info.instance, traceId: info.traceId });
    return json(200, figures);
  }

  async listExceptions(c: Ctx<'listExceptions'>): Promise<HttpResponse> {
    const info = this.infoOf(c);
    const q = c.params.query as { status?: ExceptionStatus; system?: string; operation?: string; since?: string; limit?: number; cursor?: string };
    let cursor: [number, string] | undefined;
    if (q.cursor !== undefined) {
      cursor = decodeCursor(q.cursor);
      if (!cursor) return problem(400, 'invalid-request', 'Invalid request', 'Query parameter cursor is not a cursor this API returned.', { instance: info.instance, traceId: info.traceId, errors: [{ pointer: '/query/cursor', message: 'must be a nextCursor returned by this API' }] });
    }
    const filter = { ...(q.status ? { status: q.status } : {}), ...(q.system ? { system: q.system } : {}), ...(q.operation ? { operation: q.operation } : {}), ...(q.since ? { since: Date.parse(q.since) } : {}) };
    return json(200, await this.services.exceptions.list(filter, q.limit ?? 100, cursor));
  }

  async replayException(c: Ctx<'replayException'>): Promise<HttpResponse> {
    const info = this.infoOf(c);
    const status = await this.services.exceptions.replay(c.params.path.exceptionId);
    if (!status) return this.notFound('Exception', c.params.path.exceptionId, info);
    return json(status === 'resolved' ? 200 : 202, { exceptionId: c.params.path.exceptionId, status });
  }

  async replayExceptions(c: Ctx<'replayExceptions'>): Promise<HttpResponse> {
    const b = (c.body ?? {}) as { status?: 'open' | 'replaying'; system?: string; operation?: string; since?: string };
    const ids = await this.services.exceptions.replayMatching({ ...(b.status ? { status: b.status } : {}), ...(b.system ? { system: b.system } : {}), ...(b.operation ? { operation: b.operation } : {}), ...(b.since ? { since: Date.parse(b.since) } : {}) });
    return json(202, { replayed: ids.length, exceptionIds: ids });
  }

  receiveWmsEvent(c: Ctx<'receiveWmsEvent'>): Promise<HttpResponse> {
    const info = this.infoOf(c);
    return this.services.webhooks.receiveWms(this.principalOf(c), c.params.path.distributionCenter, c.request.headers, c.body as Record<string, unknown>, c.request.body ?? '', info.traceId, info.instance);
  }

  receiveCarrierEvent(c: Ctx<'receiveCarrierEvent'>): Promise<HttpResponse> {
    const info = this.infoOf(c);
    return this.services.webhooks.receiveCarrier(this.principalOf(c), c.params.path.carrier, c.request.headers, c.body as Record<string, unknown>, c.request.body ?? '', info.traceId, info.instance);
  }

  async getHealth(): Promise<HttpResponse> {
    let store: 'ok' | 'down' = 'ok';
    try {
      await this.ctx.store.query('SELECT 1 AS ok');
    } catch {
      store = 'down';
    }
    const circuits = this.services.circuits();
    const degraded = store === 'down' || Object.values(circuits).some((s) => s !== 'closed');
    return json(200, { status: degraded ? 'degraded' : 'ok', version: this.ctx.config.version, checks: { store, outboxBacklog: this.ctx.relay.backlog, circuits } });
  }

  async getMetrics(): Promise<HttpResponse> {
    this.services.refreshGauges();
    return { status: 200, headers: { 'content-type': this.ctx.metrics.registry.contentType }, body: await this.ctx.metrics.registry.metrics() };
  }
}

/** The order as a channel sees it (commerce.yaml `Order`). */
async function orderView(ctx: LayerContext, order: OrderRecord): Promise<Record<string, unknown>> {
  const shipments = await ctx.store.query<Record<string, SqlValue>>('SELECT * FROM shipments WHERE order_id = ? ORDER BY created_at, id', [order.id]);
  const returns = await ctx.store.query<Record<string, SqlValue>>('SELECT * FROM returns WHERE order_id = ? ORDER BY created_at, id', [order.id]);
  const view: Record<string, unknown> = {
    orderId: order.id,
    channel: order.channel,
    customerId: order.customerId,
    ...(order.doc.externalOrderRef ? { externalOrderRef: order.doc.externalOrderRef } : {}),
    currency: order.currency,
    status: order.status,
    lines: order.doc.lines,
    shipTo: order.doc.shipTo,
    distributionCenter: order.dc,
    ...(order.soNumber ? { erp: { salesOrderNumber: order.soNumber } } : {}),
    shipments: shipments.map((row) => {
      const s = decodeShipment(row);
      return { shipmentId: s.id, carrier: s.carrier, trackingNumber: s.trackingNumber, status: s.status, updatedAt: iso(s.updatedAt) };
    }),
    ...(order.invoice ? { invoice: order.invoice } : {}),
    returns: returns.map((row) => {
      const r = decodeReturn(row);
      return { returnId: r.id, status: r.status, reason: r.reason, lines: r.lines };
    }),
    ...(order.rejection ? { rejection: order.rejection } : {}),
    timeline: parseTimeline(order.timeline),
    createdAt: iso(order.createdAt),
    updatedAt: iso(order.updatedAt),
  };
  return view;
}

function problemTypeOf(response: HttpResponse): string {
  try {
    return problemSlug(JSON.parse(response.body) as Problem) || `http-${response.status}`;
  } catch {
    return `http-${response.status}`;
  }
}
