import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, headers as natsHeaders, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Bus, BusHandler, BusMessage, Delivery, SubscribeOptions, Subscription } from '../ports.ts';

export interface NatsJetStreamBusOptions {
  /** Server URL (default `nats://127.0.0.1:4222`). */
  url?: string;
  /** Stream holding every channel of this bus (default `FAULTLINE`); created when missing. */
  stream?: string;
  /** First subject token; a message goes to `<prefix>.<channel>.<partition>` (default `faultline`). */
  subjectPrefix?: string;
  /**
   * Ordering partitions per channel (default 16). Keys are hashed onto them; each partition of a
   * group has at most one message in flight. Fixed for the life of the stream: changing it moves
   * keys between partitions, so ordering holds again only once the old backlog has drained.
   */
  partitions?: number;
  /**
   * How long a delivered message may stay unacknowledged before the server hands it out again
   * (default 30 s): this is what redelivers after a consumer process dies. A live handler keeps its
   * message with progress heartbeats, however long it runs.
   */
  ackWaitMs?: number;
  /** Messages older than this are dropped even if unacknowledged (default 7 days). */
  maxAgeMs?: number;
  /** Called with failures that have no caller to reject (a consumer that cannot start or stops). */
  onError?: (error: unknown) => void;
}

const ID_HEADER = 'Faultline-Id';
const KEY_HEADER = 'Faultline-Key';
const RESERVED = new Set([ID_HEADER.toLowerCase(), KEY_HEADER.toLowerCase()]);
const CHANNEL = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const encoder = new TextEncoder();
const NAK = encoder.encode('-NAK');
const decoder = new TextDecoder();

/**
 * The live-mode Bus on NATS JetStream: one stream, one durable pull consumer per consumer group
 * and ordering partition, explicit acks.
 *
 * - Durable groups: a group's consumers outlive its subscriptions and the process, so what is
 *   published while no member is attached waits for the next one. The stream keeps a message
 *   while some group has not acknowledged it (interest retention); messages published on a
 *   channel before any group ever subscribed to it are not kept (as with the in-process bus).
 * - At-least-once: ack when the handler resolves; on a throw, nak with `redeliveryDelayMs`; after
 *   `maxDeliveries` deliveries, term (the server will not deliver it again) and `onGiveUp`.
 *   `close()` naks what its handlers still hold, so the next member gets it at once; a process that
 *   dies without closing gets its messages back after `ackWaitMs`.
 * - Per-key ordering: the key picks one of `partitions` subjects of the channel (FNV-1a hash), and
 *   the group's consumer for each partition has `max_ack_pending: 1`, so messages of one key are
 *   handled one at a time in publish order, a failed one redelivered before the next.
 *
 * Limits of that choice: keys sharing a partition also wait for each other (a message being
 *   retried holds back the other keys of its partition during its redelivery delay), so the
 *   parallelism of a group is at most `partitions` messages; and the broker does not deduplicate
 *   (a message published twice is delivered twice, as producers' retries and the fault injector
 *   expect consumers to cope with: they deduplicate on `id`).
 */
