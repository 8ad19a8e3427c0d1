import { describe, expect, it } from 'vitest';
import { exponential, poisson, sample, zipf } from '../../runtime/random/distributions.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';

const draws = (n: number, f: () => number) => Array.from({ length: n }, f).sort((a, b) => a - b);
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('distributions (seed 11)', () => {
  const random = new SeededRandom(11);
  it('lognormal has the configured median', () => {
    expect(median(draws(20_000, () => sample(random, { distribution: 'lognormal', median: 40, sigma: 0.5 })))).toBeGreaterThan(38.5);
    expect(median(draws(20_000, () => sample(random, { distribution: 'lognormal', median: 40, sigma: 0.5 })))).toBeLessThan(41.5);
  });
  it('uniform stays in range with the right mean; fixed is fixed', () => {
    const xs = draws(20_000, () => sample(random, { distribution: 'uniform', min: 10, max: 30 }));
    expect(xs[0]!).toBeGreaterThanOrEqual(10);
    expect(xs.at(-1)!).toBeLessThan(30);
    expect(Math.abs(mean(xs) - 20)).toBeLessThan(0.3);
    expect(sample(random, { distribution: 'fixed', ms: 7 })).toBe(7);
  });
  it('exponential and poisson have the right means', () => {
    expect(Math.abs(mean(draws(20_000, () => exponential(random, 250))) - 250)).toBeLessThan(8);
    expect(Math.abs(mean(draws(20_000, () => poisson(random, 3.5))) - 3.5)).toBeLessThan(0.06);
    expect(Math.abs(mean(draws(5_000, () => poisson(random, 120))) - 120)).toBeLessThan(1);
  });
  it('zipf(1.1) puts most weight on the first ranks, in order', () => {
    const pick = zipf(100, 1.1);
    const counts = new Array<number>(100).fill(0);
    for (let i = 0; i < 50_000; i++) counts[pick(random)]!++;
    expect(counts[0]!).toBeGreaterThan(counts[1]!);
    expect(counts[1]!).toBeGreaterThan(counts[9]!);
    expect(counts[9]!).toBeGreaterThan(counts[99]!);
    // rank-1 share of zipf(100, 1.1) is about 0.22
    expect(counts[0]! / 50_000).toBeGreaterThan(0.2);
    expect(counts[0]! / 50_000).toBeLessThan(0.24);
  });
});
