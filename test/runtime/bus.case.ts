import { expect, it } from 'vitest';
import type { Bus, BusMessage, Delivery } from '../../runtime/ports.ts';

export interface BusHarness {
  bus: Bus;
  /** Lets `ms` of the bus's clock pass. */
  pass(ms: number): Promise<void>;
}

const msg = (id: string, key: string, channel = 'wms.inventory'): BusMessage => ({ id, key, channel, headers: { 'x-id': id }, body: JSON.stringify({ id }) });

/** The behaviour every Bus adapter shares. */
export function busCases(make: () => BusHarness): void {
  it('delivers each message to every consumer group, in publish order per key', async () => {
    const { bus, pass } = make();
    const a: string[] = [];
    const b: string[] = [];
    bus.subscribe('wms.inventory', 'layer', async (d) => void a.push(d.id));
    bus.subscribe('wms.inventory', 'audit', async (d) => void b.push(d.id));
    bus.subscribe('other', 'layer', async () => {
      throw new Error('must not receive messages of another channel');
    });
    for (const id of ['1', '2', '3']) await bus.publish(msg(id, 'BRG-6204@DC-EAST'));
    await pass(5);
    expect(a).toEqual(['1', '2', '3']);
    expect(b).toEqual(['1', '2', '3']);
  });

  it('redelivers a failed message before later messages with the same key, counting attempts', async () => {
    const { bus, pass } = make();
    const seen: string[] = [];
    let failures = 2;
    bus.subscribe(
      'wms.inventory',
      'layer',
      async (d: Delivery) => {
        seen.push(`${d.id}#${d.attempt}`);
        if (d.id === '1' && failures-- > 0) throw new Error('store busy');
      },
      { redeliveryDelayMs: 10 },
    );
    await bus.publish(msg('1', 'k'));
    await bus.publish(msg('2', 'k'));
    await bus.publish(msg('x', 'other-key'));
    await pass(60);
    expect(seen.filter((s) => !s.startsWith('x'))).toEqual(['1#1', '1#2', '1#3', '2#1']);
    expect(seen).toContain('x#1');
    // The other key was not blocked by the failing one.
    expect(seen.indexOf('x#1')).toBeLessThan(seen.indexOf('1#3'));
  });

  it('gives a message up after maxDeliveries and reports it', async () => {
    const { bus, pass } = make();
    const givenUp: Array<[string, number]> = [];
    bus.subscribe(
      'wms.inventory',
      'layer',
      async () => {
        throw new Error('poison');
      },
      { maxDeliveries: 3, redeliveryDelayMs: 5, onGiveUp: (d) => givenUp.push([d.id, d.attempt]) },
    );
    await bus.publish(msg('p', 'k'));
    await pass(60);
    expect(givenUp).toEqual([['p', 3]]);
  });

  it('keeps messages for a group while it has no consumer, and redelivers one whose consumer went away mid-handling', async () => {
    const { bus, pass } = make();
    const first: string[] = [];
    let release: () => void = () => undefined;
    const sub = bus.subscribe('wms.inventory', 'layer', async (d) => {
      first.push(`${d.id}#${d.attempt}`);
      if (d.id === '2') await new Promise<void>((r) => (release = r)); // still handling when the consumer crashes
    });
    await bus.publish(msg('1', 'k'));
    await bus.publish(msg('2', 'k'));
    await pass(5);
    sub.close(); // a crash: message 2 was never acknowledged
    release();
    await bus.publish(msg('3', 'k'));
    await pass(5);
    expect(first).toEqual(['1#1', '2#1']);
    const second: string[] = [];
    bus.subscribe('wms.inventory', 'layer', async (d) => void second.push(`${d.id}#${d.attempt}`));
    await pass(5);
    expect(second).toEqual(['2#2', '3#1']);
  });

  it('stops delivering after close()', async () => {
    const { bus, pass } = make();
    const seen: string[] = [];
    const sub = bus.subscribe('wms.inventory', 'layer', async (d) => void seen.push(d.id));
    await bus.publish(msg('1', 'k'));
    await pass(5);
    sub.close();
    await bus.publish(msg('2', 'k'));
    await pass(5);
    expect(seen).toEqual(['1']);
  });
}
