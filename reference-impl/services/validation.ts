import type { LaneSession } from '../resilience/lane.ts';
import { problemSlug, type CallOutcome } from '../resilience/outcome.ts';
import { erpPointerToOrder, toPriceValidation, type ErpSchemas } from '../clients/erp.ts';
import type { FieldIssue, OrderLine } from '../domain/order.ts';
import { transition } from '../domain/order-state.ts';
import type { Money } from '../domain/money.ts';
import { emit, traceHeaders, type LayerContext } from './context.ts';
import { orderAcceptedData } from './order-events.ts';
import { updateOrder } from './orders.ts';
import type { AttemptResult, CommandHandler } from './relay.ts';
import type { InventoryService } from './inventory.ts';
import type { OutboxMessage } from './unit.ts';
import { ERP } from '../clients/erp.ts';

export type RefusalType = 'unknown-customer' | 'unknown-sku' | 'uom-mismatch' | 'currency-mismatch' | 'price-mismatch' | 'credit-refused';

/** What the ERP said about an order's customer credit and prices. */
export type Verdict =
  | { kind: 'accepted' }
  | { kind: 'refused'; type: RefusalType; title: string; detail: string; errors: FieldIssue[] }
  /** The ERP answered something the layer cannot act on (its 400, an unexpected 4xx). */
  | { kind: 'error'; reason: string; status?: number }
  /** No verdict now (slow, down, throttled, circuit open): validate later. */
  | { kind: 'deferred'; reason: string; outcome: Extract<CallOutcome, { kind: 'transient' | 'blocked' }> };

const TITLES: Record<RefusalType, string> = {
  'unknown-customer': 'Unknown customer',
  'unknown-sku': 'Unknown sku',
  'uom-mismatch': 'Unit of measure not allowed',
  'currency-mismatch': 'Currency mismatch',
  'price-mismatch': 'Price mismatch',
  'credit-refused': 'Credit refused',
};
const PRIORITY: RefusalType[] = ['unknown-customer', 'unknown-sku', 'uom-mismatch', 'currency-mismatch', 'price-mismatch', 'credit-refused'];

/** The commerce rejection reason of a refusal found after acknowledgement. */
export const REJECTION_REASON: Record<RefusalType, string> = {
  'unknown-customer': 'unknown_customer',
  'unknown-sku': 'unknown_sku',
  'uom-mismatch': 'uom_mismatch',
  'currency-mismatch': 'erp_rejected',
  'price-mismatch': 'price_mismatch',
  'credit-refused': 'credit_refused',
};

interface Subject {
  customerId: string;
  currency: string;
  lines: readonly OrderLine[];
  subtotal: Money;
}

const refused = (type: RefusalType, detail: string, errors: FieldIssue[] = []): Verdict => ({ kind: 'refused', type, title: TITLES[type], detail, errors });

function creditVerdict(o: CallOutcome, s: Subject): Verdict | undefined {
  if (o.kind === 'transient' || o.kind === 'blocked') return { kind: 'deferred', reason: `credit check: ${o.reason}`, outcome: o };
  if (o.kind === 'ok') {
    const r = o.data as ErpSchemas['CreditCheckResult'];
    if (r.approved) return undefined;
    const why =
      r.reason === 'CUSTOMER_BLOCKED'
        ? `Customer ${s.customerId} is blocked in the ERP.`
        : r.reason === 'OVERDUE_ITEMS'
          ? `Customer ${s.customerId} has overdue items.`
          : `Order total ${s.subtotal.amount} ${s.subtotal.currency} exceeds the available credit of ${s.customerId} (${r.availableCredit?.amount ?? '?'} ${r.availableCredit?.currency ?? ''}).`;
    return refused('credit-refused', why.trim());
  }
  const slug = problemSlug(o.problem);
  if (o.status === 404 || slug === 'unknown-customer') return refused('unknown-customer', `Customer ${s.customerId} is not known to the ERP.`, [{ pointer: '/customerId', message: `unknown customer ${s.customerId}` }]);
  if (slug === 'currency-not-supported') return refused('currency-mismatch', o.problem.detail ?? `The ERP does not take ${s.currency} for ${s.customerId}.`, [{ pointer: '/currency', message: o.problem.detail ?? 'not the customer currency' }]);
  return { kind: 'error', reason: `credit check refused with ${o.status}: ${o.problem.detail ?? o.problem.title ?? ''}`.trim(), status: o.status };
}

