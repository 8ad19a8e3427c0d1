/**
 * Arrival-rate profiles of the storefront workload: orders per second as a function of time.
 * The workload draws arrivals from a non-homogeneous Poisson process with this rate (thinning),
 * so the rate can change at any instant without a timer per change.
 */

export type RateProfile =
  /** A constant rate. */
  | { kind: 'steady'; perSecond: number }
  /** From `fromPerSecond` to `toPerSecond`, linearly over `overMs` after the start; then `toPerSecond`. */
  | { kind: 'ramp'; fromPerSecond: number; toPerSecond: number; overMs: number }
  /**
   * A day of trade: `peakPerSecond` times the hourly shape `PEAK_DAY_SHAPE` (quiet nights, a morning
   * climb, a lunch plateau and the evening peak at 20:00), interpolated linearly between hours.
   * The hour is the clock's time of day in UTC plus `utcOffsetHours` (default 1, central Europe).
   */
  | { kind: 'peak-day'; peakPerSecond: number; utcOffsetHours?: number };

/** Share of the peak rate at each hour of the day (0…23), local time. */
export const PEAK_DAY_SHAPE: readonly number[] = [
  0.1, 0.06, 0.04, 0.03, 0.03, 0.05, 0.12, 0.25, 0.45, 0.65, 0.8, 0.9, 0.85, 0.8, 0.82, 0.8, 0.75, 0.72, 0.78, 0.9, 1, 0.85, 0.55, 0.25,
];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Orders per second at absolute time `now`, for a workload started at `start`. */
export function rateAt(profile: RateProfile, now: number, start: number): number {
  switch (profile.kind) {
    case 'steady':
      return profile.perSecond;
    case 'ramp': {
      const f = profile.overMs <= 0 ? 1 : Math.min(1, Math.max(0, (now - start) / profile.overMs));
      return profile.fromPerSecond + (profile.toPerSecond - profile.fromPerSecond) * f;
    }
    case 'peak-day': {
      const local = (((now + (profile.utcOffsetHours ?? 1) * HOUR) % DAY) + DAY) % DAY;
      const h = local / HOUR;
      const i = Math.floor(h);
      const a = PEAK_DAY_SHAPE[i]!;
      const b = PEAK_DAY_SHAPE[(i + 1) % 24]!;
      return profile.peakPerSecond * (a + (b - a) * (h - i));
    }
  }
}

/** The highest rate the profile ever reaches (the thinning envelope). */
export function maxRate(profile: RateProfile): number {
  switch (profile.kind) {
    case 'steady':
      return profile.perSecond;
    case 'ramp':
      return Math.max(profile.fromPerSecond, profile.toPerSecond);
    case 'peak-day':
      return profile.peakPerSecond * Math.max(...PEAK_DAY_SHAPE);
  }
}

/** Expected number of arrivals between `from` and `to` (numerical integral, 1-minute steps). */
export function expectedArrivals(profile: RateProfile, from: number, to: number, start = from): number {
  let total = 0;
  const step = 60_000;
  for (let t = from; t < to; t += step) {
    const w = Math.min(step, to - t);
    total += rateAt(profile, t + w / 2, start) * (w / 1000);
  }
  return total;
}

/** Throws a RangeError naming the field when a profile is not usable. */
export function checkProfile(profile: RateProfile): void {
  const nonNegative = (name: string, v: number): void => {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`rate profile ${profile.kind}: ${name} must be a number >= 0, got ${v}`);
  };
  if (profile.kind === 'steady') nonNegative('perSecond', profile.perSecond);
  else if (profile.kind === 'ramp') {
    nonNegative('fromPerSecond', profile.fromPerSecond);
    nonNegative('toPerSecond', profile.toPerSecond);
    nonNegative('overMs', profile.overMs);
  } else if (profile.kind === 'peak-day') nonNegative('peakPerSecond', profile.peakPerSecond);
  else throw new RangeError(`unknown rate profile ${JSON.stringify((profile as { kind: unknown }).kind)}; expected steady, ramp or peak-day`);
}
