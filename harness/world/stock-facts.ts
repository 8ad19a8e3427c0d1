import { NumberColumn, Vocabulary } from '../../runtime/columns.ts';

/**
 * What the layer learnt about stock, and when: an inventory message it acknowledged, a shipment
 * confirmation it acknowledged, or one position of a WMS snapshot it read.
 */
export type StockFact =
  | { at: number; kind: 'adjusted'; dc: string; sku: string; onHand: number; sequence: number; reason: string; reference?: string }
  | { at: number; kind: 'snapshot'; dc: string; sku: string; onHand: number; sequence: number }
  | { at: number; kind: 'shipped'; orderId: string }
  | { at: number; kind: 'snapshot-taken'; dc: string };

const KINDS = ['adjusted', 'snapshot', 'shipped', 'snapshot-taken'] as const;
const NONE = -1;

/**
 * The stock facts of a run, in columns (a 100,000-order day learns a few hundred thousand).
 * Iterating gives each fact back as a `StockFact`, made as it is read.
 */
export class StockFactLog implements Iterable<StockFact> {
  private readonly at = new NumberColumn('float64');
  private readonly kind = new NumberColumn('int8');
  private readonly dc = new NumberColumn('int32');
  private readonly sku = new NumberColumn('int32');
  private readonly onHand = new NumberColumn('float64');
  private readonly sequence = new NumberColumn('float64');
  private readonly reason = new NumberColumn('int32');
  /** The order id of a shipment, the reference of an adjustment (or undefined). */
  private readonly text: Array<string | undefined> = [];
  private readonly words = new Vocabulary();

  get length(): number {
    return this.at.length;
  }

  push(fact: StockFact): void {
    this.at.push(fact.at);
    this.kind.push(KINDS.indexOf(fact.kind));
    const position = fact.kind === 'adjusted' || fact.kind === 'snapshot' ? fact : undefined;
    this.dc.push(fact.kind === 'shipped' ? NONE : this.words.id(fact.dc));
    this.sku.push(position ? this.words.id(position.sku) : NONE);
    this.onHand.push(position ? position.onHand : NONE);
    this.sequence.push(position ? position.sequence : NONE);
    this.reason.push(fact.kind === 'adjusted' ? this.words.id(fact.reason) : NONE);
    this.text.push(fact.kind === 'shipped' ? fact.orderId : fact.kind === 'adjusted' ? fact.reference : undefined);
  }

  *[Symbol.iterator](): Iterator<StockFact> {
    for (let i = 0; i < this.at.length; i++) yield this.fact(i);
  }

  private fact(i: number): StockFact {
    const at = this.at.at(i);
    const kind = KINDS[this.kind.at(i)]!;
    if (kind === 'shipped') return { at, kind, orderId: this.text[i]! };
    const dc = this.words.word(this.dc.at(i));
    if (kind === 'snapshot-taken') return { at, kind, dc };
    const position = { dc, sku: this.words.word(this.sku.at(i)), onHand: this.onHand.at(i), sequence: this.sequence.at(i) };
    if (kind === 'snapshot') return { at, kind, ...position };
    const reference = this.text[i];
    return { at, kind, ...position, reason: this.words.word(this.reason.at(i)), ...(reference === undefined ? {} : { reference }) };
  }
}