function priceVerdict(o: CallOutcome, s: Subject): Verdict | undefined {
  if (o.kind === 'transient' || o.kind === 'blocked') return { kind: 'deferred', reason: `price validation: ${o.reason}`, outcome: o };
  if (o.kind === 'ok') {
    const r = o.data as ErpSchemas['PriceValidationResult'];
    if (r.valid) return undefined;
    const errors: FieldIssue[] = [];
    r.lines.forEach((l, i) => {
      if (l.valid) return;
      errors.push(
        l.reason === 'NO_PRICE_CONDITION'
          ? { pointer: `/lines/${i}/unitPrice/amount`, message: `no price condition for ${l.itemNumber}` }
          : { pointer: `/lines/${i}/unitPrice/amount`, message: `expected ${l.listPrice.amount}` },
      );
    });
    const first = r.lines.find((l) => !l.valid);
    const detail = first ? `Unit price of ${first.itemNumber} is ${first.unitPrice.amount} ${first.unitPrice.currency}; the ERP price for ${s.customerId} is ${first.listPrice.amount} ${first.listPrice.currency}.` : 'A unit price differs from the ERP price.';
    return refused('price-mismatch', detail, errors);
  }
  const slug = problemSlug(o.problem);
  const errors = (o.problem.errors ?? []).map((e) => ({ pointer: erpPointerToOrder(e.pointer), message: e.message }));
  const detail = o.problem.detail ?? '';
  if (slug === 'unknown-item') return refused('unknown-sku', detail || 'A sku is not in the ERP catalogue.', errors);
  if (slug === 'uom-not-allowed') return refused('uom-mismatch', detail || 'A sku is not sold in this unit.', errors);
  if (slug === 'unknown-customer') return refused('unknown-customer', detail || `Customer ${s.customerId} is not known to the ERP.`, errors.length ? errors : [{ pointer: '/customerId', message: `unknown customer ${s.customerId}` }]);
  if (slug === 'currency-not-supported') return refused('currency-mismatch', detail, errors);
  return { kind: 'error', reason: `price validation refused with ${o.status}: ${detail || o.problem.title || ''}`.trim(), status: o.status };
}

/** Combines the two answers: a refusal wins (by priority), then an error, then a deferral. */
export function verdict(credit: CallOutcome, prices: CallOutcome, s: Subject): Verdict {
  const found = [creditVerdict(credit, s), priceVerdict(prices, s)].filter((v): v is Verdict => v !== undefined);
  const refusals = found.filter((v): v is Extract<Verdict, { kind: 'refused' }> => v.kind === 'refused');
  if (refusals.length > 0) return refusals.sort((a, b) => PRIORITY.indexOf(a.type) - PRIORITY.indexOf(b.type))[0]!;
  return found.find((v) => v.kind === 'error') ?? found.find((v) => v.kind === 'deferred') ?? { kind: 'accepted' };
}

/**
 * Credit check and price validation against the ERP: synchronously at intake (bounded by the
 * validation timeout; the ERP's gate and circuit answered without calling when they forbid it),
 * and later for orders accepted as `pending_validation`.
 */
export class ValidationService implements CommandHandler {
  /** The deferred validation calls checkCredit, then validatePrices. */
  readonly operation = 'validatePrices';

  constructor(
    private readonly ctx: LayerContext,
    private readonly inventory: InventoryService,
  ) {}

