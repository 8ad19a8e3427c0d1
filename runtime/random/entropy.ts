import { randomInt } from 'node:crypto';
import { SeededRandom } from './seeded-random.ts';

/** The real Random: a seeded stream whose seed comes from the OS's cryptographic source. */
export function entropyRandom(): SeededRandom {
  return new SeededRandom(randomInt(0, 2 ** 32 - 1));
}
