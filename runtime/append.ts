/**
 * `list` with `item` at the end, as a new array of exactly that length. For the short per-entity
 * lists a run keeps to its end (a storefront order's acknowledgements): V8 gives an array that
 * grows by `push` room for 16 more elements, about 130 bytes per list left empty, while `concat`
 * allocates what it holds. Measured: a 10,000-order day kept 25 MB of such room. Not for long lists
 * (each call copies).
 */
export function appended<T>(list: readonly T[], item: T): T[] {
  return list.concat([item]);
}
