import { sample, type Distribution } from '../../runtime/random/distributions.ts';
import type { Random } from '../../runtime/ports.ts';
import { isoTime } from '../../runtime/clock/iso.ts';

/** RFC 3339 timestamp (UTC, milliseconds) of a virtual instant. */
export function iso(ms: number): string {
  return isoTime(ms);
}

/** The calendar date (UTC) of an instant, `YYYY-MM-DD`. */
export function isoDate(ms: number): string {
  return isoTime(ms).slice(0, 10);
}

/**
 * A delay drawn from a distribution, in whole milliseconds (never negative): simulators only ever
 * schedule whole milliseconds, so every instant they stamp is a whole millisecond too.
 */
export function sampleMs(random: Random, distribution: Distribution): number {
  return Math.max(0, Math.round(sample(random, distribution)));
}
