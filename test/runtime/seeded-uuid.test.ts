import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';

/** The layout uuid() has always had: four draws as hex, version 4, variant from the 17th nibble. */
function reference(rng: { next(): number }): string {
  const h = [0, 1, 2, 3].map(() => (rng.next() >>> 0).toString(16).padStart(8, '0')).join('');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

describe('SeededRandom.uuid', () => {
  it('draws the same ids as the reference layout from the same seed (replays stay byte-identical)', () => {
    for (const seed of [0, 1, 7, 0xffffffff]) {
      const random = new SeededRandom(seed);
      const rng = xoroshiro128plus(seed >>> 0);
      for (let i = 0; i < 20_000; i++) expect(random.uuid()).toBe(reference(rng));
    }
  });
});
