/**
 * Columns for what a run keeps to its end (a carrier's labels and events, the ERP's documents, the
 * harness's history): values in typed-array chunks instead of an object per entry, and repeated
 * strings once. As objects, each entry carried a header, a slot per field and its own copy of
 * every string JSON.parse gave it. Chunks, not one array grown by copying: no copy as a column
 * grows, and no more than one chunk's room left unused.
 */

const CHUNK = 4096;

type Chunk = Float64Array | Int32Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;
const CHUNKS = { float64: Float64Array, int32: Int32Array, int8: Int8Array, uint32: Uint32Array, uint16: Uint16Array, uint8: Uint8Array };

/**
 * Numbers of one kind, by index: `float64` for instants and counts, `uint32` for indices,
 * `uint16`/`uint8` for small codes, `int32`/`int8` for codes where -1 means none.
 */
export class NumberColumn {
  private readonly chunks: Chunk[] = [];
  private count = 0;

  constructor(private readonly kind: keyof typeof CHUNKS) {}

  get length(): number {
    return this.count;
  }

  /** Appends `value`; returns its index. */
  push(value: number): number {
    if (this.count % CHUNK === 0) this.chunks.push(new CHUNKS[this.kind](CHUNK));
    this.chunks.at(-1)![this.count % CHUNK] = value;
    return this.count++;
  }

  at(index: number): number {
    return this.chunks[Math.floor(index / CHUNK)]![index % CHUNK]!;
  }

  set(index: number, value: number): void {
    if (index >= this.count) throw new RangeError(`no entry ${index} (${this.count} kept)`);
    this.chunks[Math.floor(index / CHUNK)]![index % CHUNK] = value;
  }
}

/** Which row of a log holds each word of a vocabulary (a log keyed by ids the recorder keeps once). */
export class RowsById {
  /** Row + 1 per vocabulary id, 0 for none. */
  private readonly rows = new NumberColumn('uint32');

  /** The row of vocabulary id `id`, or -1. */
  get(id: number): number {
    return id < this.rows.length ? this.rows.at(id) - 1 : -1;
  }

  set(id: number, row: number): void {
    while (this.rows.length <= id) this.rows.push(0);
    this.rows.set(id, row + 1);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Writes a lower-case UUID's 16 bytes into `into` at `offset`; false, writing nothing, for any other string. */
export function writeUuid(value: string, into: Buffer, offset: number): boolean {
  if (!UUID.test(value)) return false;
  into.write(value.replaceAll('-', ''), offset, 16, 'hex');
  return true;
}

/**
 * Strings by index, lower-case UUIDs among them as their 16 bytes (a UUID as a string takes 56):
 * SwiftShip's event ids, and the references the layer puts on labels. Any other string is kept as
 * it is.
 */
export class UuidColumn {
  private readonly chunks: Buffer[] = [];
  private readonly others = new Map<number, string>();
  private count = 0;

  /** Appends `value`; returns its index. */
  push(value: string): number {
    const slot = this.count % CHUNK;
    if (slot === 0) this.chunks.push(Buffer.alloc(16 * CHUNK));
    if (!writeUuid(value, this.chunks.at(-1)!, slot * 16)) this.others.set(this.count, value);
    return this.count++;
  }

  at(index: number): string {
    const other = this.others.get(index);
    if (other !== undefined) return other;
    const offset = (index % CHUNK) * 16;
    const hex = this.chunks[Math.floor(index / CHUNK)]!.toString('hex', offset, offset + 16);
    // Joined, not concatenated: V8 keeps a concatenation as a tree of its parts.
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
  }
}

/** Strings by index, kept as they are (Pelican's event ids). */
export class TextColumn {
  private readonly values: string[] = [];

  push(value: string): number {
    return this.values.push(value) - 1;
  }

  at(index: number): string {
    return this.values[index]!;
  }
}

/** Strings of a small vocabulary (statuses, SKUs, services, addresses), each kept once and named by a number. */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  private readonly words: string[] = [];

  id(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.words.push(word) - 1;
      this.ids.set(word, id);
    }
    return id;
  }

  /** The word's number, if it was ever given one (without giving it one). */
  lookup(word: string): number | undefined {
    return this.ids.get(word);
  }

  word(id: number): string {
    return this.words[id]!;
  }

  /** The kept copy of `word` (strings from JSON.parse are new copies each time). */
  canonical(word: string): string {
    return this.word(this.id(word));
  }
}
