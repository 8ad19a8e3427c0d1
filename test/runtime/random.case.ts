import { expect, it } from 'vitest';
import type { Random } from '../../runtime/ports.ts';

/** The behaviour every Random adapter shares. */
export function randomCases(make: () => Random): void {
  it('next() is uniform in [0, 1)', () => {
    const random = make();
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const x = random.next();
      expect(x >= 0 && x < 1).toBe(true);
      buckets[Math.floor(x * 10)]!++;
    }
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it('int() stays within both bounds and reaches both', () => {
    const random = make();
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = random.int(-3, 3);
      expect(Number.isInteger(x) && x >= -3 && x <= 3).toBe(true);
      seen.add(x);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(() => random.int(5, 1)).toThrow(RangeError);
  });

  it('uuid() gives distinct RFC 4122 version-4 ids', () => {
    const random = make();
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = random.uuid();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
  });

  it('fork() gives a stream unaffected by draws from its parent', () => {
    const a = make();
    const forkA = a.fork('erp');
    const first = [forkA.next(), forkA.next()];
    const again = a.fork('erp');
    for (let i = 0; i < 100; i++) a.next();
    expect([again.next(), again.next()]).toEqual(first);
    expect(a.fork('wms').next()).not.toBe(first[0]);
  });
}