export class NatsJetStreamBus implements Bus {
  private readonly attached = new Map<string, NatsSubscription>();
  private readonly starting = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    readonly subjectPrefix: string,
    readonly partitions: number,
    private readonly ackWaitMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Connects and makes sure the stream exists. Rejects with a clear message when the server does not answer. */
  static async connect(options: NatsJetStreamBusOptions = {}): Promise<NatsJetStreamBus> {
    const url = options.url ?? 'nats://127.0.0.1:4222';
    const stream = options.stream ?? 'FAULTLINE';
    const prefix = options.subjectPrefix ?? 'faultline';
    const partitions = options.partitions ?? 16;
    if (!/^[A-Za-z0-9_-]+$/.test(stream)) throw new Error(`stream "${stream}": letters, digits, _ and - only`);
    if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`subjectPrefix "${prefix}": one subject token (letters, digits, _ and -)`);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) throw new Error(`partitions ${partitions}: expected an integer from 1 to 1024`);
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: url, name: 'faultline', timeout: 5000 });
    } catch (error) {
      throw new Error(`NATS at ${url} does not answer (${(error as Error).message})`, { cause: error });
    }
    try {
      const jsm = await jetstreamManager(nc);
      await ensureStream(jsm, stream, prefix, options.maxAgeMs ?? 7 * 24 * 3_600_000);
      return new NatsJetStreamBus(url, nc, jetstream(nc), jsm, stream, prefix, partitions, options.ackWaitMs ?? 30_000, options.onError ?? (() => undefined));
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw new Error(`NATS at ${url}: JetStream is not usable (${(error as Error).message}); is the server started with -js?`, { cause: error });
    }
  }

  async publish(message: BusMessage): Promise<void> {
    if (this.closed) throw new Error('bus closed');
    checkChannel(message.channel);
    // A subscription made earlier in this process must have its consumers before we publish:
    // with interest retention, a message nobody is registered for is not kept.
    if (this.starting.size > 0) await Promise.allSettled([...this.starting]);
    const h = natsHeaders();
    h.set(ID_HEADER, message.id);
    h.set(KEY_HEADER, message.key);
    for (const [name, value] of Object.entries(message.headers)) {
      if (RESERVED.has(name.toLowerCase())) throw new Error(`header "${name}" is reserved by the bus`);
      h.set(name, value);
    }
    await this.js.publish(this.subject(message.channel, partitionOf(message.key, this.partitions)), encoder.encode(message.body), { headers: h });
  }

  subscribe(channel: string, group: string, handler: BusHandler, options: SubscribeOptions = {}): Subscription {
    if (this.closed) throw new Error('bus closed');
    checkChannel(channel);
    if (!/^[A-Za-z0-9_-]+$/.test(group)) throw new Error(`consumer group "${group}": letters, digits, _ and - only`);
    const id = `${channel}\u0000${group}`;
    if (this.attached.has(id)) throw new Error(`channel "${channel}" already has a consumer in group "${group}"`);
    const sub = new NatsSubscription(this, channel, group, handler, options, this.ackWaitMs, this.onError);
    this.attached.set(id, sub);
    const start = sub.start().catch((error: unknown) => {
      this.onError(new Error(`subscription to "${channel}" for group "${group}" did not start: ${(error as Error).message}`, { cause: error }));
    });
    this.starting.add(start);
    void start.finally(() => this.starting.delete(start));
    return {
      close: () => {
        if (this.attached.get(id) === sub) this.attached.delete(id);
        sub.close();
      },
    };
  }

  /** Closes every subscription and the connection (what handlers still hold is nak'd first). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.starting]);
    const subs = [...this.attached.values()];
    this.attached.clear();
    for (const sub of subs) sub.close();
    await Promise.allSettled(subs.map((s) => s.stopped()));
    await this.nc.drain().catch(() => undefined);
  }

  /** Deletes the stream and its consumers (tests; an operator resetting a live run). */
  async destroy(): Promise<void> {
    await Promise.allSettled([...this.starting]);
    for (const sub of this.attached.values()) sub.close();
    await Promise.allSettled([...this.attached.values()].map((s) => s.stopped()));
    await this.jsm.streams.delete(this.stream).catch(() => undefined);
    await this.close();
  }

  /** @internal */
  subject(channel: string, partition: number): string {
    return `${this.subjectPrefix}.${channel}.${partition}`;
  }

  /** @internal A connection of its own for one subscription: closing it drops that member's pulls. */
  async memberConnection(): Promise<NatsConnection> {
    return connect({ servers: this.url, name: 'faultline-consumer', timeout: 5000 });
  }

  /**
   * @internal Hands a message back for redelivery now, on the bus's own connection (the member
   * that held it is gone, and with it any pull request the redelivery could be wasted on).
   */
  handBack(reply: string): void {
    if (reply) this.nc.publish(reply, NAK);
  }

  /** @internal Creates (or reuses) the durable consumer of one group and partition. */
  async consumerFor(member: JetStreamClient, channel: string, group: string, partition: number): Promise<ConsumerMessages> {
    const name = durableName(group, channel, partition);
    const config = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New, // a group starts with what is published after it first subscribed
      filter_subject: this.subject(channel, partition),
      max_ack_pending: 1,
      ack_wait: nanos(this.ackWaitMs),
      max_deliver: -1, // giving up is the subscriber's decision (maxDeliveries), with onGiveUp
    };
    try {
      await this.jsm.consumers.info(this.stream, name);
    } catch (error) {
      if (!(error instanceof JetStreamApiError) || error.code !== 10014) throw error; // 10014: consumer not found
      try {
        await this.jsm.consumers.add(this.stream, config);
      } catch (raced) {
        // Another process created it in between: use theirs (same config by construction).
        await this.jsm.consumers.info(this.stream, name).catch(() => {
          throw raced;
        });
      }
    }
    const consumer = await member.consumers.get(this.stream, name);
    return consumer.consume({ max_messages: 1 });
  }
}

/** One subscribe() call: its own connection, and a consume loop per partition. */
class NatsSubscription {
  private member: NatsConnection | undefined;
  private readonly loops: ConsumerMessages[] = [];
  private readonly inFlight = new Set<JsMsg>();
  private readonly done: Promise<void>[] = [];
  private detached = false;
  private closing: Promise<void> = Promise.resolve();
  private readonly maxDeliveries: number;
  private readonly redeliveryDelayMs: number;

