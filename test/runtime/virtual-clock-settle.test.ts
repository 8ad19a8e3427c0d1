import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';

describe('VirtualClock settling', () => {
  it('runs every promise continuation a timer caused, however deep, before the next timer fires', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    const chain = async (name: string, depth: number): Promise<void> => {
      for (let i = 0; i < depth; i++) await Promise.resolve();
      log.push(`${name} done at ${clock.now()}`);
      if (depth > 0) await chain(`${name}'`, depth - 1);
    };
    // Two timers at the same instant and one later: each one's whole chain completes before the next fires.
    clock.setTimer(10, () => void chain('a', 50));
    clock.setTimer(10, () => void chain('b', 3));
    clock.setTimer(11, () => log.push(`c fired at ${clock.now()}`));
    await clock.run();
    const firstB = log.indexOf('b done at 10');
    expect(log.slice(0, firstB).every((l) => l.startsWith('a'))).toBe(true);
    expect(log.filter((l) => l.startsWith('a'))).toHaveLength(51);
    expect(log.at(-1)).toBe('c fired at 11');
  });

  it('lets the event loop turn now and then during a long run (real callbacks are not starved)', async () => {
    const clock = new VirtualClock(0);
    let fired = 0;
    let turnedAt = -1;
    for (let i = 1; i <= 5000; i++) clock.setTimer(i, () => fired++);
    // Asked for while the run is under way (at virtual time 10).
    clock.setTimer(10, () => setImmediate(() => (turnedAt = fired)));
    await clock.run();
    expect(fired).toBe(5000);
    expect(turnedAt).toBeGreaterThanOrEqual(10);
    expect(turnedAt).toBeLessThan(1000);
  });
});
