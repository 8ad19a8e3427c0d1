import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Random } from '../ports.ts';

type Generator = ReturnType<typeof xoroshiro128plus>;

/** FNV-1a over a string, to a 32-bit unsigned seed. */
export function hashToSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A seeded stream (xoroshiro128+ from pure-rand). Forks are derived from the root seed and a
 * label path, never from this stream's position, so they are stable as code evolves.
 */
export class SeededRandom implements Random {
  private readonly rng: Generator;

  constructor(
    readonly seed: number,
    private readonly path = '',
  ) {
    this.rng = xoroshiro128plus(path === '' ? seed >>> 0 : hashToSeed(`${seed >>> 0}/${path}`));
  }

  next(): number {
    return uniformFloat64(this.rng);
  }

  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`int(): need integers min <= max, got ${min}, ${max}`);
    }
    return uniformInt(this.rng, min, max);
  }

  uuid(): string {
    const hex: string[] = [];
    for (let i = 0; i < 4; i++) hex.push((this.rng.next() >>> 0).toString(16).padStart(8, '0'));
    const h = hex.join('');
    const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  fork(label: string): Random {
    return new SeededRandom(this.seed, this.path === '' ? label : `${this.path}/${label}`);
  }
}
