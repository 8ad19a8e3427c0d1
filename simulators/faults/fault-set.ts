import type { Clock, HttpResponse, Random } from '../../runtime/ports.ts';
import { contractOf, operationResolver } from './catalog.ts';
import { errorResponse, retryAfterValue, sampleDelay, throttledResponse, unavailableResponse } from './effects.ts';
import type { FaultKind } from './kinds.ts';
import type { CompiledFault, FaultParams } from './plan.ts';
import { channelMatches, splitSystemName, systemTargetMatches } from './target.ts';

/**
 * The decision engine both injectors share: given a call or a message and the time, which faults
 * act on it and how. It decides; the injectors (in-process, proxy) carry the decision out with
 * their own clock and sockets. All randomness comes from one stream per fault, forked from the
 * injector's stream by fault id.
 */

export type BodyTransform = Extract<FaultParams, { kind: 'malformed' | 'schema-drift' | 'clock-skew' }>;

/** A call as the engine sees it. */
export interface CallInfo {
  /** The callee (`erp`, `wms`); undefined in the proxy, which fronts one service whatever its name. */
  system: string | undefined;
  /** The callee's instance (`DC-EAST`), if any. */
  instance?: string | undefined;
  method: string;
  /** Path plus query. */
  path: string;
}

/** What happens to a call, in order: wait, then answer (or not), then what happens to the answer. */
export interface CallPlan {
  /** Added before the request reaches the system. */
  delayMs: number;
  outcome:
    | { type: 'forward' }
    /** A fault answers instead of the system (503, 429, 5xx). */
    | { type: 'respond'; response: HttpResponse; faultId: string }
    /** No connection: TransportError `refused`. */
    | { type: 'refuse'; faultId: string }
    /** No answer until the caller gives up. */
    | { type: 'hang'; faultId: string };
  /** Deliveries to the system in all (1 = no duplicate) and the wait between them. */
  copies: number;
  spacingMs: number;
  /** The system did the work; the answer is lost this way. */
  lostAck: 'reset' | 'timeout' | undefined;
  /** Body faults on the answer. */
  transforms: BodyTransform[];
  /** Real sockets only. */
  reset: { afterBytes: number | undefined } | undefined;
  slowBody: { bytesPerSecond: number } | undefined;
  /** Ids of the faults that acted, in plan order. */
  fired: string[];
}

/** A message as the engine sees it. */
export interface MessageInfo {
  channel: string;
  headers: Record<string, string>;
}

export interface MessagePlan {
  delayMs: number;
  copies: number;
  spacingMs: number;
  /** The reorder fault that holds this message, if any. */
  reorder: { faultId: string; windowMs: number } | undefined;
  transforms: BodyTransform[];
  fired: string[];
}

/** A crash the harness carries out. */
export interface ScheduledCrash {
  id: string;
  /** Offset from scenario time 0. */
  offsetMs: number;
  /** Absolute time (clock milliseconds). */
  atMs: number;
  /** How long the layer stays down before the new instance starts. */
  downForMs: number;
}

/** A fault with its counters, for listings and reports. */
export interface FaultStatus {
  id: string;
  kind: FaultKind;
  target: string;
  from: string;
  to: string | null;
  probability: number;
  /** True while now is inside the window. */
  active: boolean;
  /** Calls or messages inside the window that the target covered. */
  matched: number;
  /** How often the fault acted. */
  fired: number;
  spec: CompiledFault['spec'];
}

interface FaultState {
  fault: CompiledFault;
  random: Random;
  matched: number;
  fired: number;
  /** Throttle buckets per instance (`''` when the target has one). */
  buckets: Map<string, { tokens: number; lastMs: number }>;
  /** Crash: decided once, when added. */
  crashScheduled?: boolean;
}

export interface FaultSetOptions {
  clock: Clock;
  /** The injector's stream (the world forks `faults` for it); each fault forks its id from it. */
  random: Random;
  /** Scenario time 0 (windows count from it). Default: the clock's reading now. */
  startMs?: number;
}

const MESSAGE_TRANSFORMS: ReadonlySet<FaultKind> = new Set(['malformed', 'schema-drift', 'clock-skew']);

export class FaultSet {
  readonly startMs: number;
  private states: FaultState[] = [];
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly resolvers = new Map<string, (method: string, path: string) => string | undefined>();

  constructor(options: FaultSetOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.startMs = options.startMs ?? options.clock.now();
  }

