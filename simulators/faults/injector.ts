import { abortError } from '../../runtime/abort.ts';
import { parseSource } from '../../runtime/files/yaml-source.ts';
import {
  TransportError,
  type Bus,
  type BusHandler,
  type BusMessage,
  type Clock,
  type HttpHandler,
  type HttpRequest,
  type HttpResponse,
  type Random,
  type SubscribeOptions,
  type Subscription,
  type Timer,
  type Transport,
} from '../../runtime/ports.ts';
import { shuffle, transformPayload } from './effects.ts';
import { FaultSet, type CallPlan, type FaultStatus, type ScheduledCrash } from './fault-set.ts';
import type { FaultSpec } from './kinds.ts';
import { checkFaultEntry, FaultPlanError, parseFaultPlan, type CompiledFault, type FaultPlan } from './plan.ts';
import { splitSystemName } from './target.ts';

/** Marks an answer whose connection must be closed (`close`) or reset (`reset`) instead of sent. */
export const CONNECTION_FAULT_HEADER = 'x-faultline-connection';

export interface FaultInjectorOptions {
  clock: Clock;
  /** The run's `faults` stream (`random.fork('faults')`); each fault forks its own from it. */
  random: Random;
  /** Scenario time 0; fault windows are offsets from it. Default: the clock's reading now. */
  startMs?: number;
}

/** What a plan can be given as: loaded (`loadFaultPlan`), compiled faults, or entries as written. */
export type FaultPlanInput = FaultPlan | { faults: readonly FaultSpec[] } | readonly CompiledFault[];

/**
 * The in-process injector (simulation mode): one fault plan applied to every call on the Transport,
 * every message on the Bus, or one served system's handler. Faults are data: a plan in, behaviour
 * out; the same plan, seed and clock give the same decisions.
 *
 *   const faults = new FaultInjector(loadFaultPlan('plan.yaml', { mode: 'in-process' }), { clock, random: random.fork('faults') });
 *   const transport = faults.wrapTransport(new InProcessTransport()…);
 *   const bus = faults.wrapBus(new InProcessBus(clock));
 */
export class FaultInjector {
  private readonly set: FaultSet;
  private readonly clock: Clock;
  private readonly buses: FaultyBus[] = [];
  private added = 0;
  private errors = 0;

  constructor(plan: FaultPlanInput, options: FaultInjectorOptions) {
    this.clock = options.clock;
    this.set = new FaultSet(options);
    for (const fault of compileInput(plan)) this.set.add(fault);
    this.added = this.set.size;
  }

  /** Scenario time 0 of this injector. */
  get startMs(): number {
    return this.set.startMs;
  }

  /** A Transport that applies request and response faults to each call, then hands it to `inner`. */
  wrapTransport(inner: Transport): Transport {
    return {
      send: (target, req, options = {}) => {
        const { system, instance } = splitSystemName(target);
        const plan = this.set.planCall({ system, instance, method: req.method, path: req.path });
        if (!plan) return inner.send(target, req, options);
        return this.execute(plan, target, req, options.signal, (r) => inner.send(target, r, options), (r) => inner.send(target, r));
      },
    };
  }

  /**
   * The handler of one system (`erp`, `wms@DC-EAST`) with the plan's faults on it: for serving a
   * simulator over HTTP (`faultline sim --faults`). A timeout never settles. A refused call or a
   * lost answer (`lost-ack`, mode reset) throws a TransportError; with `{ sockets: true }` it is
   * instead an answer marked with the `x-faultline-connection` header (`close` or `reset`), which
   * `socketFaults` (adapters/sockets.ts, a serveHandler `setup`) turns into a closed or reset
   * connection.
   *
   * @example
   *   const handler = injector.wrapHandler('erp', erp.handler, { sockets: true });
   *   await serveHandler(handler, { port, setup: socketFaults });
   */
  wrapHandler(system: string, handler: HttpHandler, options: { sockets?: boolean } = {}): HttpHandler {
    const { system: name, instance } = splitSystemName(system);
    const sockets = options.sockets === true;
    return async (req) => {
      const plan = this.set.planCall({ system: name, instance, method: req.method, path: req.path });
      if (!plan) return handler(req);
      try {
        return await this.execute(plan, system, req, undefined, handler, handler);
      } catch (error) {
        if (sockets && error instanceof TransportError && (error.code === 'refused' || error.code === 'reset')) {
          return { status: 503, headers: { [CONNECTION_FAULT_HEADER]: error.code === 'reset' ? 'reset' : 'close' }, body: '' };
        }
        throw error;
      }
    };
  }

