import { setTimeout as realSleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { WallClock } from '../../runtime/clock/wall-clock.ts';
import { clockCases } from './clock.case.ts';

describe('Clock: VirtualClock', () => {
  clockCases(() => {
    const clock = new VirtualClock();
    return { clock, pass: (ms) => clock.advanceBy(ms) };
  });
});

describe('Clock: WallClock', () => {
  clockCases(() => ({ clock: new WallClock(), pass: (ms) => realSleep(ms) }));
});

describe('VirtualClock determinism', () => {
  /** Ten timers, each with a chain of async continuations that read the clock and sleep again. */
  async function trace(): Promise<string[]> {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    const delays = [30, 10, 20, 10, 50, 0, 20, 40, 10, 30];
    delays.forEach((delay, i) => {
      clock.setTimer(delay, () => {
        log.push(`t${i}@${clock.now()}`);
        void (async () => {
          await Promise.resolve();
          log.push(`t${i}.a@${clock.now()}`);
          await clock.sleep(i % 3 === 0 ? 0 : 5);
          await null;
          log.push(`t${i}.b@${clock.now()}`);
        })();
      });
    });
    await clock.run();
    return log;
  }

  it('fires ten timers and their continuations in the same order on every run', async () => {
    const first = await trace();
    expect(first).toHaveLength(30);
    for (let run = 0; run < 5; run++) expect(await trace()).toEqual(first);
    // Equal due times fire in creation order; each continuation runs before time moves on.
    expect(first.slice(0, 4)).toEqual(['t5@0', 't5.a@0', 't5.b@5', 't1@10']);
    const t1 = first.indexOf('t1@10');
    expect(first[t1 + 1]).toBe('t1.a@10');
    expect(first).toContain('t1.b@15');
  });

  it('passes a simulated hour in milliseconds of wall time', async () => {
    const clock = new VirtualClock(0);
    let ticks = 0;
    clock.every(1000, () => ticks++);
    const wallStart = process.hrtime.bigint();
    await clock.advanceBy(3_600_000);
    const wallMs = Number(process.hrtime.bigint() - wallStart) / 1e6;
    expect(ticks).toBe(3600);
    expect(clock.now()).toBe(3_600_000);
    // 3,600 timers at about a microsecond each; a wall-clock hour would be 3.6e6 ms.
    expect(wallMs).toBeLessThan(2000);
  });

  it('run() stops at the limit with work still pending, and reports it', async () => {
    const clock = new VirtualClock(0);
    clock.setTimer(100, () => undefined);
    expect(await clock.run({ limitMs: 50 })).toBe(false);
    expect(clock.now()).toBe(50);
    expect(clock.pending()).toBe(1);
    expect(await clock.run()).toBe(true);
    expect(clock.now()).toBe(100);
  });
});
