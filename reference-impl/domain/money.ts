/**
 * Money as decimal strings, computed in integer minor units (1/10 000 of the currency unit, the
 * finest scale the contracts allow) with BigInt: no floating point ever touches an amount.
 */

export interface Money {
  amount: string;
  currency: string;
}

const SCALE = 4;
const UNIT = 10n ** BigInt(SCALE);
const AMOUNT = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]{1,4}))?$/;

/** `"4.20"` → 42000n (units of 0.0001). Throws on anything that is not a contract decimal string. */
export function toMinor(amount: string): bigint {
  const m = AMOUNT.exec(amount);
  if (!m) throw new RangeError(`not a decimal amount: "${amount}"`);
  const value = BigInt(m[2]!) * UNIT + BigInt((m[3] ?? '').padEnd(SCALE, '0'));
  return m[1] === '-' ? -value : value;
}

/** Rounds half away from zero to `decimals` (default 2) and formats: 42000n → `"4.20"`. */
export function fromMinor(minor: bigint, decimals = 2): string {
  const negative = minor < 0n;
  let v = negative ? -minor : minor;
  const drop = 10n ** BigInt(SCALE - decimals);
  v = (v + drop / 2n) / drop;
  const unit = 10n ** BigInt(decimals);
  const whole = v / unit;
  const frac = decimals > 0 ? `.${(v % unit).toString().padStart(decimals, '0')}` : '';
  return `${negative && v !== 0n ? '-' : ''}${whole}${frac}`;
}

/** Quantities may be fractional (KG, M): taken exactly to 6 decimals. */
const QTY_SCALE = 1_000_000n;
function qtyScaled(qty: number): bigint {
  if (!Number.isFinite(qty) || qty < 0) throw new RangeError(`not a quantity: ${qty}`);
  const [whole, frac = ''] = qty.toFixed(6).split('.');
  return BigInt(whole!) * QTY_SCALE + BigInt(frac.padEnd(6, '0'));
}

/** unit price × quantity, rounded half up to the minor unit. */
export function lineAmount(unitPrice: bigint, qty: number): bigint {
  const product = unitPrice * qtyScaled(qty);
  const half = QTY_SCALE / 2n;
  return product >= 0n ? (product + half) / QTY_SCALE : -((-product + half) / QTY_SCALE);
}

/** amount × rate (rate a decimal string like "0.19"), rounded half up to the minor unit. */
export function applyRate(amount: bigint, rate: string): bigint {
  const r = toMinor(rate);
  const product = amount * r;
  const half = UNIT / 2n;
  return product >= 0n ? (product + half) / UNIT : -((-product + half) / UNIT);
}

export function sum(values: Iterable<bigint>): bigint {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}

/** Equal amounts, whatever their written scale (`"4.2"` = `"4.20"`). */
export function sameAmount(a: string, b: string): boolean {
  return toMinor(a) === toMinor(b);
}

export function money(minor: bigint, currency: string): Money {
  return { amount: fromMinor(minor), currency };
}
