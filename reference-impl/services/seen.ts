/**
 * A bounded memory of recently seen event ids: the cheap first line of deduplication. The
 * durable line is structural (sequence versions, settled reservations, status ranks, the
 * shipment-confirmed mark), so forgetting old ids (or a restart) never lets a duplicate apply twice.
 */
export class SeenIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }
}
