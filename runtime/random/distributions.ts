import type { Random } from '../ports.ts';

/** A duration or size distribution, as written in scenario and simulator options (ms). */
export type Distribution =
  | { distribution: 'fixed'; ms: number }
  | { distribution: 'uniform'; min: number; max: number }
  | { distribution: 'lognormal'; median: number; sigma: number }
  | { distribution: 'exponential'; mean: number };

/** Standard normal by Box–Muller, from two uniform draws. */
export function normal(random: Random): number {
  const u = 1 - random.next(); // (0, 1]
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Exponential with the given mean (inter-arrival times of a Poisson process). */
export function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random.next()) * mean;
}

/** Draws one value; never negative. */
export function sample(random: Random, d: Distribution): number {
  switch (d.distribution) {
    case 'fixed':
      return Math.max(0, d.ms);
    case 'uniform':
      return d.min + (d.max - d.min) * random.next();
    case 'lognormal':
      return d.median * Math.exp(d.sigma * normal(random));
    case 'exponential':
      return exponential(random, d.mean);
  }
}

/**
 * Zipf(s) over ranks 1..n by inverse CDF on a precomputed table: rank 1 is the most popular.
 * Returns a sampler of 0-based indexes.
 */
export function zipf(n: number, s: number): (random: Random) => number {
  if (!(n >= 1)) throw new RangeError(`zipf: need n >= 1, got ${n}`);
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 1; k <= n; k++) {
    total += 1 / Math.pow(k, s);
    cdf[k - 1] = total;
  }
  for (let i = 0; i < n; i++) cdf[i]! /= total;
  return (random) => {
    const u = random.next();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Poisson-distributed count with mean `lambda` (Knuth for small means, normal approximation above 30). */
export function poisson(random: Random, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(random)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random.next();
  while (p > limit) {
    k++;
    p *= random.next();
  }
  return k;
}
