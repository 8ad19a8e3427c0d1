import { build, type Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from '../../reports/result.ts';

/** An HDR histogram of non-negative durations in ms (3 significant digits, grows as needed). */
export class Latency {
  private readonly histogram: Histogram = build({ numberOfSignificantValueDigits: 3, autoResize: true, bitBucketSize: 'packed', useWebAssembly: false });

  record(ms: number): void {
    this.histogram.recordValue(Math.max(0, Math.round(ms)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentile(p: number): number | null {
    return this.histogram.totalCount === 0 ? null : this.histogram.getValueAtPercentile(p);
  }

  summary(): LatencySummary {
    const n = this.histogram.totalCount;
    if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    return {
      count: n,
      p50: this.histogram.getValueAtPercentile(50),
      p90: this.histogram.getValueAtPercentile(90),
      p99: this.histogram.getValueAtPercentile(99),
      max: this.histogram.maxValue,
    };
  }

  reset(): void {
    this.histogram.reset();
  }
}
