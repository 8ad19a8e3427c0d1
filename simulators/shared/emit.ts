import type { Bus, BusMessage, Clock } from '../../runtime/ports.ts';

export interface PublishRetryOptions {
  /** Publish attempts before giving up on a message (default 10). */
  maxAttempts: number;
  /** Wait before the second attempt, ms; doubles per attempt (default 1000). */
  initialBackoffMs: number;
  /** Longest wait between attempts, ms (default 60000). */
  maxBackoffMs: number;
}

export const DEFAULT_PUBLISH_RETRY: PublishRetryOptions = { maxAttempts: 10, initialBackoffMs: 1000, maxBackoffMs: 60_000 };

/**
 * How a simulator pushes its events: publish on the Bus and, like a real system's outbox, try again
 * with backoff when the bus does not accept the message. A message given up is counted, never
 * thrown at the caller (the simulated system carries on). Without a bus, messages are only counted.
 */
export class Emitter {
  /** Messages handed to the bus, per channel. */
  readonly published = new Map<string, number>();
  /** Messages the bus never accepted after every attempt. */
  readonly givenUp: BusMessage[] = [];

  constructor(
    private readonly bus: Bus | undefined,
    private readonly clock: Clock,
    private readonly retry: PublishRetryOptions = DEFAULT_PUBLISH_RETRY,
  ) {}

  emit(message: BusMessage): void {
    this.published.set(message.channel, (this.published.get(message.channel) ?? 0) + 1);
    if (this.bus) void this.publish(message, 1);
  }

  private async publish(message: BusMessage, attempt: number): Promise<void> {
    try {
      await this.bus!.publish(message);
    } catch {
      if (attempt >= this.retry.maxAttempts) {
        this.givenUp.push(message);
        return;
      }
      const wait = Math.min(this.retry.maxBackoffMs, this.retry.initialBackoffMs * 2 ** (attempt - 1));
      await this.clock.sleep(wait);
      await this.publish(message, attempt + 1);
    }
  }
}
