import type { WorkloadOperation } from '../../simulators/storefront/index.ts';
import type { HistoryExcerpt } from '../invariants/checker.ts';
import { NumberColumn, Vocabulary } from '../../runtime/columns.ts';

/** One history entry (Jepsen style): an invoke and its completion share `op`. */
export interface HistoryOp {
  /** Virtual ms since scenario start. */
  at: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  /** The workload's operation id (one per attempt). */
  op: number;
  f: WorkloadOperation['kind'];
  channel: string;
  /** The workload's order number. */
  order: number;
  attempt: number;
  orderId?: string;
  status?: number;
  detail?: string;
  traceId: string;
}

const TYPES = ['invoke', 'ok', 'fail', 'info'] as const;
const NO_STATUS = -1;

/**
 * The storefront's history, in columns: a 100,000-order day records about a quarter of a million
 * operations, read only to quote a few orders' histories in a violation.
 */
export class HistoryLog {
  private readonly at = new NumberColumn('float64');
  private readonly type = new NumberColumn('int8');
  private readonly op = new NumberColumn('float64');
  private readonly f = new NumberColumn('int32');
  private readonly channel = new NumberColumn('int32');
  private readonly order = new NumberColumn('float64');
  private readonly attempt = new NumberColumn('int32');
  private readonly status = new NumberColumn('int32');
  private readonly orderId: Array<string | undefined> = [];
  private readonly detail: Array<string | undefined> = [];
  private readonly traceId: string[] = [];
  private readonly words = new Vocabulary();

  get length(): number {
    return this.at.length;
  }

  push(entry: HistoryOp): void {
    this.at.push(entry.at);
    this.type.push(TYPES.indexOf(entry.type));
    this.op.push(entry.op);
    this.f.push(this.words.id(entry.f));
    this.channel.push(this.words.id(entry.channel));
    this.order.push(entry.order);
    this.attempt.push(entry.attempt);
    this.status.push(entry.status ?? NO_STATUS);
    this.orderId.push(entry.orderId);
    this.detail.push(entry.detail);
    this.traceId.push(entry.traceId);
  }

  /** Completed operations on one workload order, oldest first (at most `limit`), as excerpt lines. */
  excerptFor(order: number, limit: number): HistoryExcerpt[] {
    const out: HistoryExcerpt[] = [];
    for (let i = 0; i < this.at.length && out.length < limit; i++) {
      if (this.order.at(i) !== order || this.type.at(i) === 0) continue;
      const status = this.status.at(i);
      const attempt = this.attempt.at(i);
      const orderId = this.orderId[i];
      const detail = [status !== NO_STATUS && status ? `HTTP ${status}` : '', orderId ? `order ${orderId}` : '', this.detail[i] ?? '', attempt > 1 ? `attempt ${attempt}` : ''].filter(Boolean).join(', ');
      out.push({ at: this.at.at(i), actor: this.words.word(this.channel.at(i)), type: TYPES[this.type.at(i)]!, what: this.words.word(this.f.at(i)), detail, traceId: this.traceId[i]! });
    }
    return out;
  }
}
