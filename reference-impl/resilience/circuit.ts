import { ConsecutiveBreaker } from 'cockatiel';
import type { Clock } from '../../runtime/ports.ts';

export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * A circuit breaker on the Clock port. cockatiel's ConsecutiveBreaker decides when to open;
 * the open → half-open → closed timing that cockatiel's CircuitBreakerPolicy would drive with
 * real timers is driven here from `clock.now()`, so a seed replays it exactly.
 */
export class Circuit {
  private readonly breaker: ConsecutiveBreaker;
  private current: CircuitState = 'closed';
  private openedAt = 0;
  private trialInFlight = false;
  /** Times the circuit opened. */
  opens = 0;

  constructor(
    private readonly clock: Clock,
    failures: number,
    private readonly halfOpenAfterMs: number,
  ) {
    this.breaker = new ConsecutiveBreaker(failures);
  }

  get state(): CircuitState {
    if (this.current === 'open' && this.clock.now() >= this.openedAt + this.halfOpenAfterMs) return 'half_open';
    return this.current;
  }

  /** When an open circuit lets a trial call through. */
  get trialAt(): number {
    return this.openedAt + this.halfOpenAfterMs;
  }

  /** May a call start now? Half-open lets exactly one trial call through until it reports. */
  admit(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    this.current = 'half_open';
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** An admitted call was not made after all: its trial slot is free again. */
  release(): void {
    this.trialInFlight = false;
  }

  /** The system answered (any answer but a failure: 2xx, 4xx, 429). */
  success(): void {
    this.breaker.success();
    if (this.current === 'half_open') this.current = 'closed';
    this.trialInFlight = false;
  }

  /** The system failed (timeout, reset, refused, 5xx). */
  failure(): void {
    const wasTrial = this.current === 'half_open';
    this.trialInFlight = false;
    if (this.current === 'open') return;
    const trips = this.breaker.failure();
    if (wasTrial || trips) this.open();
  }

  private open(): void {
    this.current = 'open';
    this.openedAt = this.clock.now();
    this.opens++;
  }
}
