/**
 * `fn` over `items` with at most `jobs` calls in flight; the results in the order of `items`,
 * whatever order the calls finish in. (`run --jobs` and `chaos:defects --jobs` share it.)
 */
export async function mapAtMost<T, R>(items: readonly T[], jobs: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!, i);
    }),
  );
  return results;
}
