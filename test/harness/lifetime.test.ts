import { describe, expect, it } from 'vitest';
import { Lifetime } from '../../harness/world/lifetime.ts';
import { SqliteStore } from '../../reference-impl/adapters/sqlite/sqlite-store.ts';
import { InProcessBus } from '../../runtime/bus/in-process-bus.ts';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';

describe('Lifetime (crash semantics for the layer)', () => {
  it('after kill: timers never fire, calls in flight never answer, messages go to the next instance, committed state stays', async () => {
    const clock = new VirtualClock(0);
    const bus = new InProcessBus(clock);
    const store = new SqliteStore();
    await store.migrate(['CREATE TABLE t (k TEXT PRIMARY KEY)']);
    const erp = new InProcessTransport().register('erp', async () => {
      await clock.sleep(100);
      return { status: 201, headers: {}, body: '{}' };
    });

    const first = new Lifetime();
    const log: string[] = [];
    const c = first.clock(clock);
    c.setTimer(50, () => log.push('timer fired'));
    void c.sleep(50).then(() => log.push('sleep resolved'));
    void first.transport(erp).send('erp', { method: 'POST', path: '/sales-orders', headers: {} }).then(() => log.push('erp answered'));
    first.bus(bus).subscribe('wms.inventory', 'layer', async (d) => {
      log.push(`first got ${d.id}`);
      await new Promise(() => undefined); // stuck handling when the crash comes
    });
    await first.store(store).execute('INSERT INTO t VALUES (?)', ['committed']);
    await bus.publish({ id: 'm1', channel: 'wms.inventory', key: 'k', headers: {}, body: '{}' });
    await clock.advanceBy(10);
    first.kill();
    await clock.advanceBy(500);
    expect(log).toEqual(['first got m1']);

    const second = new Lifetime();
    second.bus(bus).subscribe('wms.inventory', 'layer', async (d) => void log.push(`second got ${d.id}#${d.attempt}`));
    await clock.advanceBy(10);
    expect(log).toEqual(['first got m1', 'second got m1#2']);
    expect(await second.store(store).query('SELECT k FROM t')).toEqual([{ k: 'committed' }]);
  });

  it('resets requests being served when the instance dies, and refuses new ones', async () => {
    const clock = new VirtualClock(0);
    const life = new Lifetime();
    const handler = life.handler(async () => {
      await clock.sleep(100);
      return { status: 202, headers: {}, body: '{}' };
    });
    const pending = handler({ method: 'POST', path: '/v1/orders', headers: {} });
    await clock.advanceBy(10);
    life.kill();
    await expect(pending).rejects.toMatchObject({ name: 'TransportError', code: 'reset' });
    await expect(handler({ method: 'GET', path: '/v1/health', headers: {} })).rejects.toMatchObject({ code: 'refused' });
  });
});
