import { NumberColumn, TextColumn, UuidColumn, Vocabulary } from '../../runtime/columns.ts';

/** What the storefront did for one of its orders, and what it was told. */
export interface StorefrontOrder {
  readonly order: number;
  readonly channel: string;
  readonly idempotencyKey: string;
  readonly traceId: string;
  readonly lines: ReadonlyArray<{ sku: string; quantity: number }>;
  readonly submittedAt: number;
  /** Every 2xx answer to createOrder (more than one order id for one key is a duplicate). */
  readonly acks: readonly Ack[];
  /** An explicit refusal (4xx) of createOrder, with the problem type. */
  readonly refusal?: Refusal;
  readonly cancelledAt?: number;
}

export interface Ack {
  orderId: string;
  at: number;
  status: string;
  distributionCenter?: string;
  latencyMs: number;
}

// A type, not an interface: it is passed where a problem's index signature is expected.
export type Refusal = {
  at: number;
  status: number;
  type?: string;
};

/**
 * The storefront's orders, one row of columns each (a 100,000-order day keeps them all to its
 * end): as objects, each order with its lines, acknowledgement and idempotency key took about
 * 500 bytes. The first acknowledgement is kept in columns, later ones (double submissions) aside;
 * `get` and `values` give `StorefrontOrder` views that read the columns.
 */
export class StorefrontOrderLog {
  private readonly rows = new Map<number, number>();
  private readonly order = new NumberColumn('float64');
  private readonly channel = new NumberColumn('uint16');
  /** Keys `channel.rest` keep only the rest (flag 1: a UUID's 16 bytes); others are kept whole (flag 0). */
  private readonly keyFlag = new NumberColumn('uint8');
  private readonly key = new UuidColumn();
  private readonly traceId = new TextColumn();
  private readonly submittedAt = new NumberColumn('float64');
  private readonly firstLine = new NumberColumn('uint32');
  private readonly lineCount = new NumberColumn('uint16');
  private readonly lineSku = new NumberColumn('uint32');
  private readonly lineQuantity = new NumberColumn('float64');
  private readonly ackCount = new NumberColumn('uint16');
  private readonly ackOrderId = new NumberColumn('uint32');
  private readonly ackAt = new NumberColumn('float64');
  private readonly ackStatus = new NumberColumn('uint32');
  /** The acknowledged distribution center's word, -1 for none. */
  private readonly ackDc = new NumberColumn('int32');
  private readonly ackLatency = new NumberColumn('float64');
  private readonly cancelled = new NumberColumn('float64');
  private readonly laterAcks = new Map<number, Ack[]>();
  private readonly refusals = new Map<number, Refusal>();

  /** `words`: SKUs, statuses, channels and DCs; `ids`: order ids (each kept once by the recorder). */
  constructor(
    private readonly words: Vocabulary,
    private readonly ids: Vocabulary,
  ) {}

  get size(): number {
    return this.rows.size;
  }

  has(order: number): boolean {
    return this.rows.has(order);
  }

  add(o: { order: number; channel: string; idempotencyKey: string; traceId: string; lines: ReadonlyArray<{ sku: string; quantity: number }>; submittedAt: number }): void {
    if (this.rows.has(o.order)) throw new Error(`storefront order ${o.order} is recorded already`);
    this.rows.set(o.order, this.order.push(o.order));
    this.channel.push(this.words.id(o.channel));
    const prefixed = o.idempotencyKey.startsWith(`${o.channel}.`);
    this.keyFlag.push(prefixed ? 1 : 0);
    this.key.push(prefixed ? o.idempotencyKey.slice(o.channel.length + 1) : o.idempotencyKey);
    this.traceId.push(o.traceId);
    this.submittedAt.push(o.submittedAt);
    this.firstLine.push(this.lineSku.length);
    this.lineCount.push(o.lines.length);
    for (const line of o.lines) {
      this.lineSku.push(this.words.id(line.sku));
      this.lineQuantity.push(line.quantity);
    }
    this.ackCount.push(0);
    this.ackOrderId.push(0);
    this.ackAt.push(0);
    this.ackStatus.push(0);
    this.ackDc.push(-1);
    this.ackLatency.push(0);
    this.cancelled.push(Number.NaN);
  }

