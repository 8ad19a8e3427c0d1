/**
 * Durations as people write them in scenario and fault files: `250ms`, `90s`, `15m`, `2h`,
 * `1h30m`, `1.5s`, `2d`; signed where an offset is meant (`-5m`). A bare `0` is zero.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The pattern a (non-negative) duration string matches; used by JSON Schemas too. */
export const DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+)$';
/** The pattern of a signed duration (`-5m`, `+90s`, `2h`). */
export const SIGNED_DURATION_PATTERN = '^[+-]?(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+)$';

const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/gy;

/** Milliseconds in `text`, or undefined when it is not a duration. Accepts a sign. */
export function parseDuration(text: string): number | undefined {
  let t = text.trim();
  let sign = 1;
  if (t.startsWith('-') || t.startsWith('+')) {
    if (t.startsWith('-')) sign = -1;
    t = t.slice(1);
  }
  if (t === '0') return 0;
  if (t === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(t); m; m = PART.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = PART.lastIndex;
  }
  if (consumed !== t.length) return undefined;
  return sign * Math.round(total);
}

/** A duration given as milliseconds (a number) or a duration string; undefined when neither. */
export function toMillis(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return parseDuration(value);
}

/** `5400000` → `1h30m`; `1500` → `1.5s`; `-300000` → `-5m`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  if (rest < 60_000) return `${sign}${Number((rest / 1000).toFixed(3))}s`;
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  if (rest > 0) out += `${rest}ms`;
  return sign + out;
}
