import { createHmac } from 'node:crypto';
import { abortError } from '../../runtime/abort.ts';
import type { Bus, BusHandler, BusMessage, Clock, Random, Subscription, Transport } from '../../runtime/ports.ts';

/**
 * Where a simulator running as its own process (`faultline sim`) sends its events: nowhere but a
 * ring of recent messages (shown on `GET /_faultline/events`), or HTTP webhooks to the layer.
 * Both implement the Bus port, so simulators publish the same way in every mode.
 */

export interface SinkRecord {
  /** When the simulator published it (clock ms). */
  at: number;
  id: string;
  channel: string;
  key: string;
  headers: Record<string, string>;
  body: unknown;
  /** Webhook deliveries only: attempts so far and the last outcome. */
  delivery?: { attempts: number; status: 'pending' | 'delivered' | 'given-up'; lastStatus?: number; lastError?: string };
}

/** Keeps the last `capacity` messages; subscribers (in-process) get each message once. */
export class RecordingBus implements Bus {
  private readonly ring: SinkRecord[] = [];
  private readonly subscribers = new Map<string, BusHandler[]>();

  constructor(
    private readonly clock: Clock,
    private readonly capacity = 1000,
  ) {}

  async publish(message: BusMessage): Promise<void> {
    this.record(message);
    for (const handler of this.subscribers.get(message.channel) ?? []) {
      void handler({ ...message, attempt: 1 }).catch(() => undefined);
    }
  }

  subscribe(channel: string, _group: string, handler: BusHandler): Subscription {
    const list = this.subscribers.get(channel) ?? [];
    list.push(handler);
    this.subscribers.set(channel, list);
    return { close: () => list.splice(list.indexOf(handler), 1) };
  }

  /** The kept messages, oldest first. */
  records(): SinkRecord[] {
    return [...this.ring];
  }

  protected record(message: BusMessage): SinkRecord {
    let body: unknown = message.body;
    try {
      body = JSON.parse(message.body);
    } catch {
      // keep the raw text
    }
    const record: SinkRecord = { at: this.clock.now(), id: message.id, channel: message.channel, key: message.key, headers: message.headers, body };
    this.ring.push(record);
    if (this.ring.length > this.capacity) this.ring.shift();
    return record;
  }
}

export interface WebhookBusOptions {
  transport: Transport;
  /** Transport target of the receiver (its base URL is configured on the transport). */
  target: string;
  clock: Clock;
  /** For the per-attempt delivery ids (`X-WMS-Delivery-Id`). */
  random: Random;
  /**
   * Path to POST to. Default: the layer's webhook endpoint for the message's source
   * (`/v1/webhooks/wms/{dc}`, `/v1/webhooks/carriers/{carrier}`).
   */
  path?: string;
  /** Sent as `X-API-Key` when given. */
  apiKey?: string;
  /** Give up an attempt after this long without an answer, ms (WMS: 10 s). */
  timeoutMs?: number;
  /** Attempts per message before giving up (default 8). */
  maxAttempts?: number;
  /** Wait before the second attempt, doubling per attempt, ms (default 1000). */
  initialBackoffMs?: number;
  /** Called on every attempt's outcome (for logs). */
  onAttempt?: (record: SinkRecord, outcome: { status?: number; error?: string }) => void;
}

/**
 * Pushes every published message as an HTTP webhook, at least once: a non-2xx answer or no answer
 * within the timeout is retried with exponential backoff, as the WMS and carrier contracts say.
 * `publish` resolves at once (the message is accepted into the sender's outbox).
 */
export class WebhookBus extends RecordingBus {
  constructor(private readonly options: WebhookBusOptions) {
    super(options.clock);
  }

  override async publish(message: BusMessage): Promise<void> {
    const record = this.record(message);
    record.delivery = { attempts: 0, status: 'pending' };
    void this.deliver(message, record);
  }

  private async deliver(message: BusMessage, record: SinkRecord): Promise<void> {
    const { clock, transport, target } = this.options;
    const maxAttempts = this.options.maxAttempts ?? 8;
    const delivery = record.delivery!;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      delivery.attempts = attempt;
      const controller = new AbortController();
      const timer = clock.setTimer(this.options.timeoutMs ?? 10_000, () => controller.abort(abortError()));
      try {
        const res = await transport.send(target, { method: 'POST', path: this.pathFor(message), headers: this.headersFor(message), body: message.body }, { signal: controller.signal });
        delivery.lastStatus = res.status;
        delete delivery.lastError;
        this.options.onAttempt?.(record, { status: res.status });
        if (res.status >= 200 && res.status < 300) {
          delivery.status = 'delivered';
          return;
        }
      } catch (error) {
        delivery.lastError = error instanceof Error ? error.message : String(error);
        this.options.onAttempt?.(record, { error: delivery.lastError });
      } finally {
        timer.cancel();
      }
      if (attempt < maxAttempts) await clock.sleep((this.options.initialBackoffMs ?? 1000) * 2 ** (attempt - 1));
    }
    delivery.status = 'given-up';
  }

  private pathFor(message: BusMessage): string {
    if (this.options.path) return this.options.path;
    const source = message.headers.source ?? '';
    if (source.startsWith('wms@')) return `/v1/webhooks/wms/${encodeURIComponent(source.slice(4))}`;
    return `/v1/webhooks/carriers/${encodeURIComponent(source)}`;
  }

  private headersFor(message: BusMessage): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.headers)) if (name !== 'source') headers[name] = value;
    headers['content-type'] ??= 'application/json';
    if (this.options.apiKey) headers['x-api-key'] = this.options.apiKey;
    if (headers['x-wms-event-type']) headers['x-wms-delivery-id'] = this.options.random.uuid();
    return headers;
  }
}

/** `sha256=<hex HMAC-SHA256 of body>` as SwiftShip signs its webhooks (`X-Swift-Signature`). */
export function swiftSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
