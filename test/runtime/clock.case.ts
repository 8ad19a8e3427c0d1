import { expect, it } from 'vitest';
import type { Clock } from '../../runtime/ports.ts';

export interface ClockHarness {
  clock: Clock;
  /** Lets `ms` of this clock's time pass (virtual: advance; wall: really wait). */
  pass(ms: number): Promise<void>;
}

/** The behaviour every Clock adapter shares. Durations are small so the wall clock stays quick. */
export function clockCases(make: () => ClockHarness): void {
  it('now() moves forward by the time that passed', async () => {
    const { clock, pass } = make();
    const t0 = clock.now();
    await pass(30);
    const elapsed = clock.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(29);
    expect(elapsed).toBeLessThan(1000);
  });

  it('fires timers in due order, not creation order', async () => {
    const { clock, pass } = make();
    const fired: string[] = [];
    clock.setTimer(40, () => fired.push('c'));
    clock.setTimer(5, () => fired.push('a'));
    clock.setTimer(20, () => fired.push('b'));
    await pass(10);
    expect(fired).toEqual(['a']);
    await pass(60);
    expect(fired).toEqual(['a', 'b', 'c']);
  });

  it('a cancelled timer never fires', async () => {
    const { clock, pass } = make();
    let fired = false;
    const timer = clock.setTimer(5, () => (fired = true));
    timer.cancel();
    await pass(30);
    expect(fired).toBe(false);
  });

  it('every() repeats until cancelled', async () => {
    const { clock, pass } = make();
    let n = 0;
    const timer = clock.every(10, () => n++);
    await pass(55);
    timer.cancel();
    const seen = n;
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(seen).toBeLessThanOrEqual(6);
    await pass(40);
    expect(n).toBe(seen);
  });

  it('sleep() resolves after the delay and rejects with AbortError when aborted', async () => {
    const { clock, pass } = make();
    let done = false;
    const slept = clock.sleep(10).then(() => (done = true));
    await pass(30);
    await slept;
    expect(done).toBe(true);

    const controller = new AbortController();
    const aborted = clock.sleep(10_000, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    await expect(clock.sleep(5, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
}
