import { setTimeout as realSleep } from 'node:timers/promises';
import { describe } from 'vitest';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { WallClock } from '../../runtime/clock/wall-clock.ts';
import { busCases } from './bus.case.ts';

describe('Bus: in-process on the VirtualClock', () => {
  busCases(() => {
    const clock = new VirtualClock();
    return { bus: new InProcessBus(clock), pass: (ms) => clock.advanceBy(ms) };
  });
});

describe('Bus: in-process on the wall clock', () => {
  busCases(() => ({ bus: new InProcessBus(new WallClock()), pass: (ms) => realSleep(ms) }));
});