  /** Records an acknowledgement; true for the order's first (a retry or double submission is acknowledged again). */
  acknowledge(order: number, ack: Ack): boolean {
    const row = this.row(order);
    const count = this.ackCount.at(row);
    this.ackCount.set(row, count + 1);
    if (count > 0) {
      this.laterAcks.set(row, [...(this.laterAcks.get(row) ?? []), ack]);
      return false;
    }
    this.ackOrderId.set(row, this.ids.id(ack.orderId));
    this.ackAt.set(row, ack.at);
    this.ackStatus.set(row, this.words.id(ack.status));
    this.ackDc.set(row, ack.distributionCenter === undefined ? -1 : this.words.id(ack.distributionCenter));
    this.ackLatency.set(row, ack.latencyMs);
    return true;
  }

  refuse(order: number, refusal: Refusal): void {
    this.refusals.set(this.row(order), refusal);
  }

  /** The first cancellation counts. */
  cancel(order: number, at: number): void {
    const row = this.row(order);
    if (Number.isNaN(this.cancelled.at(row))) this.cancelled.set(row, at);
  }

  get(order: number): StorefrontOrder | undefined {
    const row = this.rows.get(order);
    return row === undefined ? undefined : this.view(row);
  }

  /** Every order, in the order first submitted. */
  *values(): IterableIterator<StorefrontOrder> {
    for (let row = 0; row < this.order.length; row++) yield this.view(row);
  }

  private row(order: number): number {
    const row = this.rows.get(order);
    if (row === undefined) throw new Error(`storefront order ${order} was never submitted`);
    return row;
  }

  private view(row: number): StorefrontOrder {
    return new OrderView(this, row);
  }

  /** @internal (for OrderView) */
  channelOf(row: number): string {
    return this.words.word(this.channel.at(row));
  }

  /** @internal */
  field(row: number, name: 'order' | 'submittedAt' | 'cancelled'): number {
    return this[name].at(row);
  }

  /** @internal */
  keyOf(row: number): string {
    return this.keyFlag.at(row) === 1 ? [this.channelOf(row), this.key.at(row)].join('.') : this.key.at(row);
  }

  /** @internal */
  traceOf(row: number): string {
    return this.traceId.at(row);
  }

  /** @internal */
  refusalOf(row: number): Refusal | undefined {
    return this.refusals.get(row);
  }

  /** @internal */
  lines(row: number): Array<{ sku: string; quantity: number }> {
    const first = this.firstLine.at(row);
    return Array.from({ length: this.lineCount.at(row) }, (_, i) => ({ sku: this.words.word(this.lineSku.at(first + i)), quantity: this.lineQuantity.at(first + i) }));
  }

  /** @internal */
  acks(row: number): Ack[] {
    if (this.ackCount.at(row) === 0) return [];
    const dc = this.ackDc.at(row);
    const first: Ack = { orderId: this.ids.word(this.ackOrderId.at(row)), at: this.ackAt.at(row), status: this.words.word(this.ackStatus.at(row)), latencyMs: this.ackLatency.at(row) };
    if (dc >= 0) first.distributionCenter = this.words.word(dc);
    return [first, ...(this.laterAcks.get(row) ?? [])];
  }
}

/** One order read from the log (two fields; the rest is read from the columns when asked). */
class OrderView implements StorefrontOrder {
  constructor(
    private readonly log: StorefrontOrderLog,
    private readonly row: number,
  ) {}

  get order(): number {
    return this.log.field(this.row, 'order');
  }

  get channel(): string {
    return this.log.channelOf(this.row);
  }

  get idempotencyKey(): string {
    return this.log.keyOf(this.row);
  }

  get traceId(): string {
    return this.log.traceOf(this.row);
  }

  get lines(): Array<{ sku: string; quantity: number }> {
    return this.log.lines(this.row);
  }

  get submittedAt(): number {
    return this.log.field(this.row, 'submittedAt');
  }

  get acks(): Ack[] {
    return this.log.acks(this.row);
  }

  get refusal(): Refusal | undefined {
    return this.log.refusalOf(this.row);
  }

  get cancelledAt(): number | undefined {
    const at = this.log.field(this.row, 'cancelled');
    return Number.isNaN(at) ? undefined : at;
  }
}
