import { abortError } from '../abort.ts';
import { MinHeap } from '../heap.ts';
import type { Clock, Timer } from '../ports.ts';

/** A scheduled timer; it is its own handle (no closure per timer: simulations set millions). */
class Entry implements Timer {
  cancelled = false;

  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fn: () => void,
    private readonly clock: VirtualClock,
  ) {}

  cancel(): void {
    if (!this.cancelled) {
      this.cancelled = true;
      this.clock.forget();
    }
  }
}

/** 2026-01-05T08:00:00Z, a Monday morning: the default start of simulated time. */
export const DEFAULT_EPOCH = Date.UTC(2026, 0, 5, 8, 0, 0);

/** Lets every pending promise continuation run, and the event loop turn once (I/O, signals). */
const settleTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/**
 * Lets every pending promise continuation run: a `process.nextTick` callback queued now runs once
 * V8 has drained the whole microtask queue, continuations of continuations included. It costs a
 * fraction of a turn of the event loop (measured: ~9 µs of wall time per turn on a loaded 2-core
 * box, 17 timers per simulated order), so a turn is taken only every TURN_EVERY timers, to keep
 * the process responsive (stdout, signals, real timers). Code on the virtual clock must not rely
 * on `process.nextTick` itself: such a callback may run after the next timer fires.
 */
const settleTicks = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));
const TURN_EVERY = 256;

/**
 * A deterministic discrete-event clock. Time only moves when the owner advances it; timers fire in
 * (due time, creation order), and after each one every promise continuation it caused runs before
 * the next timer fires. Nothing here reads the wall clock, so a simulated hour passes as fast as the work
 * it contains.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  /** Timers in (at, seq) order: equal times fire in the order they were set. */
  private readonly heap = new MinHeap<Entry>(before);
  private live = 0;
  private fired = 0;
  private sinceTurn = 0;

  constructor(startMs: number = DEFAULT_EPOCH) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const entry = new Entry(this.current + Math.max(0, ms || 0), this.seq++, fn, this);
    this.heap.push(entry);
    this.live++;
    return entry;
  }

  /** A timer was cancelled (called by its entry). */
  forget(): void {
    this.live--;
  }

  every(ms: number, fn: () => void): Timer {
    if (!(ms > 0)) throw new RangeError(`every(): interval must be > 0 ms, got ${ms}`);
    let current: Timer;
    let stopped = false;
    const arm = (): void => {
      current = this.setTimer(ms, () => {
        if (stopped) return;
        arm();
        fn();
      });
    };
    arm();
    return {
      cancel: () => {
        stopped = true;
        current.cancel();
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = (): void => {
        timer.cancel();
        reject(abortError(signal));
      };
      const timer = this.setTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of timers waiting to fire. */
  pending(): number {
    return this.live;
  }

  /** Timers fired since construction (a cheap measure of simulated work). */
  firedCount(): number {
    return this.fired;
  }

  /** Lets the continuations of what just ran settle (see settleTicks). */
  private settle(): Promise<void> {
    if (++this.sinceTurn < TURN_EVERY) return settleTicks();
    this.sinceTurn = 0;
    return settleTurn();
  }

  /** Due time of the next live timer, if any. */
  nextDueAt(): number | undefined {
    this.dropCancelledHead();
    return this.heap.peek()?.at;
  }

  /** Fires every timer due up to `target` (inclusive), then sets the time to `target`. */
  async advanceTo(target: number): Promise<void> {
    await settleTurn();
    for (;;) {
      this.dropCancelledHead();
      const head = this.heap.peek();
      if (!head || head.at > target) break;
      this.fireNext();
      await this.settle();
    }
    if (target > this.current) this.current = target;
  }

  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  /**
   * Fires timers in order until none is left, `until()` returns true (checked after each instant),
   * or the next timer lies beyond `limitMs`. Returns true when it stopped because `until` held or
   * the queue emptied, false when the limit was reached with work still pending.
   */
  async run(options: { limitMs?: number; until?: () => boolean } = {}): Promise<boolean> {
    const limit = options.limitMs ?? Number.POSITIVE_INFINITY;
    await settleTurn();
    for (;;) {
      if (options.until?.()) return true;
      this.dropCancelledHead();
      const head = this.heap.peek();
      if (!head) return true;
      if (head.at > limit) {
        if (Number.isFinite(limit) && limit > this.current) this.current = limit;
        return false;
      }
      this.fireNext();
      await this.settle();
    }
  }

  /** Fires the head timer; the caller then lets every continuation it caused run (settle). */
  private fireNext(): void {
    const entry = this.heap.pop()!;
    this.current = Math.max(this.current, entry.at);
    this.live--;
    this.fired++;
    entry.fn();
  }

  private dropCancelledHead(): void {
    while (this.heap.peek()?.cancelled) this.heap.pop();
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
