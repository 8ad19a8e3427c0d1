import type { Random } from '../../runtime/ports.ts';
import { traceIdOf } from '../../runtime/http/trace-context.ts';

const hex8 = (random: Random): string => random.int(0, 0xffffffff).toString(16).padStart(8, '0');

/**
 * Trace ids drawn from the Random port, so a seed replays them. Span ids (one per outbound call
 * and event, tens per order) count up from a random base instead of drawing each: unique within
 * the instance, replayable, and cheap.
 */
export class Tracer {
  private readonly spanHigh: string;
  private spanLow: number;

  constructor(private readonly random: Random) {
    this.spanHigh = hex8(random);
    this.spanLow = random.int(0, 0x7fffffff);
  }

  traceId(): string {
    // Joined: a concatenation this long is kept as a tree of its parts (see SeededRandom.uuid).
    let id = [hex8(this.random), hex8(this.random), hex8(this.random), hex8(this.random)].join('');
    if (/^0+$/.test(id)) id = `${id.slice(0, 31)}1`;
    return id;
  }

  spanId(): string {
    this.spanLow = (this.spanLow + 1) >>> 0;
    const id = this.spanHigh + this.spanLow.toString(16).padStart(8, '0');
    return id === '0000000000000000' ? '0000000000000001' : id;
  }

  /** The trace id of an incoming `traceparent`, or a new one. */
  traceOf(header: string | undefined): string {
    return traceIdOf(header) ?? this.traceId();
  }

  /** A `traceparent` for one outbound call or event of `traceId`. */
  traceparent(traceId: string): string {
    return `00-${traceId}-${this.spanId()}-01`;
  }
}
