import { NumberColumn, RowsById, Vocabulary } from '../../runtime/columns.ts';
import type { OrderView } from './observations.ts';

type Entry = { at: string; status: string };

/** The parts of the layer's order view (commerce.yaml `Order`) that the checkers read. */
export interface FinalView {
  readonly orderId: string;
  readonly status: string;
  readonly distributionCenter?: string;
  readonly rejection?: { reason: string };
  readonly timeline: Entry[];
}

/**
 * The layer's last word on each acknowledged order (null: it did not know the order), kept for the
 * checkers in as little memory as they allow: a 100,000-order run reads them all at its end, the
 * run's peak. As parsed JSON they took 0.87 KB per order, as one compact object each 0.5 KB. Now a
 * row of columns: status and distribution center as vocabulary words, the timeline as (instant,
 * status) numbers whenever its timestamps are what `toISOString` writes (otherwise its entries
 * are kept aside), order ids from the recorder's vocabulary. `get` gives `FinalView`s that read
 * the row.
 */
export class FinalViews {
  private readonly words = new Vocabulary();
  private readonly rows = new RowsById();
  private readonly order = new NumberColumn('uint32');
  /** -1: the layer did not know the order. */
  private readonly status = new NumberColumn('int32');
  /** -1: none. */
  private readonly dc = new NumberColumn('int32');
  private readonly first = new NumberColumn('uint32');
  private readonly length = new NumberColumn('uint32');
  private readonly at = new NumberColumn('float64');
  private readonly atStatus = new NumberColumn('uint32');
  private readonly rejections = new Map<number, { reason: string }>();
  private readonly rawTimelines = new Map<number, Entry[]>();

  /** `ids`: where order ids are kept once (the recorder's). */
  constructor(private readonly ids = new Vocabulary()) {}

  get size(): number {
    return this.order.length;
  }

  has(orderId: string): boolean {
    const id = this.ids.lookup(orderId);
    return id !== undefined && this.rows.get(id) >= 0;
  }

  /** Keeps what the checkers read of `v`, the view of `orderId` (null: the layer did not know it). */
  add(orderId: string, v: OrderView | null): void {
    const id = this.ids.id(orderId);
    const row = this.order.push(id);
    this.rows.set(id, row);
    this.status.push(v ? this.words.id(v.status) : -1);
    this.dc.push(v?.distributionCenter ? this.words.id(v.distributionCenter) : -1);
    if (v?.rejection) this.rejections.set(row, { reason: v.rejection.reason });
    const timeline = v?.timeline ?? [];
    const start = this.at.length;
    this.first.push(start);
    this.length.push(timeline.length);
    for (const t of timeline) {
      const ms = Date.parse(t.at);
      if (!Number.isFinite(ms) || new Date(ms).toISOString() !== t.at) {
        this.rawTimelines.set(row, timeline.map((e) => ({ at: e.at, status: e.status })));
        return; // the entries packed so far stay unused: this is rare
      }
      this.at.push(ms);
      this.atStatus.push(this.words.id(t.status));
    }
  }

  /** The view of `orderId`: null when the layer did not know it, undefined when never read. */
  get(orderId: string): FinalView | null | undefined {
    const id = this.ids.lookup(orderId);
    const row = id === undefined ? -1 : this.rows.get(id);
    return row < 0 ? undefined : this.view(row);
  }

  *values(): IterableIterator<FinalView | null> {
    for (let row = 0; row < this.size; row++) yield this.view(row);
  }

  private view(row: number): FinalView | null {
    const status = this.status.at(row);
    if (status < 0) return null;
    const dc = this.dc.at(row);
    const rejection = this.rejections.get(row);
    const timeline = () => this.timelineOf(row);
    return {
      orderId: this.ids.word(this.order.at(row)),
      status: this.words.word(status),
      ...(dc >= 0 ? { distributionCenter: this.words.word(dc) } : {}),
      ...(rejection ? { rejection } : {}),
      get timeline() {
        return timeline();
      },
    };
  }

  private timelineOf(row: number): Entry[] {
    const raw = this.rawTimelines.get(row);
    if (raw) return raw;
    const out: Entry[] = [];
    for (let i = this.first.at(row), end = i + this.length.at(row); i < end; i++) out.push({ at: new Date(this.at.at(i)).toISOString(), status: this.words.word(this.atStatus.at(i)) });
    return out;
  }
}
