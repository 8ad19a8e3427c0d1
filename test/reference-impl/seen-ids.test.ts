import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeenIds } from '../../reference-impl/services/seen-ids.ts';

/** What SeenIds must behave as: a set of the latest `capacity` distinct ids added. */
class Model {
  readonly order: string[] = [];
  constructor(private readonly capacity: number) {}
  has(id: string): boolean {
    return this.order.includes(id);
  }
  add(id: string): void {
    if (this.has(id)) return;
    this.order.push(id);
    if (this.order.length > this.capacity) this.order.shift();
  }
}

// Ids in every shape the layer meets: UUIDs (packed), short ASCII ids like Pelican's `pev_…`
// (kept as bytes), and ids that pack neither way (upper-case UUIDs, long or non-ASCII ids).
const anyId = fc.oneof(
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('pev_0123456789abcdef', 'a', '', 'ä', 'x'.repeat(23), 'x'.repeat(24)),
);

describe('SeenIds', () => {
  it('remembers the latest `capacity` ids and forgets the oldest first; adding a known id changes nothing', () => {
    const seen = new SeenIds(3);
    for (const id of ['a', 'b', 'c', 'a', 'd']) seen.add(id);
    expect(['a', 'b', 'c', 'd'].map((id) => seen.has(id))).toEqual([false, true, true, true]);
    seen.add('e');
    expect(['b', 'c', 'd', 'e'].map((id) => seen.has(id))).toEqual([false, true, true, true]);
  });

  it('answers exactly like a set of the latest ids, for every kind of id (packed, short, long)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.tuple(fc.boolean(), fc.oneof(anyId, fc.constantFrom('dup-1', 'dup-2'))), { maxLength: 300 }), (capacity, ops) => {
        const seen = new SeenIds(capacity);
        const model = new Model(capacity);
        const met = new Set<string>();
        for (const [add, id] of ops) {
          met.add(id);
          if (add) {
            seen.add(id);
            model.add(id);
          }
          // Every id met so far, not only this one: an eviction must not hide a neighbour.
          for (const m of met) if (seen.has(m) !== model.has(m)) expect({ id: m, seen: seen.has(m) }).toEqual({ id: m, seen: model.has(m) });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('tells ids apart that differ only in case, length or one hex digit', () => {
    const seen = new SeenIds(10);
    seen.add('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9');
    seen.add('pev_abc');
    expect(seen.has('0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9')).toBe(false);
    expect(seen.has('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f8')).toBe(false);
    expect(seen.has('pev_ab')).toBe(false);
    expect(seen.has('pev_abc\u0000')).toBe(false);
    expect(seen.has('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9') && seen.has('pev_abc')).toBe(true);
  });

  it('keeps every remembered id findable while the index is crowded and the oldest keep leaving', () => {
    // Enough turnover that evictions shift probe runs across the index's wrap-around many times.
    const capacity = 5_000;
    const seen = new SeenIds(capacity);
    const id = (i: number) => `${(i * 2_654_435_761 >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
    for (let i = 0; i < 50_000; i++) seen.add(id(i));
    for (let i = 45_000; i < 50_000; i++) expect(seen.has(id(i))).toBe(true);
    for (let i = 40_000; i < 45_000; i++) expect(seen.has(id(i))).toBe(false);
  });

  it('stays cheap once full (no walk over deleted entries)', () => {
    const seen = new SeenIds(100_000);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 400_000; i++) seen.add(`id-${i}`);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(seen.has('id-399999') && !seen.has('id-299999') && seen.has('id-300000')).toBe(true);
    // The iterator-based eviction took minutes here; a ring takes well under a second.
    expect(ms).toBeLessThan(3000);
  });
});
