import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { FaultInjector } from '../../simulators/faults/injector.ts';

describe('FaultInjector.heal()', () => {
  it('ends every fault and delivers delayed and held messages at once, in order per key', async () => {
    const clock = new VirtualClock(0);
    const faults = new FaultInjector(
      {
        faults: [
          { kind: 'delay-messages', target: 'events:wms.inventory', delay: { distribution: 'fixed', ms: 600_000 } },
          { kind: 'reorder', target: 'events:carrier.tracking', window: '30m' },
        ],
      },
      { clock, random: new SeededRandom(1).fork('faults') },
    );
    const bus = faults.wrapBus(new InProcessBus(clock));
    const seen: string[] = [];
    bus.subscribe('wms.inventory', 'layer', async (d) => void seen.push(`${d.id}@${clock.now()}`));
    bus.subscribe('carrier.tracking', 'layer', async (d) => void seen.push(`${d.id}@${clock.now()}`));
    for (const id of ['a', 'b']) await bus.publish({ id, channel: 'wms.inventory', key: 'BRG-6204@DC-EAST', headers: {}, body: '{}' });
    await bus.publish({ id: 't1', channel: 'carrier.tracking', key: 'SW1', headers: {}, body: '{}' });
    await clock.advanceBy(60_000);
    expect(seen).toEqual([]);
    faults.heal();
    await clock.advanceBy(1);
    expect([...seen].sort()).toEqual(['a@60000', 'b@60000', 't1@60000']);
    expect(seen.indexOf('a@60000')).toBeLessThan(seen.indexOf('b@60000'));
    await bus.publish({ id: 'c', channel: 'wms.inventory', key: 'BRG-6204@DC-EAST', headers: {}, body: '{}' });
    await clock.advanceBy(1);
    expect(seen.at(-1)).toBe('c@60001');
    expect(faults.list()).toEqual([]);
  });
});
