/**
 * The ports: everything the reference implementation and the simulators touch from the outside
 * world. Each has a simulated adapter (deterministic, seeded, on virtual time) and a real one.
 * Code in reference-impl/ and simulators/ only ever sees these interfaces.
 */

// ---------------------------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------------------------

/** A cancellable timer. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch (virtual or wall). */
  now(): number;
  /** Resolves after `ms`; rejects with an AbortError when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Runs `fn` once after `ms`. */
  setTimer(ms: number, fn: () => void): Timer;
  /** Runs `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Timer;
}

// ---------------------------------------------------------------------------------------------
// Random
// ---------------------------------------------------------------------------------------------

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** A UUID v4 built from this stream's bits. */
  uuid(): string;
  /**
   * An independent stream derived from this one's seed and `label`. Forks are stable: drawing more
   * values from one fork never shifts another, so adding a component does not change the others.
   */
  fork(label: string): Random;
}

// ---------------------------------------------------------------------------------------------
// Transport: one system calling another's HTTP operations
// ---------------------------------------------------------------------------------------------

export interface HttpRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Path plus query string, e.g. `/v1/orders?limit=10`. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Raw body, if any. */
  body?: string;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** What a system exposes: its HTTP API as one function. */
export type HttpHandler = (req: HttpRequest) => Promise<HttpResponse>;

export interface SendOptions {
  /** Aborting gives up on the call: the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface Transport {
  /**
   * Sends `req` to the system named `target` (`erp`, `wms@DC-EAST`, `carrier-swift`, `layer`).
   * Rejects with a `TransportError` when no answer comes (refused, reset, aborted).
   */
  send(target: string, req: HttpRequest, options?: SendOptions): Promise<HttpResponse>;
}

/** The call never produced an HTTP answer. */
export class TransportError extends Error {
  constructor(
    readonly target: string,
    readonly code: 'refused' | 'reset' | 'aborted' | 'unknown-target' | 'network',
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

// ---------------------------------------------------------------------------------------------
// Bus: publish/subscribe with acknowledgement
// ---------------------------------------------------------------------------------------------

export interface BusMessage {
  /** Unique per logical message; duplicates of one message share it. */
  id: string;
  channel: string;
  /** Ordering key: messages with the same key are delivered one at a time, in order. */
  key: string;
  headers: Record<string, string>;
  body: string;
}

export interface Delivery extends BusMessage {
  /** 1 on first delivery, then 2, 3… on redelivery after a failed handler. */
  attempt: number;
}

/** Resolving acknowledges the message; throwing (or rejecting) asks for redelivery. */
export type BusHandler = (delivery: Delivery) => Promise<void>;

export interface Subscription {
  close(): void;
}

export interface SubscribeOptions {
  /** Deliveries of one message before giving up on it (default: unbounded). */
  maxDeliveries?: number;
  /** Wait before redelivering a message whose handler failed (default 1000 ms). */
  redeliveryDelayMs?: number;
  /** Called when a message is given up after `maxDeliveries` failed deliveries. */
  onGiveUp?: (delivery: Delivery, error: unknown) => void;
}

export interface Bus {
  /** Resolves once the bus has durably accepted the message (delivery happens later). */
  publish(message: BusMessage): Promise<void>;
  /**
   * Subscribes `handler` to `channel` for consumer `group`: every group receives every message at
   * least once; within a group, messages sharing a key are handled one at a time, in publish order.
   */
  subscribe(channel: string, group: string, handler: BusHandler, options?: SubscribeOptions): Subscription;
}
