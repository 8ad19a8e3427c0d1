import type { Random } from '../../runtime/ports.ts';

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Random-looking identifiers drawn from a seeded stream (so the same seed gives the same ids),
 * never repeated within one generator.
 */
export class IdGenerator {
  private readonly seen = new Set<string>();

  constructor(private readonly random: Random) {}

  /** `prefix` + `length` characters of lower-case letters and digits (`lbl_3k9…`). */
  lower(prefix: string, length: number): string {
    return this.unique(() => prefix + this.draw(LOWER, length));
  }

  /** `prefix` + `length` upper-case letters and digits (`PLC-7Q2M…`). */
  upper(prefix: string, length: number): string {
    return this.unique(() => prefix + this.draw(UPPER, length));
  }

  uuid(): string {
    return this.unique(() => this.random.uuid());
  }

  private draw(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.random.int(0, alphabet.length - 1)];
    return out;
  }

  private unique(make: () => string): string {
    for (;;) {
      const id = make();
      if (!this.seen.has(id)) {
        this.seen.add(id);
        return id;
      }
    }
  }
}
