import type { Delivery, HttpResponse } from '../../runtime/ports.ts';
import { json } from '../../runtime/http/problem.ts';
import { tolerantContractValidator } from '../../contracts/load.ts';
import type { SqlValue } from '../ports.ts';
import type { LaneSession } from '../resilience/lane.ts';
import { problemSlug } from '../resilience/outcome.ts';
import { CREDIT_REASON, ERP, type ErpSchemas } from '../clients/erp.ts';
import type { WmsSchemas } from '../clients/wms.ts';
import { problem } from '../api/problems.ts';
import type { Principal } from '../api/partners.ts';
import { isShipped } from '../domain/order-state.ts';
import type { components } from '../../contracts/generated/openapi/commerce.ts';
import { emit, traceHeaders, wmsSystem, type LayerContext } from './context.ts';
import type { IdempotencyService } from './idempotency.ts';
import type { InventoryService } from './inventory.ts';
import type { OrderRecord } from './orders.ts';
import type { AttemptResult, CommandHandler } from './relay.ts';
import { SeenIds } from './seen-ids.ts';
import type { OutboxMessage } from './unit.ts';

type CreateReturnRequest = components['schemas']['CreateReturnRequest'];
type ReturnLine = components['schemas']['ReturnLine'];

export interface ReturnRecord {
  id: string;
  orderId: string;
  status: 'requested' | 'received' | 'credited';
  reason: string;
  lines: ReturnLine[];
  received?: WmsSchemas['ReturnReceivedLine'][];
  creditMemo?: { creditMemoNumber: string; amount: { amount: string; currency: string } };
}

export function decodeReturn(row: Record<string, SqlValue>): ReturnRecord {
  const r: ReturnRecord = { id: String(row.id), orderId: String(row.order_id), status: String(row.status) as ReturnRecord['status'], reason: String(row.reason), lines: JSON.parse(String(row.lines)) as ReturnLine[] };
  if (row.received) r.received = JSON.parse(String(row.received)) as ReturnRecord['received'] & object;
  if (row.credit_memo) r.creditMemo = JSON.parse(String(row.credit_memo)) as ReturnRecord['creditMemo'] & object;
  return r;
}

/**
 * Returns: a channel's request (checked against what shipped and was already returned) tells
 * the WMS to expect the goods; the WMS's receipt posts a credit memo in the ERP
 * (`return.received`, then `credit.released`).
 */
export class ReturnService {
  private readonly seen = new SeenIds(100_000);
  private readonly validate = tolerantContractValidator('wms', '/components/schemas/ReturnReceived');

  constructor(
    private readonly ctx: LayerContext,
    private readonly idempotency: IdempotencyService,
    private readonly inventory: InventoryService,
  ) {}

  async createReturn(principal: Principal, order: OrderRecord, body: CreateReturnRequest, idempotencyKey: string | undefined, traceId: string, instance: string): Promise<HttpResponse> {
    let done = (): void => undefined;
    let hash = '';
    const useKey = idempotencyKey !== undefined && !this.ctx.defects.has('no-idempotency');
    if (useKey) {
      const start = await this.idempotency.begin(principal.partner, `createReturn:${order.id}`, idempotencyKey, body, instance, traceId);
      if (start.kind !== 'proceed') return start.response;
      done = start.done;
      hash = start.hash;
    }
    try {
      return await this.register(principal, order, body, useKey ? { key: idempotencyKey, hash } : undefined, traceId, instance);
    } finally {
      done();
    }
  }

