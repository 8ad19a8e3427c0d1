import { ExponentialBackoff, noJitterGenerator, type GeneratorFn, type IBackoff } from 'cockatiel';
import type { Random } from '../../runtime/ports.ts';

/**
 * Exponential backoff with full jitter: the n-th delay is uniform in [0, min(max, base·2^n)).
 * cockatiel's ExponentialBackoff computes the schedule; its own fullJitterGenerator draws from
 * Math.random, which would break seed replay, so the jitter here draws from the Random port.
 */
export function fullJitterFrom(random: Random): GeneratorFn<number> {
  return (state, options) => {
    const [cap, next] = noJitterGenerator(state, options);
    return [Math.floor(random.next() * cap), next];
  };
}

export class JitteredBackoff {
  private readonly factory: ExponentialBackoff<number>;

  constructor(random: Random, options: { baseDelayMs: number; maxDelayMs: number }) {
    this.factory = new ExponentialBackoff<number>({ generator: fullJitterFrom(random), initialDelay: options.baseDelayMs, maxDelay: options.maxDelayMs, exponent: 2 });
  }

  /** The wait after the `failures`-th failed attempt (1-based). */
  delay(failures: number): number {
    let backoff: IBackoff<unknown> = this.factory.next();
    for (let i = 1; i < Math.min(failures, 30); i++) backoff = backoff.next(undefined);
    return backoff.duration;
  }
}
