import type { Random } from '../../runtime/ports.ts';

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Random-looking identifiers drawn from a seeded stream, so the same seed gives the same ids.
 * Every format used has at least 62 random bits (12 characters of 36), so a run of a million ids
 * repeats one with a probability below 1e-7; no set of issued ids is kept.
 */
export class IdGenerator {
  constructor(private readonly random: Random) {}

  /** `prefix` + `length` characters of lower-case letters and digits (`lbl_3k9…`). */
  lower(prefix: string, length: number): string {
    return this.draw(prefix, LOWER, length);
  }

  /** `prefix` + `length` upper-case letters and digits (`PLC-7Q2M…`). */
  upper(prefix: string, length: number): string {
    return this.draw(prefix, UPPER, length);
  }

  uuid(): string {
    return this.random.uuid();
  }

  /** Joined, not concatenated: V8 keeps a string grown by += as a chain of its parts. */
  private draw(prefix: string, alphabet: string, length: number): string {
    const chars = new Array<string>(length + 1);
    chars[0] = prefix;
    for (let i = 1; i <= length; i++) chars[i] = alphabet[this.random.int(0, alphabet.length - 1)]!;
    return chars.join('');
  }
}
