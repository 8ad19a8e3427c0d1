import { Vocabulary } from '../../runtime/columns.ts';

/** A shipment status a channel saw: from a canonical event, or from reading the order. */
export interface SeenStatus {
  at: number;
  status: string;
  source: 'event' | 'read';
  orderId: string;
}

/** One shipment's sightings: each two numbers, its time and `status × 2 + (read ? 1 : 0)`. */
interface Sightings {
  orderId: string;
  packed: number[];
  /** Per sighting, only when one named another order than the first did (a malformed event). */
  orderIds?: string[];
}

/**
 * The shipment statuses channels saw, per shipment (a 100,000-order day sees about 600,000).
 * Kept packed, two numbers per sighting; `entries()` gives them back as `SeenStatus` lists.
 */
export class SeenStatusLog {
  private readonly byShipment = new Map<string, Sightings>();
  private readonly statuses = new Vocabulary();

  get size(): number {
    return this.byShipment.size;
  }

  add(shipmentId: string, seen: SeenStatus): void {
    const code = this.statuses.id(seen.status) * 2 + (seen.source === 'read' ? 1 : 0);
    const log = this.byShipment.get(shipmentId);
    if (!log) {
      this.byShipment.set(shipmentId, { orderId: seen.orderId, packed: [seen.at, code] });
      return;
    }
    if (seen.orderId !== log.orderId) log.orderIds ??= Array.from({ length: log.packed.length / 2 }, () => log.orderId);
    log.packed = log.packed.concat([seen.at, code]); // exact length: these lists stay to the end of the run
    if (log.orderIds) log.orderIds = log.orderIds.concat([seen.orderId]);
  }

  /** Each shipment with its sightings, in the order they were seen. */
  *entries(): IterableIterator<[string, SeenStatus[]]> {
    for (const [shipmentId, log] of this.byShipment) {
      const seen: SeenStatus[] = [];
      for (let i = 0; i < log.packed.length; i += 2) {
        const code = log.packed[i + 1]!;
        seen.push({ at: log.packed[i]!, status: this.statuses.word(code >> 1), source: code % 2 === 1 ? 'read' : 'event', orderId: log.orderIds?.[i / 2] ?? log.orderId });
      }
      yield [shipmentId, seen];
    }
  }
}
