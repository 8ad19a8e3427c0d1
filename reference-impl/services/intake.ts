import type { HttpResponse, Timer } from '../../runtime/ports.ts';
import { json } from '../../runtime/http/problem.ts';
import { problem } from '../api/problems.ts';
import type { Principal } from '../api/partners.ts';
import { demandBySku } from '../domain/allocation.ts';
import { catalogueIssues, currencyIssues, numberLines, orderTotals, structuralIssues, type CreateOrderRequest, type OrderDocument } from '../domain/order.ts';
import { ERP } from '../clients/erp.ts';
import { emit, iso, type LayerContext } from './context.ts';
import { IdempotencyRace, type IdempotencyService } from './idempotency.ts';
import type { InventoryService } from './inventory.ts';
import { orderAcceptedData } from './order-events.ts';
import { insertOrder, type OrderRecord } from './orders.ts';
import type { ValidationService } from './validation.ts';

class InsufficientStock extends Error {}

/**
 * Order intake (`POST /v1/orders`): idempotency, the checks the schema cannot make, the ERP's
 * credit and price check within its timeout (deferred when the ERP cannot answer), allocation to
 * one distribution center, and one transaction for the idempotency record, the order, its
 * reservations, its outbox message and its events, before the 202.
 */
export class IntakeService {
  /** Commits deferred by the ack-before-commit defect; cancelled (lost) by stop(). */
  readonly pendingCommits = new Set<Timer>();

  constructor(
    private readonly ctx: LayerContext,
    private readonly idempotency: IdempotencyService,
    private readonly validation: ValidationService,
    private readonly inventory: InventoryService,
  ) {}

  /** Intake requests being handled now (bounded by `maxIntakeInFlight`). */
  private inFlight = 0;

  async createOrder(principal: Principal, body: CreateOrderRequest, idempotencyKey: string, traceId: string, instance: string): Promise<HttpResponse> {
    const ctx = this.ctx;
    if (this.inFlight >= ctx.config.maxIntakeInFlight) {
      ctx.stats.orders.shed++;
      ctx.metrics.ordersShed.inc();
      return problem(503, 'overloaded', 'Service unavailable', `The layer is already handling ${this.inFlight} orders; nothing was stored. Retry after 1 s with the same Idempotency-Key.`, {
        instance,
        traceId,
        headers: { 'retry-after': '1' },
      });
    }
    this.inFlight++;
    try {
      return await this.admitted(principal, body, idempotencyKey, traceId, instance);
    } finally {
      this.inFlight--;
    }
  }

  private async admitted(principal: Principal, body: CreateOrderRequest, idempotencyKey: string, traceId: string, instance: string): Promise<HttpResponse> {
    const ctx = this.ctx;
    // DEFECT(no-idempotency): the Idempotency-Key is ignored, so every retry books a new order.
    const useKey = !ctx.defects.has('no-idempotency');
    let done = (): void => undefined;
    let hash = '';
    if (useKey) {
      const start = await this.idempotency.begin(principal.partner, 'createOrder', idempotencyKey, body, instance, traceId);
      if (start.kind !== 'proceed') return start.response;
      done = start.done;
      hash = start.hash;
    }
    try {
      return await this.accept(principal, body, idempotencyKey, hash, useKey, traceId, instance);
    } finally {
      done();
    }
  }

  private refuse(status: number, type: string, title: string, detail: string, instance: string, traceId: string, errors?: Array<{ pointer: string; message: string }>): HttpResponse {
    this.ctx.stats.orders.rejected++;
    return problem(status, type, title, detail, { instance, traceId, ...(errors && errors.length ? { errors } : {}) });
  }