  constructor(
    private readonly bus: NatsJetStreamBus,
    private readonly channel: string,
    private readonly group: string,
    private readonly handler: BusHandler,
    private readonly options: SubscribeOptions,
    private readonly ackWaitMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.maxDeliveries = options.maxDeliveries ?? Number.POSITIVE_INFINITY;
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 1000;
  }

  async start(): Promise<void> {
    const member = await this.bus.memberConnection();
    this.member = member;
    if (this.detached) {
      await member.close();
      return;
    }
    const js = jetstream(member);
    const loops = await Promise.all(Array.from({ length: this.bus.partitions }, (_, p) => this.bus.consumerFor(js, this.channel, this.group, p)));
    this.loops.push(...loops);
    if (this.detached) {
      await member.close();
      return;
    }
    for (const loop of loops) this.done.push(this.run(loop));
  }

  close(): void {
    if (this.detached) return;
    this.detached = true;
    // What is being handled was never acknowledged: hand it back now rather than after ack_wait,
    // once this member's connection (and every pull request it had open) is gone, so the
    // redelivery goes to the next member and not to a pull nobody reads.
    const held = [...this.inFlight];
    this.inFlight.clear();
    const member = this.member;
    this.closing = (async () => {
      for (const loop of this.loops) loop.stop();
      await member?.close().catch(() => undefined);
      for (const m of held) this.bus.handBack((m as JsMsg & { reply?: string }).reply ?? '');
    })();
  }

  async stopped(): Promise<void> {
    await this.closing;
    await Promise.allSettled(this.done);
  }

  private async run(loop: ConsumerMessages): Promise<void> {
    try {
      for await (const m of loop) {
        if (this.detached) break; // unacknowledged: it comes back after the member is gone
        await this.handle(m);
      }
    } catch (error) {
      if (!this.detached) this.onError(new Error(`consumer of "${this.channel}" for group "${this.group}" stopped: ${(error as Error).message}`, { cause: error }));
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    const delivery = decode(m, this.channel);
    if (delivery.attempt > this.maxDeliveries) {
      // Delivered again after its last allowed attempt was cut short (a consumer died mid-handling).
      m.term('maxDeliveries exceeded');
      this.options.onGiveUp?.(delivery, new Error(`delivered ${delivery.attempt} times, more than maxDeliveries (${this.maxDeliveries})`));
      return;
    }
    this.inFlight.add(m);
    const heartbeat = setInterval(() => {
      if (!this.detached) m.working();
    }, Math.max(100, Math.floor(this.ackWaitMs / 3)));
    try {
      await this.handler(delivery);
      if (this.detached) return; // the ack is lost with the consumer: close() handed it back
      m.ack();
    } catch (error) {
      if (this.detached) return;
      if (delivery.attempt >= this.maxDeliveries) {
        m.term('maxDeliveries reached');
        this.options.onGiveUp?.(delivery, error);
      } else {
        m.nak(this.redeliveryDelayMs);
      }
    } finally {
      clearInterval(heartbeat);
      this.inFlight.delete(m);
    }
  }
}

async function ensureStream(jsm: JetStreamManager, name: string, prefix: string, maxAgeMs: number): Promise<void> {
  try {
    const info = await jsm.streams.info(name);
    if (!info.config.subjects?.includes(`${prefix}.>`)) {
      throw new Error(`stream ${name} exists but does not hold subjects ${prefix}.> (it holds ${info.config.subjects?.join(', ') ?? 'none'})`);
    }
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== 10059) throw error; // 10059: stream not found
  }
  try {
    await jsm.streams.add({ name, subjects: [`${prefix}.>`], retention: RetentionPolicy.Interest, storage: StorageType.File, max_age: nanos(maxAgeMs) });
  } catch (error) {
    // Created by another process in between.
    await jsm.streams.info(name).catch(() => {
      throw error;
    });
  }
}

function decode(m: JsMsg, channel: string): Delivery {
  const h = m.headers;
  const headers: Record<string, string> = {};
  let id = '';
  let key = '';
  if (h) {
    for (const name of h.keys()) {
      const lower = name.toLowerCase();
      if (lower === ID_HEADER.toLowerCase()) id = h.get(name);
      else if (lower === KEY_HEADER.toLowerCase()) key = h.get(name);
      else headers[name] = h.get(name);
    }
  }
  return { id, channel, key, headers, body: decoder.decode(m.data), attempt: m.info.deliveryCount };
}

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`channel "${channel}": dot-separated tokens of letters, digits, _ and -`);
}

/** FNV-1a (32 bit) of the key, modulo the partition count: stable across processes and versions. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** A durable name is one token: the readable parts, plus a hash so distinct channels never collide. */
function durableName(group: string, channel: string, partition: number): string {
  const readable = `${group}_${channel.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 180);
  return `${readable}_${partitionOf(`${group}\u0000${channel}`, 0xffffffff).toString(36)}_p${partition}`;
}
