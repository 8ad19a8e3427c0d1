import { runLoad, type LoadOptions, type LoadReport } from './driver.ts';

export interface FindMaxRateOptions extends Omit<LoadOptions, 'rate' | 'count' | 'durationMs'> {
  /** First rate tried (req/s). */
  startRate: number;
  /** Never offer more than this. */
  maxRate: number;
  /** Each step multiplies the rate by this while the load is sustained (default 2). */
  factor?: number;
  /** How long each step offers load (default 3000 ms). */
  stepMs?: number;
  /** Bisection steps between the last sustained and the first failed rate (default 2). */
  refine?: number;
  /** Sustained means: errors at most this share of requests (default 0.001)… */
  maxErrorRatio?: number;
  /** …p99 latency at most this (default 100 ms)… */
  maxP99Ms?: number;
  /** …achieved at least this share of the offered rate (default 0.95), and no growing backlog. */
  minAchievedRatio?: number;
  /** Pause between steps so the previous step's work drains (default 500 ms). */
  pauseMs?: number;
  /**
   * A step that fails is tried again this many times before the rate counts as not sustained
   * (default 1): one scheduling hiccup on a small machine should not end the search.
   */
  retries?: number;
  /** Load offered at half the start rate for this long before the search, not counted (default 2000 ms: JIT, pools). */
  warmupMs?: number;
  /** Called after each step (progress lines). */
  onStep?: (step: RateStep) => void;
}

export interface RateStep {
  rate: number;
  sustained: boolean;
  /** Why not, in words. */
  reason?: string;
  /** Attempts at this rate (a failed step is retried). */
  tries: number;
  /** The last attempt's report. */
  report: LoadReport;
}

export interface MaxRateResult {
  /** The highest rate sustained (0 when even the first step was not). */
  rate: number;
  /** The report of that step. */
  report: LoadReport | undefined;
  steps: RateStep[];
}

/** Is this step sustainable? Undefined when yes, the reason when not. */
export function unsustainedBecause(report: LoadReport, options: Pick<FindMaxRateOptions, 'maxErrorRatio' | 'maxP99Ms' | 'minAchievedRatio'> = {}): string | undefined {
  const maxErrorRatio = options.maxErrorRatio ?? 0.001;
  const maxP99Ms = options.maxP99Ms ?? 100;
  const minAchieved = options.minAchievedRatio ?? 0.95;
  if (report.sent === 0) return 'no request was sent';
  if (report.errorCount / report.sent > maxErrorRatio) return `errors ${report.errorCount}/${report.sent}`;
  if (report.latencyMs.p99 > maxP99Ms) return `p99 ${report.latencyMs.p99} ms > ${maxP99Ms} ms`;
  if (report.achievedRate < minAchieved * report.offeredRate) return `achieved ${report.achievedRate}/s < ${Math.round(minAchieved * 100)}% of offered`;
  if (report.backlog.grew) return `backlog grew (median latency ${report.backlog.firstFifthMs} → ${report.backlog.lastFifthMs} ms)`;
  return undefined;
}

/**
 * The highest open-model rate a service sustains: steps the rate up by `factor` until errors,
 * p99, throughput or the backlog give out, then bisects between the last good and first bad rate.
 * Bounded: at most (log_factor(maxRate/startRate) + 1 + refine) × (1 + retries) steps of `stepMs` each.
 */
export async function findMaxRate(options: FindMaxRateOptions): Promise<MaxRateResult> {
  const factor = options.factor ?? 2;
  const stepMs = options.stepMs ?? 3000;
  const pauseMs = options.pauseMs ?? 500;
  const steps: RateStep[] = [];
  const { startRate, maxRate, refine = 2, onStep, retries = 1, warmupMs = 2000, ...rest } = options;
  const { factor: _f, stepMs: _s, maxErrorRatio: _e, maxP99Ms: _p, minAchievedRatio: _a, pauseMs: _w, ...load } = rest;
  if (warmupMs > 0) {
    await runLoad({ ...load, rate: Math.max(1, startRate / 2), durationMs: warmupMs });
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  const attempt = async (rate: number): Promise<RateStep> => {
    let step: RateStep | undefined;
    for (let tries = 1; tries <= 1 + retries; tries++) {
      const report = await runLoad({ ...load, rate, durationMs: stepMs });
      const reason = unsustainedBecause(report, options);
      step = reason === undefined ? { rate, sustained: true, tries, report } : { rate, sustained: false, reason, tries, report };
      onStep?.(step);
      await new Promise((r) => setTimeout(r, pauseMs));
      if (step.sustained) break;
    }
    steps.push(step!);
    return step!;
  };

  let best: RateStep | undefined;
  let failedAt: number | undefined;
  for (let rate = startRate; ; rate = Math.min(maxRate, Math.round(rate * factor))) {
    const step = await attempt(rate);
    if (!step.sustained) {
      failedAt = rate;
      break;
    }
    best = step;
    if (rate >= maxRate) break;
  }
  if (failedAt !== undefined) {
    let low = best?.rate ?? 0;
    let high = failedAt;
    for (let k = 0; k < refine && high - low > Math.max(1, low * 0.05); k++) {
      const mid = Math.round((low + high) / 2);
      if (mid <= 0) break;
      const step = await attempt(mid);
      if (step.sustained) {
        best = step;
        low = mid;
      } else {
        high = mid;
      }
    }
  }
  return { rate: best?.rate ?? 0, report: best?.report, steps };
}
