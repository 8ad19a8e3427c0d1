import type { Clock } from '../../runtime/ports.ts';
import type { ApiKeyConfig, Scope } from '../config.ts';

/** Who is calling: the partner behind an API key. */
export interface Principal {
  key: string;
  partner: string;
  /** Channel of the orders it places and sees (defaults to the partner name). */
  channel: string;
  /** Whether it sees every channel's orders (an operator's key: see `seesEveryChannel`). */
  allChannels: boolean;
  scopes: ReadonlySet<Scope>;
}

/** A token bucket on the Clock: `ratePerSecond` refill, `burst` capacity. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly clock: Clock,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.at = clock.now();
  }

  /** Takes a token; when none is left, how long until one is (ms). */
  take(): { ok: true } | { ok: false; waitMs: number } {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.ratePerSecond) / 1000);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: ((1 - this.tokens) * 1000) / this.ratePerSecond };
  }
}

/** Partner policies: keys, scopes and per-key rate limits (API-gateway style, in-process). */
export class Partners {
  private readonly byKey = new Map<string, { principal: Principal; bucket?: TokenBucket }>();

  constructor(clock: Clock, keys: readonly ApiKeyConfig[]) {
    for (const k of keys) {
      const principal: Principal = { key: k.key, partner: k.partner, channel: k.channel ?? k.partner, allChannels: seesEveryChannel(k), scopes: new Set(k.scopes) };
      const entry: { principal: Principal; bucket?: TokenBucket } = { principal };
      if (k.rateLimit) entry.bucket = new TokenBucket(clock, k.rateLimit.ratePerSecond, k.rateLimit.burst);
      this.byKey.set(k.key, entry);
    }
  }

  principal(key: string | undefined): Principal | undefined {
    return key === undefined ? undefined : this.byKey.get(key)?.principal;
  }

  /** Takes one request from the key's bucket. */
  admit(key: string): { ok: true } | { ok: false; waitMs: number } {
    return this.byKey.get(key)?.bucket?.take() ?? { ok: true };
  }

  /**
   * Whether a WMS or carrier key may post events for `target` (`wms@DC-EAST`, `carrier-swift`):
   * a key whose partner is a WMS or a carrier only for itself; other keys (operators) for any.
   */
  static mayPostFor(principal: Principal, target: string): boolean {
    if (principal.partner.startsWith('wms@') || principal.partner.startsWith('carrier-')) return principal.partner === target;
    return true;
  }
}

/**
 * An operator's key (no channel, and the `exceptions:admin` scope) sees every channel's orders.
 * Any other key sees only its channel's, `partner` when it names none: a partner key written
 * without a channel must not read or cancel another channel's orders.
 */
export const seesEveryChannel = (k: ApiKeyConfig): boolean => k.channel === undefined && k.scopes.includes('exceptions:admin');
