import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past the live heap after a full GC, in percent.
 *
 * A run only accumulates: the history, the simulators' ground truth and the layer's store stay
 * until the checkers have read them, so most of what a world allocates early is still live at
 * the end. V8's default step (up to 4x, chosen from GC speed) suits programs whose heap goes up
 * and down; here the committed heap ran far ahead of the live one. Measured with
 * bench/engine/peak-day.ts (one run each, default → 15 %): peak RSS 855 → 668 MiB at 30,000
 * orders and 2,052 → 1,794 MiB at 100,000, wall time within this machine's run-to-run noise.
 */
export const HEAP_GROWING_PERCENT = 15;

let applied = false;

/**
 * Makes this process grow its heap in small steps. Process-wide and idempotent; GC timing does
 * not change what a run computes (nothing in a world uses weak references or finalizers).
 */
export function growHeapInSmallSteps(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
