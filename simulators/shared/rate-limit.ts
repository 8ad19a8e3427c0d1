/**
 * Token buckets on virtual (or wall) time, one per client key, as carriers and facades throttle:
 * a bucket holds up to `capacity` tokens, refills continuously at `refillPerSecond`, and every
 * request takes one. An empty bucket answers how long until the next token, so the caller can
 * send `Retry-After`.
 */

export interface TokenBucketOptions {
  /** Largest burst, in requests. */
  capacity: number;
  /** Sustained rate, in requests per second. */
  refillPerSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly options: TokenBucketOptions) {
    if (!(options.capacity >= 1) || !(options.refillPerSecond > 0)) {
      throw new RangeError(`rate limit needs capacity >= 1 and refillPerSecond > 0, got ${JSON.stringify(options)}`);
    }
  }

  /** Takes a token for `key` at `now`; when none is left, the ms until one will be (> 0). */
  take(key: string, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const { capacity, refillPerSecond } = this.options;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * refillPerSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(((1 - bucket.tokens) / refillPerSecond) * 1000)) };
  }
}

/** `Retry-After` in whole seconds (at least 1), rounded up so a client never comes back early. */
export function retryAfterSeconds(waitMs: number): string {
  return String(Math.max(1, Math.ceil(waitMs / 1000)));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** IMF-fixdate (RFC 9110) of an instant, rounded UP to the whole second: `Mon, 02 Mar 2026 09:03:10 GMT`. */
export function httpDate(ms: number): string {
  const d = new Date(Math.ceil(ms / 1000) * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
}

/** Parses a `Retry-After` value (seconds or HTTP-date) into the instant it names; undefined if neither. */
export function retryAfterInstant(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (/^\d+$/.test(t)) return now + Number(t) * 1000;
  const parsed = Date.parse(t);
  return Number.isNaN(parsed) ? undefined : parsed;
}
