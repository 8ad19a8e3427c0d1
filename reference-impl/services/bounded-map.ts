/**
 * A Map bounded to `capacity` entries that drops the least recently set one first, in O(1).
 *
 * Not `map.delete(map.keys().next().value)`: V8 leaves a deleted entry as a hole at the front of
 * its table until the next rehash, and every `keys().next()` walks the holes from the start, so
 * evicting that way costs O(capacity) per insert once the map is full (measured: 35-190 µs per
 * insert at 200,000 entries, which made a 100,000-order day quadratic). The order of insertion is
 * kept in a queue instead; entries set again leave a stale queue slot, skipped when it comes up.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, { value: V; stamp: number }>();
  private queue: Array<{ key: K; stamp: number }> = [];
  private head = 0;
  private stamp = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  get(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Sets `key` (as the most recent entry), dropping the least recent one when over capacity. */
  set(key: K, value: V): void {
    const stamp = ++this.stamp;
    this.entries.set(key, { value, stamp });
    this.queue.push({ key, stamp });
    while (this.entries.size > this.capacity) {
      const slot = this.queue[this.head++]!;
      if (this.entries.get(slot.key)?.stamp === slot.stamp) this.entries.delete(slot.key);
    }
    // Drop the queue's consumed and stale slots now and then (amortized O(1)).
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    // Stale slots keep their keys alive: once they outnumber the live entries, rebuild. Measured
    // against the capacity instead, a cache whose entries are mostly deleted again (the order
    // cache drops settled orders) held ~100,000 dead slots and their ids.
    if (this.queue.length - this.head > 2 * this.entries.size + 1024) this.compact();
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Rebuilds the queue from the live entries (many keys were set again, or deleted). */
  private compact(): void {
    const live: Array<{ key: K; stamp: number }> = [];
    for (const [key, e] of this.entries) live.push({ key, stamp: e.stamp });
    live.sort((a, b) => a.stamp - b.stamp);
    this.queue = live;
    this.head = 0;
  }
}