  private async register(principal: Principal, order: OrderRecord, body: CreateReturnRequest, idem: { key: string; hash: string } | undefined, traceId: string, instance: string): Promise<HttpResponse> {
    const ctx = this.ctx;
    if (!isShipped(order.status)) return problem(409, 'order-not-shipped', 'Order not shipped', `Order ${order.id} is ${order.status}, not shipped; cancel it instead.`, { instance, traceId });
    const shipped = new Map<string, { qty: number; uom: string }>();
    for (const l of order.doc.lines) {
      const s = shipped.get(l.sku);
      shipped.set(l.sku, { qty: (s?.qty ?? 0) + l.quantity.value, uom: l.quantity.uom });
    }
    const returned = new Map<string, number>();
    const rows = await ctx.store.query<Record<string, SqlValue>>('SELECT * FROM returns WHERE order_id = ?', [order.id]);
    for (const r of rows.map(decodeReturn)) for (const l of r.lines) returned.set(l.sku, (returned.get(l.sku) ?? 0) + l.quantity.value);
    const asked = new Map<string, number>();
    for (const [i, line] of body.lines.entries()) {
      const s = shipped.get(line.sku);
      if (!s) return problem(422, 'sku-not-on-order', 'Sku not on the order', `Order ${order.id} has no line for sku ${line.sku}.`, { instance, traceId, errors: [{ pointer: `/lines/${i}/sku`, message: 'not on the order' }] });
      if (line.quantity.uom !== s.uom) return problem(422, 'uom-mismatch', 'Unit of measure not allowed', `${line.sku} was shipped in ${s.uom}.`, { instance, traceId, errors: [{ pointer: `/lines/${i}/quantity/uom`, message: `must be ${s.uom}` }] });
      const total = (asked.get(line.sku) ?? 0) + line.quantity.value;
      asked.set(line.sku, total);
      const open = s.qty - (returned.get(line.sku) ?? 0);
      if (total > open) {
        return problem(422, 'return-exceeds-shipped', 'Return exceeds shipped quantity', `${s.qty} ${s.uom} of ${line.sku} shipped, ${returned.get(line.sku) ?? 0} ${s.uom} already returned; at most ${open} ${s.uom} can be returned.`, {
          instance,
          traceId,
          errors: [{ pointer: `/lines/${i}/quantity/value`, message: `must be at most ${Math.max(0, open - (total - line.quantity.value))}` }],
        });
      }
    }
    const returnId = ctx.random.uuid();
    const ack = json(202, { returnId, orderId: order.id, status: 'requested' });
    await ctx.db.write(async (unit) => {
      await unit.tx.execute("INSERT INTO returns (id, order_id, status, reason, lines, received, credit_memo, created_at, updated_at) VALUES (?, ?, 'requested', ?, ?, NULL, NULL, ?, ?)", [
        returnId,
        order.id,
        body.reason,
        JSON.stringify(body.lines),
        unit.now,
        unit.now,
      ]);
      if (idem) await this.idempotency.record(unit, principal.partner, `createReturn:${order.id}`, idem.key, idem.hash, ack);
      await unit.command({ kind: 'wms.expectReturn', key: order.id, system: wmsSystem(ctx, order.dc), payload: { returnId, distributionCenter: order.dc }, traceId });
    });
    return ack;
  }

  /** `wms.return`: the goods of an expected return arrived and were inspected. */
  async onReturnReceived(delivery: Delivery): Promise<void> {
    const ctx = this.ctx;
    let payload: WmsSchemas['ReturnReceived'];
    try {
      payload = JSON.parse(delivery.body) as WmsSchemas['ReturnReceived'];
    } catch {
      ctx.log.warn({ id: delivery.id }, 'return event is not JSON; dropped');
      return;
    }
    if (!this.validate(payload)) {
      ctx.log.warn({ id: delivery.id, errors: this.validate.errors }, 'return event does not match wms.yaml ReturnReceived; dropped');
      return;
    }
    if (this.seen.has(payload.eventId)) {
      this.inventory.dedupHit(delivery.channel);
      return;
    }
    const [row] = await ctx.store.query<Record<string, SqlValue>>('SELECT * FROM returns WHERE id = ?', [payload.returnId]);
    if (!row) {
      ctx.log.warn({ returnId: payload.returnId }, 'receipt of an unknown return; ignored');
      return;
    }
    const ret = decodeReturn(row);
    if (ret.status !== 'requested') {
      this.seen.add(payload.eventId);
      this.inventory.dedupHit(delivery.channel);
      return;
    }
    const order = await ctx.orders.get(ctx.store, ret.orderId);
    await ctx.db.write(async (unit) => {
      const changed = await unit.tx.execute("UPDATE returns SET status = 'received', received = ?, updated_at = ? WHERE id = ? AND status = 'requested'", [JSON.stringify(payload.lines), unit.now, ret.id]);
      if (changed === 0) return;
      emit(ctx, unit, 'return.received', ret.id, order?.traceId, {
        returnId: ret.id,
        orderId: ret.orderId,
        distributionCenter: payload.distributionCenter,
        lines: payload.lines.map((l) => ({ sku: l.sku, quantity: { value: l.quantity.value, uom: l.quantity.uom }, condition: l.condition })) as never,
        receivedAt: payload.receivedAt,
      });
      await unit.command({ kind: 'erp.postCreditMemo', key: ret.orderId, system: ERP, payload: { returnId: ret.id }, traceId: order?.traceId ?? ctx.tracer.traceId() });
    });
    this.seen.add(payload.eventId);
  }
}

/** Tells the WMS to expect a return (idempotent there on the return id). */
export class ExpectReturnHandler implements CommandHandler {
  readonly operation = 'expectReturn';

