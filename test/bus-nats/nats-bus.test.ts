import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NatsJetStreamBus, partitionOf } from '../../runtime/bus/nats-jetstream.ts';
import { busCases } from '../runtime/bus.case.ts';
import { describeWithService } from '../store/services.ts';
import { natsService } from './nats-service.ts';

const nats = await natsService();

describeWithService('Bus: NATS JetStream', nats, (url) => {
  let bus: NatsJetStreamBus;
  const errors: unknown[] = [];
  const open = (name: string, options: { partitions?: number } = {}) =>
    NatsJetStreamBus.connect({ url, stream: name, subjectPrefix: name.toLowerCase(), onError: (e) => errors.push(e), ...options });
  const fresh = () => `T_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

  beforeEach(async () => {
    errors.length = 0;
    bus = await open(fresh());
  });
  afterEach(async () => {
    await bus.destroy();
    expect(errors).toEqual([]);
  });

  // Real network and a real server: give each step of the shared suite a little longer.
  busCases(() => ({ bus, pass: (ms) => sleep(ms + 150) }));

  describe('JetStream specifics', () => {
    it('spreads keys over partitions deterministically', () => {
      expect(partitionOf('k', 16)).not.toBe(partitionOf('other-key', 16)); // the shared suite relies on it
      expect(partitionOf('BRG-6204@DC-EAST', 16)).toBe(partitionOf('BRG-6204@DC-EAST', 16));
      const used = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(`sku-${i}@DC-EAST`, 16)));
      expect(used.size).toBe(16);
    });

    it('keeps a group durable across processes: what is published while it is away waits for it, headers intact', async () => {
      const seen: string[] = [];
      const first = bus.subscribe('orders', 'harness', async (d) => void seen.push(d.id));
      await bus.publish({ id: 'o1', channel: 'orders', key: 'A', headers: { 'ce-type': 'order.accepted' }, body: '{"n":1}' });
      await sleep(150);
      first.close();
      await sleep(50);
      // Another process (another connection) publishes while the group has no member.
      const other = await NatsJetStreamBus.connect({ url, stream: bus.stream, subjectPrefix: bus.subjectPrefix });
      await other.publish({ id: 'o2', channel: 'orders', key: 'A', headers: { 'ce-type': 'order.booked', 'content-type': 'application/json' }, body: '{"n":2}' });
      await other.close();
      const later: Array<{ id: string; headers: Record<string, string>; body: string; key: string }> = [];
      bus.subscribe('orders', 'harness', async (d) => void later.push({ id: d.id, headers: d.headers, body: d.body, key: d.key }));
      await sleep(300);
      expect(seen).toEqual(['o1']);
      expect(later).toEqual([{ id: 'o2', key: 'A', headers: { 'ce-type': 'order.booked', 'content-type': 'application/json' }, body: '{"n":2}' }]);
    });

    it('handles different keys in parallel but one key at a time', async () => {
      let active = 0;
      let peak = 0;
      const perKey = new Map<string, number>();
      const order: string[] = [];
      bus.subscribe('wms.inventory', 'layer', async (d) => {
        perKey.set(d.key, (perKey.get(d.key) ?? 0) + 1);
        expect(perKey.get(d.key)).toBe(1); // never two of one key at once
        peak = Math.max(peak, ++active);
        await sleep(20);
        active--;
        perKey.set(d.key, perKey.get(d.key)! - 1);
        order.push(d.id);
      });
      const keys = ['a', 'b', 'c', 'd'].filter((k, i, all) => all.findIndex((o) => partitionOf(o, 16) === partitionOf(k, 16)) === i);
      for (let i = 0; i < 5; i++) for (const k of keys) await bus.publish({ id: `${k}${i}`, channel: 'wms.inventory', key: k, headers: {}, body: '' });
      await sleep(5 * 20 + 400);
      expect(peak).toBeGreaterThan(1);
      for (const k of keys) expect(order.filter((id) => id.startsWith(k))).toEqual([0, 1, 2, 3, 4].map((i) => `${k}${i}`));
    });

    it('refuses a second member of a group in the same process, and bad names', () => {
      bus.subscribe('orders', 'layer', async () => undefined);
      expect(() => bus.subscribe('orders', 'layer', async () => undefined)).toThrow(/already has a consumer in group "layer"/);
      expect(() => bus.subscribe('orders.*', 'layer', async () => undefined)).toThrow(/channel "orders\.\*"/);
      expect(() => bus.subscribe('orders', 'a.b', async () => undefined)).toThrow(/consumer group "a\.b"/);
    });

    it('says clearly when nothing answers at the URL', async () => {
      await expect(NatsJetStreamBus.connect({ url: 'nats://127.0.0.1:1' })).rejects.toThrow(/NATS at nats:\/\/127\.0\.0\.1:1 does not answer/);
    });
  });
});