  /** A Bus whose `publish` applies message faults; `subscribe` is the inner bus's. */
  wrapBus(inner: Bus): Bus {
    const bus = new FaultyBus(inner, this.set, this.clock, () => this.errors++);
    this.buses.push(bus);
    return bus;
  }

  /** The crashes of the integration layer the harness must carry out, earliest first. */
  crashes(): ScheduledCrash[] {
    return this.set.crashes();
  }

  /** Adds a fault while running (windows still count from scenario time 0). Throws FaultPlanError. */
  add(spec: FaultSpec): FaultStatus {
    const index = this.added;
    const { fault, problems } = checkFaultEntry(spec, '', index, { mode: 'in-process' });
    const id = fault?.id;
    if (id !== undefined && this.set.ids().has(id)) problems.push({ pointer: '/id', message: `id: "${id}" is already in use` });
    if (!fault || problems.length > 0) throw inlineError(spec, problems);
    this.set.add(fault);
    this.added++;
    return this.list().find((f) => f.id === fault.id)!;
  }

  remove(id: string): boolean {
    return this.set.remove(id);
  }

  clear(): void {
    this.set.clear();
  }

  /**
   * The faults end and the systems recover: every fault is removed, and messages still held back
   * by a delay or a reorder are delivered now (in their order per key), as a lagging feed flushes
   * its backlog once it is healthy again.
   */
  heal(): void {
    this.set.clear();
    for (const bus of this.buses) bus.flush();
  }

  /** Every fault with its counters (`matched`, `fired`). */
  list(): FaultStatus[] {
    return this.set.list();
  }

  /** How often each fault acted, by id (for reports). */
  counters(): Record<string, { matched: number; fired: number }> {
    return Object.fromEntries(this.set.list().map((f) => [f.id, { matched: f.matched, fired: f.fired }]));
  }

  /** Background deliveries (duplicate copies, delayed messages) that failed. */
  backgroundErrors(): number {
    return this.errors;
  }

  private async execute(
    plan: CallPlan,
    target: string,
    req: HttpRequest,
    signal: AbortSignal | undefined,
    send: (req: HttpRequest) => Promise<HttpResponse>,
    sendCopy: (req: HttpRequest) => Promise<HttpResponse>,
  ): Promise<HttpResponse> {
    if (plan.delayMs > 0) {
      try {
        await this.clock.sleep(plan.delayMs, signal);
      } catch {
        throw new TransportError(target, 'aborted', abortError(signal).message);
      }
    }
    const outcome = plan.outcome;
    if (outcome.type === 'respond') return copyResponse(outcome.response);
    if (outcome.type === 'refuse') throw new TransportError(target, 'refused', `${target} refused the connection (fault ${outcome.faultId})`);
    if (outcome.type === 'hang') return hang(target, signal);

    for (let i = 1; i < plan.copies; i++) {
      const copy = copyRequest(req);
      const fire = (): void => void sendCopy(copy).catch(() => this.errors++);
      if (plan.spacingMs > 0) this.clock.setTimer(plan.spacingMs * i, fire);
      else fire();
    }
    const response = await send(req);
    if (plan.lostAck === 'reset') throw new TransportError(target, 'reset', `the connection to ${target} was reset before the answer arrived`);
    if (plan.lostAck === 'timeout') return hang(target, signal);
    if (plan.transforms.length === 0) return response;
    const out = transformPayload({ body: response.body, contentType: response.headers['content-type'] }, plan.transforms);
    const headers = { ...response.headers };
    if (out.contentType !== undefined) headers['content-type'] = out.contentType;
    return { status: response.status, headers, body: out.body };
  }
}

/**
 * A bus that applies message faults on publish: transforms, then duplicates and delays, then
 * reorder holds. Messages that share a channel and key stay in publish order unless a reorder
 * fault shuffles them: a message published while an earlier one of its key is delayed waits for it.
 */
class FaultyBus implements Bus {
  /** Per channel+key: when the last delayed message is released, and how many are pending. */
  private readonly pendingByKey = new Map<string, { untilMs: number; count: number }>();
  /** Per reorder fault: messages held until its window closes. */
  private readonly holds = new Map<string, BusMessage[]>();
  /** Delayed deliveries not yet made, in scheduling order (heal() makes them at once). */
  private readonly delayed = new Set<{ at: number; timer: Timer; run: () => void }>();

  constructor(
    private readonly inner: Bus,
    private readonly set: FaultSet,
    private readonly clock: Clock,
    private readonly onError: () => void,
  ) {}

  subscribe(channel: string, group: string, handler: BusHandler, options?: SubscribeOptions): Subscription {
    return this.inner.subscribe(channel, group, handler, options);
  }