  constructor(private readonly ctx: LayerContext) {}

  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const [row] = await ctx.store.query<Record<string, SqlValue>>('SELECT * FROM returns WHERE id = ?', [String(msg.payload.returnId)]);
    if (!row) {
      await ctx.db.write((unit) => unit.finish(msg));
      return { kind: 'done' };
    }
    const ret = decodeReturn(row);
    const body: WmsSchemas['ReturnRequest'] = { returnId: ret.id, orderReference: ret.orderId, lines: ret.lines.map((l) => ({ sku: l.sku, quantity: { value: l.quantity.value, uom: l.quantity.uom } })), reason: ret.reason };
    msg.lastRequest = body;
    const outcome = await session.call(ctx.config.timeouts.downstreamMs, (signal) => ctx.wms(String(msg.payload.distributionCenter)).POST('/returns', { body, headers: traceHeaders(ctx, msg.traceId), signal }));
    if (outcome.kind === 'refused') return { kind: 'fail', reason: `${msg.system} refused the return (${outcome.status} ${problemSlug(outcome.problem)}): ${outcome.problem.detail ?? ''}`.trim(), status: outcome.status, payload: body };
    if (outcome.kind !== 'ok') return { kind: 'retry', outcome };
    await ctx.db.write((unit) => unit.finish(msg));
    return { kind: 'done' };
  }
}

/** Credits a received return in the ERP (`erp.postCreditMemo`, external reference = return id). */
export class CreditMemoHandler implements CommandHandler {
  readonly operation = 'postCreditMemo';

  constructor(private readonly ctx: LayerContext) {}

  async attempt(msg: OutboxMessage, session: LaneSession): Promise<AttemptResult> {
    const ctx = this.ctx;
    const returnId = String(msg.payload.returnId);
    const [row] = await ctx.store.query<Record<string, SqlValue>>('SELECT * FROM returns WHERE id = ?', [returnId]);
    const order = row ? await ctx.orders.get(ctx.store, String(row.order_id)) : undefined;
    if (!row || !order) return { kind: 'fail', reason: `return ${returnId} is not on record`, payload: msg.payload };
    const ret = decodeReturn(row);
    if (ret.status === 'credited') {
      await ctx.db.write((unit) => unit.finish(msg));
      return { kind: 'done' };
    }
    if (!order.soNumber) return { kind: 'retry', outcome: { kind: 'transient', reason: `order ${order.id} has no sales order number yet`, indeterminate: false, throttled: false } };
    const timeout = ctx.config.timeouts.downstreamMs;
    const lookup = async (): Promise<AttemptResult | ErpSchemas['CreditMemo'] | undefined> => {
      const found = await session.call(timeout, (signal) => ctx.erp.GET('/credit-memos', { params: { query: { externalReference: returnId } }, headers: traceHeaders(ctx, msg.traceId), signal }));
      if (found.kind === 'transient' || found.kind === 'blocked') return { kind: 'retry', outcome: found };
      return found.kind === 'ok' ? (found.data as ErpSchemas['CreditMemoList']).items[0] : undefined;
    };
    if (msg.lookupFirst) {
      const found = await lookup();
      if (found && 'kind' in found) return found;
      if (found) return this.credited(msg, order, ret, found);
    }
    const lines = (ret.received ?? ret.lines).map((l) => ({ itemNumber: l.sku, qty: l.quantity.value, uom: l.quantity.uom }));
    const body: ErpSchemas['CreditMemoCreate'] = { externalReference: returnId, salesOrderNumber: order.soNumber, reason: CREDIT_REASON[ret.reason] ?? 'OTHER', lines };
    if (order.invoice) body.invoiceNumber = order.invoice.invoiceNumber;
    msg.lastRequest = body;
    const outcome = await session.call(timeout, (signal) => ctx.erp.POST('/credit-memos', { body, headers: traceHeaders(ctx, msg.traceId), signal }));
    if (outcome.kind === 'ok') return this.credited(msg, order, ret, outcome.data as ErpSchemas['CreditMemo']);
    if (outcome.kind === 'refused') {
      if (outcome.status === 409 && problemSlug(outcome.problem) === 'duplicate-external-reference') {
        const found = await lookup();
        if (found && 'kind' in found) return found;
        if (found) return this.credited(msg, order, ret, found);
      }
      return { kind: 'fail', reason: `ERP refused the credit memo (${outcome.status} ${problemSlug(outcome.problem)}): ${outcome.problem.detail ?? ''}`.trim(), status: outcome.status, payload: body };
    }
    return { kind: 'retry', outcome };
  }

  private async credited(msg: OutboxMessage, order: OrderRecord, ret: ReturnRecord, memo: ErpSchemas['CreditMemo']): Promise<AttemptResult> {
    const ctx = this.ctx;
    await ctx.db.write(async (unit) => {
      const changed = await unit.tx.execute("UPDATE returns SET status = 'credited', credit_memo = ?, updated_at = ? WHERE id = ? AND status <> 'credited'", [
        JSON.stringify({ creditMemoNumber: memo.creditMemoNumber, amount: memo.amount }),
        unit.now,
        ret.id,
      ]);
      if (changed > 0) {
        emit(ctx, unit, 'credit.released', ret.id, order.traceId, { returnId: ret.id, orderId: order.id, customerId: order.customerId, creditMemoNumber: memo.creditMemoNumber, amount: memo.amount });
        unit.after.push(() => ctx.stats.orders.credited++);
      }
      await unit.finish(msg);
    });
    return { kind: 'done' };
  }
}