  /** Adds a compiled fault at the end of the list. Ids are unique. */
  add(fault: CompiledFault): void {
    if (this.states.some((s) => s.fault.id === fault.id)) throw new Error(`a fault with id "${fault.id}" already exists`);
    const state: FaultState = { fault, random: this.random.fork(`fault/${fault.id}`), matched: 0, fired: 0, buckets: new Map() };
    if (fault.kind === 'crash') {
      state.crashScheduled = fault.probability >= 1 || state.random.next() < fault.probability;
      state.matched = 1;
      state.fired = state.crashScheduled ? 1 : 0;
    }
    this.states.push(state);
  }

  remove(id: string): boolean {
    const before = this.states.length;
    this.states = this.states.filter((s) => s.fault.id !== id);
    return this.states.length < before;
  }

  clear(): void {
    this.states = [];
  }

  ids(): Set<string> {
    return new Set(this.states.map((s) => s.fault.id));
  }

  get size(): number {
    return this.states.length;
  }

  list(): FaultStatus[] {
    const t = this.clock.now() - this.startMs;
    return this.states.map(({ fault, matched, fired }) => ({
      id: fault.id,
      kind: fault.kind,
      target: fault.target.text,
      from: fault.spec.from ?? '0',
      to: fault.spec.to ?? null,
      probability: fault.probability,
      active: t >= fault.fromMs && t < fault.toMs,
      matched,
      fired,
      spec: fault.spec,
    }));
  }

  crashes(): ScheduledCrash[] {
    return this.states
      .filter((s) => s.fault.params.kind === 'crash' && s.crashScheduled)
      .map(({ fault }) => ({
        id: fault.id,
        offsetMs: fault.fromMs,
        atMs: this.startMs + fault.fromMs,
        downForMs: fault.params.kind === 'crash' ? fault.params.downForMs : 0,
      }))
      .sort((a, b) => a.offsetMs - b.offsetMs);
  }

  /** Decides what happens to a call; undefined when no fault acts on it. */
  planCall(call: CallInfo): CallPlan | undefined {
    if (this.states.length === 0) return undefined;
    const now = this.clock.now();
    const t = now - this.startMs;
    const matching: FaultState[] = [];
    for (const state of this.states) {
      const { fault } = state;
      if (fault.target.type !== 'system' || t < fault.fromMs || t >= fault.toMs || fault.kind === 'crash') continue;
      const target = fault.target;
      if (call.system !== undefined && (target.system !== call.system || (target.instance !== undefined && target.instance !== call.instance))) continue;
      if (target.operationId !== undefined && this.operationOf(target.system, call) !== target.operationId) continue;
      matching.push(state);
    }
    if (matching.length === 0) return undefined;

    const plan: CallPlan = {
      delayMs: 0,
      outcome: { type: 'forward' },
      copies: 1,
      spacingMs: 0,
      lostAck: undefined,
      transforms: [],
      reset: undefined,
      slowBody: undefined,
      fired: [],
    };
    const who = call.system === undefined ? 'the service' : call.instance ? `${call.system}@${call.instance}` : call.system;
    const fire = (state: FaultState): void => {
      state.fired++;
      plan.fired.push(state.fault.id);
    };
    const draw = (state: FaultState): boolean => state.fault.probability >= 1 || state.random.next() < state.fault.probability;

    // Before the request: delays, then the first fault that answers instead of the system.
    for (const state of matching) {
      const p = state.fault.params;
      if (p.kind === 'latency') {
        state.matched++;
        if (draw(state)) {
          plan.delayMs += sampleDelay(p.delay, state.random);
          fire(state);
        }
        continue;
      }
      if (p.kind !== 'downtime' && p.kind !== 'timeout' && p.kind !== 'error-rate' && p.kind !== 'throttle') continue;
      if (plan.outcome.type !== 'forward') continue; // already answered by an earlier fault
      state.matched++;
      if (p.kind === 'throttle') {
        if (!draw(state)) continue;
        const waitMs = this.take(state, call.instance ?? '', p.rate, p.burst, now);
        if (waitMs > 0) {
          plan.outcome = { type: 'respond', faultId: state.fault.id, response: throttledResponse(who, state.fault.id, retryAfterValue(waitMs, now, p.retryAfterFormat)) };
          fire(state);
        }
        continue;
      }
      if (!draw(state)) continue;
      fire(state);
      const id = state.fault.id;
      if (p.kind === 'timeout') plan.outcome = { type: 'hang', faultId: id };
      else if (p.kind === 'error-rate') plan.outcome = { type: 'respond', faultId: id, response: errorResponse(who, id, p.status) };
      else if (p.mode === 'refused') plan.outcome = { type: 'refuse', faultId: id };
      else {
        const untilEnd = Number.isFinite(state.fault.toMs) ? this.startMs + state.fault.toMs - now : 30_000;
        const waitMs = p.retryAfterMs ?? untilEnd;
        plan.outcome = { type: 'respond', faultId: id, response: unavailableResponse(who, id, retryAfterValue(waitMs, now, p.retryAfterFormat)) };
      }
    }

    // After the request: only when the system gets it.
    if (plan.outcome.type === 'forward') {
      for (const state of matching) {
        const p = state.fault.params;
        if (p.kind === 'duplicate' || p.kind === 'lost-ack' || p.kind === 'reset' || p.kind === 'slow-body' || MESSAGE_TRANSFORMS.has(p.kind)) {
          state.matched++;
          if (!draw(state)) continue;
          fire(state);
          if (p.kind === 'duplicate') {
            plan.copies = Math.max(plan.copies, p.copies);
            plan.spacingMs = Math.max(plan.spacingMs, p.spacingMs);
          } else if (p.kind === 'lost-ack') plan.lostAck ??= p.mode;
          else if (p.kind === 'reset') plan.reset ??= { afterBytes: p.afterBytes };
          else if (p.kind === 'slow-body') plan.slowBody ??= { bytesPerSecond: p.bytesPerSecond };
          else plan.transforms.push(p as BodyTransform);
        }
      }
    }
    return plan.fired.length > 0 ? plan : undefined;
  }

