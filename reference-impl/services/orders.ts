import type { SqlExecutor, SqlValue } from '../ports.ts';
import { timelineFragment, type OrderDocument } from '../domain/order.ts';
import { transition, type OrderStatus } from '../domain/order-state.ts';
import type { Money } from '../domain/money.ts';
import { iso } from './context.ts';
import type { Unit } from './unit.ts';
import { BoundedMap } from './bounded-map.ts';

/** An order row, decoded. */
export interface OrderRecord {
  id: string;
  channel: string;
  customerId: string;
  currency: string;
  status: OrderStatus;
  dc: string;
  doc: OrderDocument;
  traceId: string;
  soNumber?: string;
  invoice?: { invoiceNumber: string; total: Money; postedAt: string };
  rejection?: { reason: string; detail: string };
  timeline: string;
  shipmentConfirmedAt?: number;
  createdAt: number;
  updatedAt: number;
}

export function decodeOrder(row: Record<string, SqlValue>): OrderRecord {
  return {
    id: String(row.id),
    channel: String(row.channel),
    customerId: String(row.customer_id),
    currency: String(row.currency),
    status: String(row.status) as OrderStatus,
    dc: String(row.dc),
    doc: JSON.parse(String(row.doc)) as OrderDocument,
    traceId: String(row.trace_id),
    soNumber: row.so_number ? String(row.so_number) : undefined,
    invoice: row.invoice ? (JSON.parse(String(row.invoice)) as OrderRecord['invoice']) : undefined,
    rejection: row.rejection ? (JSON.parse(String(row.rejection)) as OrderRecord['rejection']) : undefined,
    timeline: String(row.timeline),
    shipmentConfirmedAt: row.shipment_confirmed_at !== null && row.shipment_confirmed_at !== undefined ? Number(row.shipment_confirmed_at) : undefined,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/**
 * A copy with every field present (optional ones as undefined): order objects keep one hidden
 * class however they were made and whatever an update sets later, so the code reading them
 * stays monomorphic (and no `{ ...order, more }`, which V8 gives a hidden class per object).
 */
export function copyOrder(o: OrderRecord): OrderRecord {
  return {
    id: o.id,
    channel: o.channel,
    customerId: o.customerId,
    currency: o.currency,
    status: o.status,
    dc: o.dc,
    doc: o.doc,
    traceId: o.traceId,
    soNumber: o.soNumber,
    invoice: o.invoice,
    rejection: o.rejection,
    timeline: o.timeline,
    shipmentConfirmedAt: o.shipmentConfirmedAt,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

export async function readOrder(db: SqlExecutor, id: string): Promise<OrderRecord | undefined> {
  const [row] = await db.query<Record<string, SqlValue>>('SELECT * FROM orders WHERE id = ?', [id]);
  return row ? decodeOrder(row) : undefined;
}

/** Statuses after which the flow seldom touches an order again. */
const SETTLED: ReadonlySet<OrderStatus> = new Set(['delivered', 'cancelled', 'rejected']);

/**
 * Orders in flight, kept in memory after every commit that touched them, so the outbox handlers
 * and consumers do not read (and parse) the order row at every step. The layer is the only
 * writer of its store; a stale entry is harmless anyway, because status changes are
 * compare-and-set (a miss re-reads the row). Bounded: the oldest entries are dropped first.
 */
export class OrderCache {
  private readonly entries: BoundedMap<string, OrderRecord>;

  constructor(capacity = 50_000) {
    this.entries = new BoundedMap(capacity);
  }

  /** A copy the caller may change (changes reach the cache only through a committed update). */
  async get(db: SqlExecutor, id: string): Promise<OrderRecord | undefined> {
    const hit = this.entries.get(id);
    if (hit) return copyOrder(hit);
    const order = await readOrder(db, id);
    if (order) this.put(order);
    return order && copyOrder(order);
  }

  put(order: OrderRecord): void {
    // A settled order is seldom touched again (an invoice or a return re-reads it): keep memory for
    // the orders in flight.
    if (SETTLED.has(order.status)) this.entries.delete(order.id);
    else this.entries.set(order.id, copyOrder(order));
  }
}

export async function insertOrder(unit: Unit, o: Omit<OrderRecord, 'timeline' | 'updatedAt'> & { detail: string }): Promise<void> {
  const timeline = timelineFragment({ at: iso(o.createdAt), status: o.status, detail: o.detail });
  await unit.tx.execute(
    'INSERT INTO orders (id, channel, customer_id, currency, status, dc, doc, trace_id, so_number, invoice, rejection, timeline, shipment_confirmed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, NULL, ?, ?)',
    [o.id, o.channel, o.customerId, o.currency, o.status, o.dc, JSON.stringify(o.doc), o.traceId, timeline, o.createdAt, o.createdAt],
  );
  const order: OrderRecord = copyOrder(Object.assign({}, o, { timeline, updatedAt: o.createdAt }));
  unit.after.push(() => unit.orders?.put(order));
}

/** Columns an update may set besides the status. */
export interface OrderColumns {
  so_number?: string;
  invoice?: string;
  rejection?: string;
  shipment_confirmed_at?: number;
}

const updateSql = new Map<string, string>();

function updateStatement(withStatus: boolean, columns: readonly string[]): string {
  const key = `${withStatus ? 's' : ''}|${columns.join(',')}`;
  let sql = updateSql.get(key);
  if (!sql) {
    const sets = ['updated_at = ?'];
    if (withStatus) sets.push('status = ?', 'timeline = timeline || ?');
    for (const c of columns) sets.push(`${c} = ?`);
    // With a status change the row must still be in the status the change was computed from.
    sql = `UPDATE orders SET ${sets.join(', ')} WHERE id = ?${withStatus ? ' AND status = ?' : ''}`;
    updateSql.set(key, sql);
  }
  return sql;
}

/**
 * Moves `order` to `to` when the state machine allows it (appending to the timeline) and sets
 * `columns` either way. The status change is a compare-and-set on the status it was computed
 * from: when another transaction moved the order meanwhile, the current status is read and the
 * transition recomputed, so concurrent events can never move an order backwards. `order` is
 * updated in place.
 */
export async function updateOrder(unit: Unit, order: OrderRecord, change: { to?: OrderStatus; detail?: string; columns?: OrderColumns }): Promise<{ changed: boolean }> {
  const columns = Object.entries(change.columns ?? {}).filter(([, v]) => v !== undefined) as Array<[keyof OrderColumns, string | number]>;
  const names = columns.map(([c]) => c);
  for (let attempt = 0; attempt < 4; attempt++) {
    const next = change.to ? transition(order.status, change.to) : undefined;
    if (!next && columns.length === 0) return { changed: false };
    const params: SqlValue[] = [unit.now];
    let fragment = '';
    if (next) {
      fragment = `,${timelineFragment({ at: iso(unit.now), status: next, ...(change.detail ? { detail: change.detail } : {}) })}`;
      params.push(next, fragment);
    }
    for (const [, v] of columns) params.push(v);
    params.push(order.id);
    if (next) params.push(order.status);
    const n = await unit.tx.execute(updateStatement(next !== undefined, names), params);
    if (n > 0 || !next) {
      if (next) {
        order.timeline += fragment;
        order.status = next;
      }
      order.updatedAt = unit.now;
      const c = change.columns;
      if (c?.so_number) order.soNumber = c.so_number;
      if (c?.shipment_confirmed_at !== undefined) order.shipmentConfirmedAt = c.shipment_confirmed_at;
      if (c?.invoice) order.invoice = JSON.parse(c.invoice) as OrderRecord['invoice'] & object;
      if (c?.rejection) order.rejection = JSON.parse(c.rejection) as OrderRecord['rejection'] & object;
      const committed = copyOrder(order);
      unit.after.push(() => unit.orders?.put(committed));
      return { changed: next !== undefined };
    }
    const [row] = await unit.tx.query<{ status: string; timeline: string }>('SELECT status, timeline FROM orders WHERE id = ?', [order.id]);
    if (!row) return { changed: false };
    order.status = String(row.status) as OrderStatus;
    order.timeline = String(row.timeline);
  }
  throw new Error(`order ${order.id} kept changing under an update`);
}
