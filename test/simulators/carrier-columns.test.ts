import { describe, expect, it } from 'vitest';
import { NumberColumn, UuidColumn } from '../../runtime/columns.ts';
import { CountingNumbers, DrawnNumbers } from '../../simulators/carriers/labels.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';

describe('the carriers\' columns', () => {
  it('keep numbers across chunks, each kind as its typed array holds it', () => {
    const instants = new NumberColumn('float64');
    const codes = new NumberColumn('uint8');
    for (let i = 0; i < 10_000; i++) {
      expect(instants.push(1_767_225_600_000 + i / 4)).toBe(i);
      codes.push(i % 8);
    }
    instants.set(9_999, Number.NaN);
    expect([instants.length, instants.at(0), instants.at(4_097), instants.at(9_999)]).toEqual([10_000, 1_767_225_600_000, 1_767_225_601_024.25, Number.NaN]);
    expect([codes.at(4_095), codes.at(4_096)]).toEqual([7, 0]);
    expect(() => codes.set(10_000, 1)).toThrow(RangeError);
  });

  it('give back every string as it was pushed: UUIDs packed, anything else as it is', () => {
    const random = new SeededRandom(3);
    const ids = Array.from({ length: 5_000 }, (_, i) => (i % 1_000 === 7 ? `shp-${i}` : random.uuid()));
    ids.push('', '0192A3B4-0000-4000-8000-000000000000'); // upper-case: not packed, kept as it is
    const column = new UuidColumn();
    ids.forEach((id, i) => expect(column.push(id)).toBe(i));
    expect(ids.map((_, i) => column.at(i))).toEqual(ids);
  });
});

describe('tracking numbers', () => {
  it('counting up: made from the index, found only when issued', () => {
    const numbers = new CountingNumbers('SW', 4821900001, 10);
    expect(numbers.next()).toBe('SW4821900001');
    numbers.add('SW4821900001');
    numbers.add('SW4821900002');
    expect(() => numbers.add('SW4821900009')).toThrow(/out of turn/);
    expect([numbers.at(1), numbers.indexOf('SW4821900002'), numbers.indexOf('SW4821900003'), numbers.indexOf('SW04821900001'), numbers.indexOf('SW482190000x'), numbers.indexOf('PLC-4821900001')]).toEqual([
      'SW4821900002',
      1,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('drawn at random: kept, and found by their text', () => {
    const numbers = new DrawnNumbers();
    numbers.add('PLC-7Q2M');
    numbers.add('PLC-AB12');
    expect([numbers.at(1), numbers.indexOf('PLC-7Q2M'), numbers.indexOf('PLC-NONE')]).toEqual(['PLC-AB12', 0, undefined]);
  });
});
