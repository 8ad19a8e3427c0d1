import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Clock, Timer } from '../ports.ts';

/** The real clock: wall time and Node timers. Used by `faultline serve`, `sim` and live runs. */
export class WallClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepFor(Math.max(0, ms), undefined, signal ? { signal } : undefined);
  }

  setTimer(ms: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  }

  every(ms: number, fn: () => void): Timer {
    if (!(ms > 0)) throw new RangeError(`every(): interval must be > 0 ms, got ${ms}`);
    const handle = setInterval(fn, ms);
    return { cancel: () => clearInterval(handle) };
  }
}
