import { NumberColumn, RowsById, Vocabulary } from '../../runtime/columns.ts';

/** A shipment status a channel saw: from a canonical event, or from reading the order. */
export interface SeenStatus {
  at: number;
  status: string;
  source: 'event' | 'read';
  orderId: string;
}

/**
 * The shipment statuses channels saw, per shipment (a 100,000-order day sees about 600,000), in
 * columns: a row per shipment (its id and order from the vocabulary, its first and last sighting)
 * and a row per sighting (time, `status × 2 + (read ? 1 : 0)`, the next sighting of its shipment).
 * As a Map of objects with a list each, a shipment took about 230 bytes. `entries()` gives them
 * back as `SeenStatus` lists.
 */
export class SeenStatusLog {
  private readonly statuses = new Vocabulary();
  private readonly rows = new RowsById();
  private readonly shipment = new NumberColumn('uint32');
  private readonly order = new NumberColumn('uint32');
  private readonly first = new NumberColumn('uint32');
  private readonly last = new NumberColumn('uint32');
  private readonly at = new NumberColumn('float64');
  private readonly code = new NumberColumn('uint32');
  /** The shipment's next sighting, -1 after its last. */
  private readonly next = new NumberColumn('int32');
  /** Per sighting, only when one named another order than the shipment's first did (a malformed event). */
  private readonly otherOrder = new Map<number, string>();

  /** `ids`: where shipment and order ids are kept once (the recorder's, shared with its other logs). */
  constructor(private readonly ids = new Vocabulary()) {}

  get size(): number {
    return this.shipment.length;
  }

  add(shipmentId: string, seen: SeenStatus): void {
    const sighting = this.at.push(seen.at);
    this.code.push(this.statuses.id(seen.status) * 2 + (seen.source === 'read' ? 1 : 0));
    this.next.push(-1);
    const id = this.ids.id(shipmentId);
    const row = this.rows.get(id);
    if (row < 0) {
      this.rows.set(id, this.shipment.push(id));
      this.order.push(this.ids.id(seen.orderId));
      this.first.push(sighting);
      this.last.push(sighting);
      return;
    }
    this.next.set(this.last.at(row), sighting);
    this.last.set(row, sighting);
    if (seen.orderId !== this.ids.word(this.order.at(row))) this.otherOrder.set(sighting, seen.orderId);
  }

  /** Each shipment with its sightings, in the order they were seen. */
  *entries(): IterableIterator<[string, SeenStatus[]]> {
    for (let row = 0; row < this.size; row++) {
      const orderId = this.ids.word(this.order.at(row));
      const seen: SeenStatus[] = [];
      for (let s = this.first.at(row); s !== -1; s = this.next.at(s)) {
        const code = this.code.at(s);
        seen.push({ at: this.at.at(s), status: this.statuses.word(code >> 1), source: code % 2 === 1 ? 'read' : 'event', orderId: this.otherOrder.get(s) ?? orderId });
      }
      yield [this.ids.word(this.shipment.at(row)), seen];
    }
  }
}
