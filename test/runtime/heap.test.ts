import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../runtime/heap.ts';

describe('MinHeap', () => {
  it('pops in `before` order, ties broken by the comparator, through any interleaving of push and pop', () => {
    type Item = { key: number; seq: number };
    const ops = fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }).map((key) => ({ push: key })), fc.constant({ pop: true as const })), { maxLength: 300 });
    fc.assert(
      fc.property(ops, (script) => {
        const heap = new MinHeap<Item>((a, b) => a.key < b.key || (a.key === b.key && a.seq < b.seq));
        const model: Item[] = [];
        let seq = 0;
        for (const op of script) {
          if ('push' in op) {
            const item = { key: op.push, seq: seq++ };
            heap.push(item);
            model.push(item);
            model.sort((a, b) => a.key - b.key || a.seq - b.seq);
          } else {
            expect(heap.pop()).toBe(model.shift());
          }
          expect(heap.size).toBe(model.length);
          expect(heap.peek()).toBe(model[0]);
        }
      }),
    );
  });

  it('is empty-safe', () => {
    const heap = new MinHeap<number>((a, b) => a < b);
    expect(heap.pop()).toBeUndefined();
    expect(heap.peek()).toBeUndefined();
    heap.push(0);
    expect(heap.pop()).toBe(0);
    expect(heap.size).toBe(0);
  });
});
