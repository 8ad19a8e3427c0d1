/**
 * Money in integer arithmetic. Contract amounts are decimal strings with up to 4 decimals
 * (`"4.20"`, `"0.0125"`); prices are held in ten-thousandths (`bigint`), document totals and tax in
 * cents (`bigint`), so no floating point ever touches an amount. Rounding is half away from zero,
 * once per line (net amount) and once per document (tax).
 */

const AMOUNT = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]{1,4}))?$/;

/** A decimal amount string in ten-thousandths: `"4.2"` → 42000n. Throws on anything else. */
export function toTenThousandths(amount: string): bigint {
  const m = AMOUNT.exec(amount);
  if (!m) throw new RangeError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const units = BigInt(m[2]!) * 10_000n + BigInt((m[3] ?? '').padEnd(4, '0'));
  return m[1] === '-' ? -units : units;
}

/** A decimal amount string in cents, rounded half away from zero: `"4.205"` → 421n. */
export function toCents(amount: string): bigint {
  return divRound(toTenThousandths(amount), 100n);
}

/** Cents as a decimal string with two decimals: 17990n → `"179.90"`. */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** `n / d` rounded half away from zero (d > 0). */
export function divRound(n: bigint, d: bigint): bigint {
  const half = d / 2n;
  return n >= 0n ? (n + half) / d : -((-n + half) / d);
}

/** A quantity (a JSON number, up to 6 decimals are kept) in millionths. */
export function toMillionths(qty: number): bigint {
  return BigInt(Math.round(qty * 1_000_000));
}

/** Net amount of a line in cents: quantity × unit price, rounded once. */
export function lineNetCents(qty: number, unitPrice: string): bigint {
  return divRound(toMillionths(qty) * toTenThousandths(unitPrice), 1_000_000n * 100n);
}

/** Tax in cents on a net amount, at a rate in basis points (1900 = 19 %), rounded once. */
export function taxCents(netCents: bigint, rateBasisPoints: number): bigint {
  return divRound(netCents * BigInt(rateBasisPoints), 10_000n);
}

/** Two amount strings denote the same value (`"4.2"` and `"4.20"`). */
export function sameAmount(a: string, b: string): boolean {
  return toTenThousandths(a) === toTenThousandths(b);
}