  async validateNow(s: Subject, traceId: string): Promise<Verdict> {
    const lane = this.ctx.lane(ERP);
    const timeout = this.ctx.config.timeouts.erpValidationMs;
    const [credit, prices] = await Promise.all([lane.direct(timeout, (signal) => this.checkCredit(s, traceId, signal)), lane.direct(timeout, (signal) => this.validatePrices(s, traceId, signal))]);
    return verdict(credit, prices, s);
  }

  private checkCredit(s: Subject, traceId: string, signal: AbortSignal) {
    return this.ctx.erp.POST('/customers/{customerId}/credit-check', { params: { path: { customerId: s.customerId } }, body: { amount: s.subtotal }, headers: traceHeaders(this.ctx, traceId), signal });
  }

  private validatePrices(s: Subject, traceId: string, signal: AbortSignal) {
    return this.ctx.erp.POST('/pricing/validate', { body: toPriceValidation(s.customerId, s.currency, s.lines), headers: traceHeaders(this.ctx, traceId), signal });
  }

  /** The deferred validation of a `pending_validation` order (outbox kind `erp.validateOrder`). */
  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const order = await ctx.orders.get(ctx.store, msg.key);
    if (!order || order.status !== 'pending_validation') {
      // Cancelled meanwhile (nothing to validate), or already validated (a replay): move on.
      await ctx.db.write(async (unit) => {
        if (order?.status === 'accepted') await unit.advance(msg, { kind: 'erp.bookSalesOrder', system: ERP, payload: {} });
        else await unit.finish(msg);
      });
      return { kind: 'done' };
    }
    const s: Subject = { customerId: order.customerId, currency: order.currency, lines: order.doc.lines, subtotal: order.doc.totals.subtotal };
    const timeout = ctx.config.timeouts.downstreamMs;
    msg.lastRequest = toPriceValidation(s.customerId, s.currency, s.lines);
    const credit = await session.call(timeout, (signal) => this.checkCredit(s, msg.traceId, signal));
    if (credit.kind === 'transient' || credit.kind === 'blocked') return { kind: 'retry', outcome: credit };
    if (credit.kind === 'refused' && credit.status !== 404 && problemSlug(credit.problem) !== 'currency-not-supported') {
      return { kind: 'fail', operation: 'checkCredit', reason: `credit check refused with ${credit.status}: ${credit.problem.detail ?? credit.problem.title ?? ''}`.trim(), status: credit.status, payload: { amount: s.subtotal } };
    }
    const prices = await session.call(timeout, (signal) => this.validatePrices(s, msg.traceId, signal));
    const v = verdict(credit, prices, s);
    if (v.kind === 'deferred') return { kind: 'retry', outcome: v.outcome };
    if (v.kind === 'error') return { kind: 'fail', reason: v.reason, ...(v.status === undefined ? {} : { status: v.status }), payload: msg.lastRequest };
    if (v.kind === 'accepted') {
      await ctx.db.write(async (unit) => {
        const { changed } = await updateOrder(unit, order, { to: 'accepted', detail: 'Credit and prices confirmed by the ERP.' });
        if (!changed) {
          await unit.finish(msg);
          return;
        }
        emit(ctx, unit, 'order.accepted', order.id, order.traceId, orderAcceptedData(order, 'accepted'));
        await unit.advance(msg, { kind: 'erp.bookSalesOrder', system: ERP, payload: {} });
        unit.after.push(() => ctx.stats.orders.validatedLater++);
      });
      return { kind: 'done' };
    }
    await ctx.db.write(async (unit) => {
      if (transition(order.status, 'rejected')) {
        const rejection = { reason: REJECTION_REASON[v.type], detail: v.detail };
        await updateOrder(unit, order, { to: 'rejected', detail: `${v.title}: ${v.detail} Reservation released.`, columns: { rejection: JSON.stringify(rejection) } });
        await this.inventory.releaseOrder(unit, order.id, 'order_cancelled', order.traceId);
        unit.after.push(() => ctx.stats.orders.rejectedLater++);
      }
      await unit.finish(msg);
    });
    return { kind: 'done' };
  }
}