  private async accept(principal: Principal, body: CreateOrderRequest, idempotencyKey: string, hash: string, useKey: boolean, traceId: string, instance: string): Promise<HttpResponse> {
    const ctx = this.ctx;
    const receivedAt = ctx.clock.now();
    const lines = numberLines(body.lines);
    const structural = structuralIssues(body, lines);
    if (structural.length > 0) return this.refuse(400, 'invalid-request', 'Invalid request', `request body: ${structural[0]!.pointer} ${structural[0]!.message}`, instance, traceId, structural);

    const customerCurrency = ctx.config.customerCurrency.byCustomer?.[body.customerId] ?? ctx.config.customerCurrency.default;
    if (body.currency !== customerCurrency) {
      return this.refuse(422, 'currency-mismatch', 'Currency mismatch', `Customer ${body.customerId} orders in ${customerCurrency}, not ${body.currency}.`, instance, traceId, [{ pointer: '/currency', message: `must be ${customerCurrency}` }]);
    }
    const currency = currencyIssues(body.currency, lines);
    if (currency.length > 0) return this.refuse(422, 'currency-mismatch', 'Currency mismatch', `A unit price is not in the order currency ${body.currency}.`, instance, traceId, currency);
    const catalogue = catalogueIssues(lines, (sku) => ctx.catalogue.get(sku));
    if (catalogue.unknownSku.length > 0) {
      return this.refuse(422, 'unknown-sku', 'Unknown sku', `${catalogue.unknownSku.map((i) => i.message.replace('unknown sku ', '')).join(', ')} ${catalogue.unknownSku.length === 1 ? 'is' : 'are'} not in the catalogue.`, instance, traceId, catalogue.unknownSku);
    }
    if (catalogue.uomMismatch.length > 0) return this.refuse(422, 'uom-mismatch', 'Unit of measure not allowed', catalogue.uomMismatch.map((i) => i.message).join('; '), instance, traceId, catalogue.uomMismatch);

    const totals = orderTotals(lines, body.currency, ctx.config.taxRate);
    const verdict = await this.validation.validateNow({ customerId: body.customerId, currency: body.currency, lines, subtotal: totals.subtotal }, traceId);
    if (verdict.kind === 'refused') return this.refuse(422, verdict.type, verdict.title, verdict.detail, instance, traceId, verdict.errors);
    if (verdict.kind === 'error') ctx.log.warn({ traceId, reason: verdict.reason }, 'ERP validation answered unexpectedly; validating later');
    const status = verdict.kind === 'accepted' ? 'accepted' : 'pending_validation';
    const detail = verdict.kind === 'accepted' ? 'Credit and prices confirmed' : `ERP validation deferred (${verdict.reason})`;

    const doc: OrderDocument = { lines, shipTo: body.shipTo, totals };
    if (body.externalOrderRef !== undefined) doc.externalOrderRef = body.externalOrderRef;
    if (body.notes !== undefined) doc.notes = body.notes;
    if (body.requestedDeliveryDate !== undefined) doc.requestedDeliveryDate = body.requestedDeliveryDate;
    const orderId = ctx.random.uuid();
    const demand = demandBySku(lines);
    const centers = [...ctx.dcs.keys()];

    const commit = async (): Promise<HttpResponse | { insufficient: true }> => {
      try {
        return await ctx.db.write(async (unit) => {
          const dc = await this.inventory.allocate(unit, orderId, demand, centers, traceId);
          if (!dc) throw new InsufficientStock();
          const order: Omit<OrderRecord, 'timeline' | 'updatedAt'> = { id: orderId, channel: principal.channel, customerId: body.customerId, currency: body.currency, status, dc, doc, traceId, createdAt: receivedAt };
          await insertOrder(unit, Object.assign({}, order, { detail: `${detail}; allocated to ${dc}.` }));
          const ack = json(202, { orderId, status, receivedAt: iso(receivedAt), distributionCenter: dc, links: { self: `/v1/orders/${orderId}` } }, { location: `/v1/orders/${orderId}` });
          if (useKey) await this.idempotency.record(unit, principal.partner, 'createOrder', idempotencyKey, hash, ack);
          await unit.command({ kind: status === 'accepted' ? 'erp.bookSalesOrder' : 'erp.validateOrder', key: orderId, system: ERP, payload: {}, traceId });
          emit(ctx, unit, 'order.accepted', orderId, traceId, orderAcceptedData(order, status));
          return ack;
        });
      } catch (error) {
        if (error instanceof InsufficientStock) return { insufficient: true };
        throw error;
      }
    };

    if (ctx.defects.has('ack-before-commit')) {
      // DEFECT(ack-before-commit): the 202 goes out now and the transaction commits later; a crash
      // (or a refusal) in between loses an order the channel was told is accepted.
      const ack = json(202, { orderId, status, receivedAt: iso(receivedAt), distributionCenter: centers[0], links: { self: `/v1/orders/${orderId}` } }, { location: `/v1/orders/${orderId}` });
      const timer = ctx.clock.setTimer(ctx.config.ackBeforeCommitDelayMs, () => {
        this.pendingCommits.delete(timer);
        if (ctx.running()) void commit().catch((error: unknown) => ctx.log.error({ err: error, orderId }, 'deferred commit failed'));
      });
      this.pendingCommits.add(timer);
      this.acknowledged(principal.channel, status);
      return ack;
    }

    let result: HttpResponse | { insufficient: true };
    try {
      result = await commit();
    } catch (error) {
      if (error instanceof IdempotencyRace) {
        const stored = await this.idempotency.lookup(principal.partner, 'createOrder', idempotencyKey, hash, instance, traceId);
        if (stored) return stored.response;
      }
      ctx.log.error({ err: error, traceId }, 'order could not be stored');
      return problem(503, 'unavailable', 'Service unavailable', 'The order store is unavailable; nothing was stored.', { instance, traceId, headers: { 'retry-after': '1' } });
    }
    if ('insufficient' in result) {
      const short = await this.inventory.shortfalls(demand);
      const errors = short.map((s) => {
        const i = lines.findIndex((l) => l.sku === s.sku);
        return { pointer: `/lines/${i}/quantity`, message: `${s.qty} ${lines[i]!.quantity.uom} requested, at most ${s.best} ${lines[i]!.quantity.uom} available in one distribution center` };
      });
      const first = short[0];
      const detail = first
        ? `No distribution center has ${first.qty} ${lines.find((l) => l.sku === first.sku)!.quantity.uom} of ${first.sku} available (${first.byCenter.map(([dc, n]) => `${dc} ${n}`).join(', ')}).`
        : 'No single distribution center can serve every line.';
      return this.refuse(422, 'insufficient-stock', 'Insufficient stock', detail, instance, traceId, errors);
    }
    this.acknowledged(principal.channel, status);
    return result;
  }

  private acknowledged(channel: string, status: 'accepted' | 'pending_validation'): void {
    const ctx = this.ctx;
    ctx.stats.orders.accepted++;
    if (status === 'pending_validation') ctx.stats.orders.pendingValidation++;
    ctx.metrics.ordersReceived.inc({ channel, status });
  }
}
