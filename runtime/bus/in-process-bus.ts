import type { Bus, BusHandler, BusMessage, Clock, Delivery, SubscribeOptions, Subscription } from '../ports.ts';

interface Group {
  channel: string;
  name: string;
  /** Pending deliveries per ordering key, head first; a key with a queue is being drained. */
  queues: Map<string, Delivery[]>;
  /** The attached consumer, if any; messages wait while none is attached. */
  consumer: Consumer | undefined;
  /** Keys whose head message is being handled right now. */
  inFlight: Set<string>;
}

interface Consumer {
  handler: BusHandler;
  maxDeliveries: number;
  redeliveryDelayMs: number;
  onGiveUp: SubscribeOptions['onGiveUp'];
  detached: boolean;
}

/**
 * An in-process bus with the semantics of a durable broker (a JetStream durable consumer):
 * consumer groups outlive their subscriptions, so messages published while a group has no
 * consumer, or being handled when its consumer detaches (a crash), are delivered to the group's
 * next consumer. Delivery is at-least-once per group, one message at a time per ordering key, with
 * clock-driven redelivery after a failed handler and give-up after `maxDeliveries`.
 */
export class InProcessBus implements Bus {
  private readonly groups = new Map<string, Group[]>();

  constructor(private readonly clock: Clock) {}

  async publish(message: BusMessage): Promise<void> {
    const groups = this.groups.get(message.channel);
    if (!groups) return;
    // Object.assign, not `{ ...message, attempt }`: V8 gives every object built by a leading spread
    // plus more properties a hidden class of its own (slow to build, megamorphic to read).
    for (const group of groups) this.enqueue(group, Object.assign({}, message, { headers: { ...message.headers }, attempt: 1 }));
  }

  subscribe(channel: string, groupName: string, handler: BusHandler, options: SubscribeOptions = {}): Subscription {
    const groups = this.groups.get(channel) ?? [];
    let group = groups.find((g) => g.name === groupName);
    if (!group) {
      group = { channel, name: groupName, queues: new Map(), consumer: undefined, inFlight: new Set() };
      groups.push(group);
      this.groups.set(channel, groups);
    }
    if (group.consumer) throw new Error(`channel "${channel}" already has a consumer in group "${groupName}"`);
    const consumer: Consumer = {
      handler,
      maxDeliveries: options.maxDeliveries ?? Number.POSITIVE_INFINITY,
      redeliveryDelayMs: options.redeliveryDelayMs ?? 1000,
      onGiveUp: options.onGiveUp,
      detached: false,
    };
    group.consumer = consumer;
    const attached = group;
    // Deliver what waited while the group had no consumer.
    for (const [key, queue] of attached.queues) void this.drain(attached, key, queue, consumer);
    return {
      close: () => {
        if (consumer.detached) return;
        consumer.detached = true;
        if (attached.consumer === consumer) attached.consumer = undefined;
        // What was being handled was never acknowledged: it comes again, as a redelivery.
        for (const key of attached.inFlight) {
          const queue = attached.queues.get(key);
          if (queue?.[0]) queue[0] = Object.assign({}, queue[0], { attempt: queue[0].attempt + 1 });
        }
        attached.inFlight.clear();
      },
    };
  }

  /** Messages accepted but not yet acknowledged, over every group. */
  backlog(): number {
    let n = 0;
    for (const groups of this.groups.values()) for (const g of groups) for (const q of g.queues.values()) n += q.length;
    return n;
  }

  private enqueue(group: Group, delivery: Delivery): void {
    const queue = group.queues.get(delivery.key);
    if (queue) {
      queue.push(delivery);
      return;
    }
    const fresh = [delivery];
    group.queues.set(delivery.key, fresh);
    if (group.consumer) void this.drain(group, delivery.key, fresh, group.consumer);
  }

  private async drain(group: Group, key: string, queue: Delivery[], consumer: Consumer): Promise<void> {
    await Promise.resolve(); // deliver after publish() returns, never re-entrantly
    while (queue.length > 0) {
      if (consumer.detached) return; // the queue stays for the group's next consumer
      const delivery = queue[0]!;
      group.inFlight.add(key);
      try {
        await consumer.handler(delivery);
        if (consumer.detached) return; // the ack is lost with the consumer: close() requeued it
        group.inFlight.delete(key);
        queue.shift();
      } catch (error) {
        if (consumer.detached) return;
        group.inFlight.delete(key);
        if (delivery.attempt >= consumer.maxDeliveries) {
          queue.shift();
          consumer.onGiveUp?.(delivery, error);
          continue;
        }
        queue[0] = Object.assign({}, delivery, { attempt: delivery.attempt + 1 });
        await this.clock.sleep(consumer.redeliveryDelayMs);
      }
    }
    group.queues.delete(key);
  }
}
