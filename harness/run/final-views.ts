import { Vocabulary } from '../../runtime/columns.ts';
import type { OrderView } from './observations.ts';

type Entry = OrderView['timeline'][number];

/**
 * The layer's last word on each acknowledged order, kept for the checkers in as little memory as
 * they allow: a 100,000-order run reads them all at the end, and as parsed JSON (fresh strings for
 * every id, status and timestamp) they added 0.87 KB per order to the run's peak. Statuses and
 * distribution centers are kept once, the id is the caller's copy, and the timeline is packed as
 * numbers (instant, status) whenever its timestamps are what `toISOString` writes.
 */
export class FinalViews {
  private readonly words = new Vocabulary();

  /** The parts of `v` the checkers read, under the caller's copy of its id. */
  compact(orderId: string, v: OrderView): OrderView {
    return new CompactView(orderId, v, this.words);
  }
}

class CompactView implements OrderView {
  readonly status: string;
  readonly distributionCenter?: string;
  readonly erp?: { salesOrderNumber: string };
  readonly shipments: Array<{ shipmentId: string; status: string }>;
  readonly invoice?: { invoiceNumber: string };
  readonly rejection?: { reason: string };
  /** [ms, status word, ...], or the entries themselves when a timestamp would not come back the same. */
  private readonly packed: number[] | Entry[];

  constructor(
    readonly orderId: string,
    v: OrderView,
    private readonly words: Vocabulary,
  ) {
    this.status = words.canonical(v.status);
    this.shipments = v.shipments.map((s) => ({ shipmentId: s.shipmentId, status: words.canonical(s.status) }));
    if (v.distributionCenter) this.distributionCenter = words.canonical(v.distributionCenter);
    if (v.rejection) this.rejection = { reason: v.rejection.reason };
    if (v.erp?.salesOrderNumber) this.erp = { salesOrderNumber: v.erp.salesOrderNumber };
    if (v.invoice) this.invoice = { invoiceNumber: v.invoice.invoiceNumber };
    const packed: number[] = [];
    for (const t of v.timeline) {
      const ms = Date.parse(t.at);
      if (!Number.isFinite(ms) || new Date(ms).toISOString() !== t.at) {
        this.packed = v.timeline.map((e) => ({ at: e.at, status: e.status }));
        return;
      }
      packed.push(ms, words.id(t.status));
    }
    this.packed = packed;
  }

  get timeline(): Entry[] {
    const p = this.packed;
    if (p.length === 0 || typeof p[0] !== 'number') return p as Entry[];
    const out: Entry[] = [];
    for (let i = 0; i < p.length; i += 2) out.push({ at: new Date(p[i] as number).toISOString(), status: this.words.word(p[i + 1] as number) });
    return out;
  }
}
