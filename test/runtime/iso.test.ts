import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../runtime/clock/iso.ts';

describe('isoTime', () => {
  it('is new Date(ms).toISOString(), byte for byte, for any whole millisecond in years 0000-9999 and around the edges', () => {
    for (const ms of [0, 1, 999, 86_399_999, 86_400_000, Date.UTC(2026, 0, 5, 8), Date.UTC(2028, 1, 29, 23, 59, 59, 999), 253_402_300_799_999, 253_402_300_800_000, -1, -86_400_001, 1.5, -0.5]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), fc.integer({ min: 0, max: 200_000 }), (ms, step) => {
        // Consecutive calls in one day and across days (the day prefix is cached).
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
        expect(isoTime(ms + step)).toBe(new Date(ms + step).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('throws like toISOString for an invalid time', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});
