/** Allocation of an order to one distribution center that can serve every line. Pure. */

export interface Demand {
  sku: string;
  qty: number;
}

/** Lines summed per sku, in first-seen order (two lines of one sku draw on one stock position). */
export function demandBySku(lines: ReadonlyArray<{ sku: string; quantity: { value: number } }>): Demand[] {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity.value);
  return [...bySku].map(([sku, qty]) => ({ sku, qty }));
}

/**
 * The first distribution center (in configured order) whose available-to-promise covers every
 * sku, or `undefined`. `available(dc, sku)` is the ATP of one position.
 */
export function chooseDistributionCenter(demand: readonly Demand[], centers: readonly string[], available: (dc: string, sku: string) => number): string | undefined {
  return centers.find((dc) => demand.every((d) => available(dc, d.sku) >= d.qty));
}

/** For a 422: the skus no single center can serve, with the best availability of each. */
export function shortfalls(demand: readonly Demand[], centers: readonly string[], available: (dc: string, sku: string) => number): Array<Demand & { best: number; byCenter: Array<[string, number]> }> {
  const out: Array<Demand & { best: number; byCenter: Array<[string, number]> }> = [];
  for (const d of demand) {
    const byCenter = centers.map((dc) => [dc, available(dc, d.sku)] as [string, number]);
    const best = Math.max(0, ...byCenter.map(([, n]) => n));
    if (best < d.qty) out.push({ ...d, best, byCenter });
  }
  return out;
}
