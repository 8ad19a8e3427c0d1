import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../reference-impl/services/bounded-map.ts';

describe('BoundedMap', () => {
  it('drops the least recently set entry first; setting again refreshes; deleted keys are skipped', () => {
    const m = new BoundedMap<string, number>(3);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    m.set('a', 10); // a is now the most recent
    m.set('d', 4); // b goes
    expect([m.has('a'), m.has('b'), m.has('c'), m.has('d')]).toEqual([true, false, true, true]);
    m.delete('c');
    m.set('e', 5);
    m.set('f', 6); // a goes (c was deleted already)
    expect([m.has('a'), m.has('d'), m.has('e'), m.has('f'), m.get('f')]).toEqual([false, true, true, true, 6]);
    expect(m.size).toBe(3);
  });

  it('keeps the order right through many re-sets of a few hot keys (queue compaction)', () => {
    const m = new BoundedMap<string, number>(100);
    for (let i = 0; i < 100; i++) m.set(`k${i}`, i);
    for (let r = 0; r < 5000; r++) m.set(`k${r % 10}`, r); // k0..k9 hot
    for (let i = 0; i < 90; i++) m.set(`n${i}`, i); // 90 new: the 90 cold keys go
    expect(Array.from({ length: 10 }, (_, i) => m.has(`k${i}`)).every(Boolean)).toBe(true);
    expect(m.has('k10') || m.has('k99')).toBe(false);
    expect(m.size).toBe(100);
  });

  it('does not keep the slots of deleted keys: a cache whose entries come and go stays small', () => {
    const m = new BoundedMap<string, number>(50_000);
    for (let i = 0; i < 20_000; i++) {
      m.set(`o${i}`, i);
      if (i >= 10) m.delete(`o${i - 10}`); // ten in flight, the rest settled
    }
    expect(m.size).toBe(10);
    // Dead slots are rebuilt away once they outnumber the live entries (plus some slack).
    expect((m as unknown as { queue: unknown[]; head: number }).queue.length).toBeLessThan(2 * 10 + 1024 + 2);
    // The order survives the rebuilds: the oldest of the ten goes first.
    for (let i = 0; i < 49_990; i++) m.set(`fill${i}`, i);
    m.set('one-more', 0);
    expect([m.has('o19990'), m.has('o19991'), m.has('one-more')]).toEqual([false, true, true]);
  });
});
