import { describe, expect, it } from 'vitest';
import { appended } from '../../runtime/append.ts';

describe('appended', () => {
  it('returns a new list with the item at the end and leaves the old one as it was', () => {
    const first = appended([] as number[], 1);
    const second = appended(first, 2);
    expect(first).toEqual([1]);
    expect(second).toEqual([1, 2]);
    expect(second).not.toBe(first);
    // An item that is itself a list is one element, not spread.
    expect(appended([[1]], [2, 3])).toEqual([[1], [2, 3]]);
  });
});
