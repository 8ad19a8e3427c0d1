import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past the live heap after a full GC, in percent, in a
 * process that runs a large world.
 *
 * A run only accumulates: the history, the simulators' ground truth and the layer's store stay
 * until the checkers have read them, so most of what a world allocates early is still live at
 * the end. V8's default step (up to 4x, chosen from GC speed) suits programs whose heap goes up
 * and down; here the committed heap ran far ahead of the live one. Measured with
 * bench/engine/peak-day.ts (default → 15 %): peak RSS 773–855 → 659–673 MiB at 30,000 orders and
 * 2,052 → 1,794 MiB at 100,000.
 */
export const HEAP_GROWING_PERCENT = 15;

/**
 * Runs expected to take fewer orders keep V8's default: their heaps are small, and the extra full
 * GCs cost more than they save (the explore and engine tests, hundreds of 1-hour worlds, took
 * 175–182 s with the default and 197–219 s with 15 % steps).
 */
export const LARGE_RUN_ORDERS = 20_000;

let applied = false;

/**
 * Before a run expected to take `expectedOrders` orders: from the first large one on, this
 * process grows its heap in small steps. Process-wide; GC timing does not change what a run
 * computes (nothing in a world uses weak references or finalizers).
 */
export function sizeHeapGrowthFor(expectedOrders: number): void {
  if (applied || expectedOrders < LARGE_RUN_ORDERS) return;
  applied = true;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
