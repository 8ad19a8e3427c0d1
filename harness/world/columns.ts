/**
 * Storage for the long, append-only logs a run keeps until its checkers have read them. A
 * 100,000-order day records millions of facts; as objects, each costs a header, a hidden class
 * slot per field and its own copy of every string JSON.parse gave it (measured: a 10,000-order
 * day's stock facts, sightings and history took 16.6 MiB as objects). Here numbers go into typed
 * columns and strings from a small vocabulary (statuses, SKUs, channels) are stored once.
 */

type Chunk = Float64Array | Int32Array | Int8Array;
const CHUNK = 4096;

/**
 * A growable column of numbers, in fixed-size chunks: no doubling slack, no copying as it grows.
 * `Float64Array` for times and counts (exact), `Int32Array` / `Int8Array` for small codes.
 */
export class NumberColumn {
  private readonly chunks: Chunk[] = [];
  length = 0;

  constructor(private readonly make: (size: number) => Chunk = (size) => new Float64Array(size)) {}

  push(value: number): void {
    const offset = this.length % CHUNK;
    if (offset === 0) this.chunks.push(this.make(CHUNK));
    this.chunks[this.chunks.length - 1]![offset] = value;
    this.length++;
  }

  at(index: number): number {
    return this.chunks[Math.floor(index / CHUNK)]![index % CHUNK]!;
  }
}

/** Columns for codes: a vocabulary id or small enum (-1 for none). */
export const codes = (size: number): Chunk => new Int32Array(size);
export const tinyCodes = (size: number): Chunk => new Int8Array(size);

/** Strings of a small vocabulary, each stored once, by number. */
export class Vocabulary {
  private readonly ids = new Map<string, number>();
  private readonly words: string[] = [];

  id(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(word);
      this.ids.set(word, id);
    }
    return id;
  }

  /** The stored copy of `word` (strings from JSON.parse are new copies each time). */
  canonical(word: string): string {
    return this.word(this.id(word));
  }

  word(id: number): string {
    return this.words[id]!;
  }
}
