import type { Bus, BusHandler, BusMessage, Clock, Delivery, SubscribeOptions, Subscription } from '../ports.ts';

interface Consumer {
  group: string;
  handler: BusHandler;
  options: Required<Pick<SubscribeOptions, 'maxDeliveries' | 'redeliveryDelayMs'>> & SubscribeOptions;
  /** Pending deliveries per ordering key; a key with a queue is being drained. */
  queues: Map<string, Delivery[]>;
  closed: boolean;
}

/**
 * An in-process bus with durable-broker semantics: at-least-once delivery per consumer group,
 * per-key ordering (a failed message blocks its key and is redelivered after a delay on the
 * clock), and give-up after `maxDeliveries`. Deterministic on a VirtualClock.
 */
export class InProcessBus implements Bus {
  private readonly consumers = new Map<string, Consumer[]>();

  constructor(private readonly clock: Clock) {}

  async publish(message: BusMessage): Promise<void> {
    const consumers = this.consumers.get(message.channel);
    if (!consumers) return;
    for (const consumer of consumers) {
      if (consumer.closed) continue;
      this.enqueue(consumer, { ...message, headers: { ...message.headers }, attempt: 1 });
    }
  }

  subscribe(channel: string, group: string, handler: BusHandler, options: SubscribeOptions = {}): Subscription {
    const list = this.consumers.get(channel) ?? [];
    if (list.some((c) => c.group === group && !c.closed)) {
      throw new Error(`channel "${channel}" already has a consumer in group "${group}"`);
    }
    const consumer: Consumer = {
      group,
      handler,
      options: { maxDeliveries: Number.POSITIVE_INFINITY, redeliveryDelayMs: 1000, ...options },
      queues: new Map(),
      closed: false,
    };
    list.push(consumer);
    this.consumers.set(channel, list);
    return {
      close: () => {
        consumer.closed = true;
        const remaining = (this.consumers.get(channel) ?? []).filter((c) => c !== consumer);
        this.consumers.set(channel, remaining);
      },
    };
  }

  /** Messages accepted but not yet acknowledged, over every consumer. */
  backlog(): number {
    let n = 0;
    for (const list of this.consumers.values()) for (const c of list) for (const q of c.queues.values()) n += q.length;
    return n;
  }

  private enqueue(consumer: Consumer, delivery: Delivery): void {
    const queue = consumer.queues.get(delivery.key);
    if (queue) {
      queue.push(delivery);
      return;
    }
    const fresh = [delivery];
    consumer.queues.set(delivery.key, fresh);
    void this.drain(consumer, delivery.key, fresh);
  }

  private async drain(consumer: Consumer, key: string, queue: Delivery[]): Promise<void> {
    await Promise.resolve(); // deliver after publish() returns, never re-entrantly
    while (queue.length > 0 && !consumer.closed) {
      const delivery = queue[0]!;
      try {
        await consumer.handler(delivery);
        queue.shift();
      } catch (error) {
        if (delivery.attempt >= consumer.options.maxDeliveries) {
          queue.shift();
          consumer.options.onGiveUp?.(delivery, error);
          continue;
        }
        queue[0] = { ...delivery, attempt: delivery.attempt + 1 };
        await this.clock.sleep(consumer.options.redeliveryDelayMs);
      }
    }
    consumer.queues.delete(key);
  }
}