  /** Decides what happens to a published message; undefined when no fault acts on it. */
  planMessage(message: MessageInfo): MessagePlan | undefined {
    if (this.states.length === 0) return undefined;
    const t = this.clock.now() - this.startMs;
    let source: { system: string; instance?: string } | undefined;
    const plan: MessagePlan = { delayMs: 0, copies: 1, spacingMs: 0, reorder: undefined, transforms: [], fired: [] };
    for (const state of this.states) {
      const { fault } = state;
      if (t < fault.fromMs || t >= fault.toMs) continue;
      const p = fault.params;
      if (fault.target.type === 'events') {
        if (!channelMatches(fault.target.channel, message.channel)) continue;
      } else {
        // A system's own timestamps and payloads: the messages it publishes (header `source`).
        if (!MESSAGE_TRANSFORMS.has(p.kind) || fault.target.operationId !== undefined) continue;
        source ??= message.headers.source ? splitSystemName(message.headers.source) : { system: '' };
        if (!systemTargetMatches(fault.target, source.system, source.instance, undefined)) continue;
      }
      state.matched++;
      if (fault.probability < 1 && state.random.next() >= fault.probability) continue;
      if (p.kind === 'reorder') {
        if (plan.reorder) continue;
        plan.reorder = { faultId: fault.id, windowMs: p.windowMs };
      } else if (p.kind === 'delay-messages') {
        plan.delayMs += sampleDelay(p.delay, state.random);
      } else if (p.kind === 'duplicate') {
        plan.copies = Math.max(plan.copies, p.copies);
        plan.spacingMs = Math.max(plan.spacingMs, p.spacingMs);
      } else if (MESSAGE_TRANSFORMS.has(p.kind)) {
        plan.transforms.push(p as BodyTransform);
      } else {
        continue;
      }
      state.fired++;
      plan.fired.push(fault.id);
    }
    return plan.fired.length > 0 ? plan : undefined;
  }

  /** The random stream of a fault (reorder shuffles with it). */
  randomOf(id: string): Random | undefined {
    return this.states.find((s) => s.fault.id === id)?.random;
  }

  /** Token bucket: 0 when a token was taken, else milliseconds until one is available. */
  private take(state: FaultState, key: string, rate: number, burst: number, now: number): number {
    let bucket = state.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, lastMs: now };
      state.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.lastMs) * rate) / 1000);
    bucket.lastMs = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return ((1 - bucket.tokens) / rate) * 1000;
  }

  private operationOf(system: string, call: CallInfo): string | undefined {
    const contract = contractOf(system);
    let resolve = this.resolvers.get(contract);
    if (!resolve) {
      resolve = operationResolver(contract);
      this.resolvers.set(contract, resolve);
    }
    return resolve(call.method, call.path);
  }
}
