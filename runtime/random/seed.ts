import { hashToSeed } from './seeded-random.ts';

/**
 * Parses a run seed: a decimal integer (0 … 2^32-1) or a git commit hash (7-40 hex digits), so CI
 * can use the commit as the seed. Returns undefined when the text is neither.
 */
export function parseSeed(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{1,10}$/.test(t)) {
    const n = Number(t);
    return n <= 0xffffffff ? n : undefined;
  }
  if (/^[0-9a-f]{7,40}$/i.test(t)) return hashToSeed(t.toLowerCase());
  return undefined;
}