  async publish(message: BusMessage): Promise<void> {
    const key = `${message.channel}\u0000${message.key}`;
    const pending = this.pendingByKey.get(key);
    const plan = this.set.planMessage(message);
    if (!plan && !pending) return this.inner.publish(message);

    let msg = message;
    if (plan && plan.transforms.length > 0) {
      const out = transformPayload({ body: message.body, contentType: message.headers['content-type'] }, plan.transforms);
      msg = { ...message, body: out.body, headers: out.contentType === undefined ? { ...message.headers } : { ...message.headers, 'content-type': out.contentType } };
    }
    const now = this.clock.now();
    const releaseAt = Math.max(now + (plan?.delayMs ?? 0), pending?.untilMs ?? now);
    const reorder = plan?.reorder;
    const release = (m: BusMessage): Promise<void> => (reorder ? Promise.resolve(this.hold(reorder.faultId, reorder.windowMs, m)) : this.inner.publish(m));

    // Behind a delayed message of the same key, wait for it even when its time has come: its
    // timer may not have fired yet, and a timer set now fires after it.
    if (releaseAt > now || pending) {
      const entry = this.pendingByKey.get(key) ?? { untilMs: releaseAt, count: 0 };
      entry.untilMs = releaseAt;
      entry.count++;
      this.pendingByKey.set(key, entry);
      this.later(releaseAt, () => {
        if (--entry.count === 0) this.pendingByKey.delete(key);
        release(msg).catch(this.onError);
      });
    } else {
      await release(msg);
    }
    // Extra copies do not hold back later messages of the key: a late duplicate is the fault.
    for (let i = 1; i < (plan?.copies ?? 1); i++) {
      const copy = { ...msg, headers: { ...msg.headers } };
      const at = releaseAt + i * (plan?.spacingMs ?? 0);
      if (at > now) this.later(at, () => void release(copy).catch(this.onError));
      else await release(copy);
    }
  }

  /** Delivers everything held back now: delayed messages in their due order, then reorder holds. */
  flush(): void {
    const due = [...this.delayed].sort((a, b) => a.at - b.at);
    this.delayed.clear();
    for (const d of due) {
      d.timer.cancel();
      d.run();
    }
    for (const faultId of [...this.holds.keys()]) this.releaseHold(faultId);
  }

  private later(at: number, run: () => void): void {
    const entry = { at, run, timer: undefined as unknown as Timer };
    entry.timer = this.clock.setTimer(at - this.clock.now(), () => {
      this.delayed.delete(entry);
      run();
    });
    this.delayed.add(entry);
  }

  private hold(faultId: string, windowMs: number, message: BusMessage): void {
    let held = this.holds.get(faultId);
    if (!held) {
      held = [];
      this.holds.set(faultId, held);
      this.clock.setTimer(windowMs, () => this.releaseHold(faultId));
    }
    held.push(message);
  }

  private releaseHold(faultId: string): void {
    const batch = this.holds.get(faultId);
    if (!batch) return;
    this.holds.delete(faultId);
    const random = this.set.randomOf(faultId);
    const order = random ? shuffle(batch, random) : batch;
    void (async () => {
      for (const m of order) await this.inner.publish(m).catch(this.onError);
    })();
  }
}

function compileInput(plan: FaultPlanInput): CompiledFault[] {
  if (Array.isArray(plan)) return [...(plan as CompiledFault[])];
  const faults = (plan as { faults: readonly unknown[] }).faults;
  if (faults.every((f) => f !== null && typeof f === 'object' && 'params' in (f as object))) return [...(faults as CompiledFault[])];
  return parseFaultPlan(JSON.stringify({ faults }, null, 2), '<inline fault plan>', { mode: 'in-process' }).faults;
}

/** Runtime additions have no file: problems are located in the entry's pretty-printed JSON. */
function inlineError(spec: unknown, problems: Array<{ pointer: string; message: string; at?: 'key' | 'value' }>): FaultPlanError {
  const source = parseSource(JSON.stringify(spec, null, 2) ?? 'null', '<added fault>');
  return new FaultPlanError(problems.map((p) => source.problem(p.pointer, p.message, p.at)));
}

function hang(target: string, signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (!signal) return; // nobody can give up: the call never settles
    const fail = (): void => reject(new TransportError(target, 'aborted', abortError(signal).message));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

function copyResponse(res: HttpResponse): HttpResponse {
  return { status: res.status, headers: { ...res.headers }, body: res.body };
}

function copyRequest(req: HttpRequest): HttpRequest {
  const copy: HttpRequest = { method: req.method, path: req.path, headers: { ...req.headers } };
  if (req.body !== undefined) copy.body = req.body;
  return copy;
}
