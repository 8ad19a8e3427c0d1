import { writeUuid } from '../../runtime/columns.ts';

/** Bytes per remembered id: a tag byte, then a packed UUID (16 bytes) or up to 23 ASCII bytes. */
const SLOT = 24;
const UUID_TAG = 0x80;
/** The id did not pack; it is kept as a string in `long` (the tag byte's slot holds its hash). */
const LONG_TAG = 0xff;
const FIRST_SIZE = 1024;

/**
 * A bounded memory of recently seen event ids: the cheap first line of deduplication. The
 * durable line is structural (sequence versions, settled reservations, status ranks, the
 * shipment-confirmed mark), so forgetting old ids (or a restart) never lets a duplicate apply twice.
 *
 * Exact, and packed: a 100,000-order day fills two of these with 200,000 ids each, which as a
 * Set of strings plus a ring took ~100 bytes per id (~40 MB). Here an id is 24 bytes in a ring of
 * slots (a UUID as 16 bytes, a short ASCII id as itself) plus a 4-byte hash and an open-addressing
 * index of slot numbers (linear probing, at most half full). Ids that do not pack stay strings.
 */
export class SeenIds {
  /** Slot i holds the i-th id added while filling; once full, `next` is the oldest. */
  private slots = new Uint8Array(0);
  private hashes = new Uint32Array(0);
  /** Slot number + 1 per bucket, 0 when empty. */
  private index = new Int32Array(0);
  private mask = 0;
  private readonly long = new Map<number, string>();
  private count = 0;
  private next = 0;
  /** The id being looked up, packed. */
  private readonly key = Buffer.alloc(SLOT);

  constructor(private readonly capacity: number) {
    this.grow(Math.min(capacity, FIRST_SIZE));
  }

  has(id: string): boolean {
    return this.find(id, this.pack(id)) >= 0;
  }

  add(id: string): void {
    const hash = this.pack(id);
    if (this.find(id, hash) >= 0) return;
    let slot: number;
    if (this.count < this.capacity) {
      if (this.count === this.hashes.length) this.grow(Math.min(this.capacity, this.count * 2));
      slot = this.count++;
    } else {
      // The oldest goes.
      slot = this.next;
      this.unindex(slot);
      this.long.delete(slot);
      this.next = (this.next + 1) % this.capacity;
    }
    this.slots.set(this.key, slot * SLOT);
    this.hashes[slot] = hash;
    if (this.key[0] === LONG_TAG) this.long.set(slot, id);
    this.insert(slot);
  }

  /** Packs `id` into `key` and returns its hash (FNV-1a over the packed bytes, or over the string). */
  private pack(id: string): number {
    const key = this.key;
    key.fill(0);
    let hash = 0x811c9dc5;
    if (writeUuid(id, key, 1)) {
      key[0] = UUID_TAG;
    } else if (id.length < SLOT && isAscii(id)) {
      key[0] = id.length;
      for (let i = 0; i < id.length; i++) key[i + 1] = id.charCodeAt(i);
    } else {
      for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
      key[0] = LONG_TAG;
      return hash >>> 0;
    }
    for (let i = 0; i < SLOT; i++) hash = Math.imul(hash ^ key[i]!, 0x01000193);
    return hash >>> 0;
  }

  /** The slot holding the id packed in `key`, or -1. */
  private find(id: string, hash: number): number {
    for (let b = hash & this.mask; this.index[b] !== 0; b = (b + 1) & this.mask) {
      const slot = this.index[b]! - 1;
      if (this.hashes[slot] === hash && this.holds(slot, id)) return slot;
    }
    return -1;
  }

  private holds(slot: number, id: string): boolean {
    if (this.key[0] === LONG_TAG) return this.long.get(slot) === id;
    const at = slot * SLOT;
    for (let i = 0; i < SLOT; i++) if (this.slots[at + i] !== this.key[i]) return false;
    return true;
  }

  private insert(slot: number): void {
    let b = this.hashes[slot]! & this.mask;
    while (this.index[b] !== 0) b = (b + 1) & this.mask;
    this.index[b] = slot + 1;
  }

  /** Removes `slot` from the index, shifting later entries of its probe run back (no tombstones). */
  private unindex(slot: number): void {
    let hole = this.hashes[slot]! & this.mask;
    while (this.index[hole] !== slot + 1) hole = (hole + 1) & this.mask;
    this.index[hole] = 0;
    for (let b = (hole + 1) & this.mask; this.index[b] !== 0; b = (b + 1) & this.mask) {
      const home = this.hashes[this.index[b]! - 1]! & this.mask;
      // An entry may fill the hole only if its home bucket is not cyclically within (hole, b].
      const stays = hole <= b ? hole < home && home <= b : hole < home || home <= b;
      if (stays) continue;
      this.index[hole] = this.index[b]!;
      this.index[b] = 0;
      hole = b;
    }
  }

  /** Room for `size` ids: the slots are copied and the index rebuilt at twice that many buckets. */
  private grow(size: number): void {
    const slots = new Uint8Array(size * SLOT);
    slots.set(this.slots);
    const hashes = new Uint32Array(size);
    hashes.set(this.hashes);
    this.slots = slots;
    this.hashes = hashes;
    let buckets = 8;
    while (buckets < size * 2) buckets *= 2;
    this.index = new Int32Array(buckets);
    this.mask = buckets - 1;
    for (let slot = 0; slot < this.count; slot++) this.insert(slot);
  }
}

function isAscii(id: string): boolean {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0x7f) return false;
  return true;
}
