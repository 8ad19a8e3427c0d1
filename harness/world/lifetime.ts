import type { SqlExecutor, SqlValue, Store } from '../../reference-impl/ports.ts';
import { TransportError, type Bus, type Clock, type HttpHandler, type Subscription, type Timer, type Transport } from '../../runtime/ports.ts';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * The life of one instance of the integration layer, for crash faults. Every port the instance
 * gets goes through its Lifetime; `kill()` is the crash: timers never fire, subscriptions close
 * (their unacknowledged messages go to the next instance), calls in flight never answer, store
 * calls never complete, and requests being served are reset. Committed state stays in the store.
 * Continuations of the dead instance stay parked forever instead of running on with stale state.
 */
export class Lifetime {
  private dead = false;
  private readonly timers = new Set<Timer>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly serving = new Set<(error: Error) => void>();

  get alive(): boolean {
    return !this.dead;
  }

  kill(): void {
    if (this.dead) return;
    this.dead = true;
    for (const t of this.timers) t.cancel();
    for (const s of this.subscriptions) s.close();
    const reset = new TransportError('layer', 'reset', 'the integration layer crashed mid-request');
    for (const reject of this.serving) reject(reset);
    this.timers.clear();
    this.subscriptions.clear();
    this.serving.clear();
  }

  clock(inner: Clock): Clock {
    const track = (timer: Timer): Timer => {
      this.timers.add(timer);
      return {
        cancel: () => {
          timer.cancel();
          this.timers.delete(timer);
        },
      };
    };
    const scoped: Clock = {
      now: () => inner.now(),
      setTimer: (ms, fn) => {
        if (this.dead) return { cancel: () => undefined };
        let timer: Timer | undefined = undefined;
        timer = track(
          inner.setTimer(ms, () => {
            if (timer) this.timers.delete(timer);
            if (!this.dead) fn();
          }),
        );
        return timer;
      },
      every: (ms, fn) => (this.dead ? { cancel: () => undefined } : track(inner.every(ms, () => !this.dead && fn()))),
      sleep: (ms, signal) => {
        if (this.dead) return never();
        return new Promise<void>((resolve, reject) => {
          if (signal?.aborted) {
            reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
            return;
          }
          const timer = scoped.setTimer(ms, () => resolve());
          signal?.addEventListener(
            'abort',
            () => {
              timer.cancel();
              if (!this.dead) reject(signal.reason instanceof Error ? signal.reason : Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
            },
            { once: true },
          );
        });
      },
    };
    return scoped;
  }

  transport(inner: Transport): Transport {
    return {
      send: (target, req, options) => (this.dead ? never() : this.guard(inner.send(target, req, options))),
    };
  }

  bus(inner: Bus): Bus {
    return {
      publish: (message) => (this.dead ? never() : this.guard(inner.publish(message))),
      subscribe: (channel, group, handler, options) => {
        if (this.dead) return { close: () => undefined };
        const sub = inner.subscribe(channel, group, (delivery) => (this.dead ? never() : handler(delivery)), options);
        this.subscriptions.add(sub);
        return {
          close: () => {
            sub.close();
            this.subscriptions.delete(sub);
          },
        };
      },
    };
  }

  store(inner: Store): Store {
    const executor = (ex: SqlExecutor): SqlExecutor => new GuardedExecutor(this, ex);
    const direct = executor(inner);
    return {
      dialect: inner.dialect,
      query: (sql, params) => direct.query(sql, params),
      execute: (sql, params) => direct.execute(sql, params),
      transaction: (fn) => (this.dead ? never() : this.guard(inner.transaction((tx) => fn(executor(tx))))),
      migrate: (statements) => (this.dead ? never() : this.guard(inner.migrate(statements))),
      close: async () => undefined, // the store outlives the instance
    };
  }

  /** Serves requests while alive; a request in flight when the instance dies is reset. */
  handler(inner: HttpHandler): HttpHandler {
    return (req) => {
      if (this.dead) return Promise.reject(new TransportError('layer', 'refused', 'the integration layer is down'));
      return new Promise((resolve, reject) => {
        this.serving.add(reject);
        inner(req).then(
          (res) => {
            this.serving.delete(reject);
            if (!this.dead) resolve(res);
          },
          (error: unknown) => {
            this.serving.delete(reject);
            if (!this.dead) reject(error);
          },
        );
      });
    };
  }

  /** A result that arrives after death is never delivered: the continuation stays parked. */
  guard<T>(promise: Promise<T>): Promise<T> {
    return promise.then(this.pass, this.fail) as Promise<T>;
  }

  // Bound once: guard() runs for every store statement, call and publish of the instance.
  private readonly pass = <T>(value: T): T | Promise<T> => (this.dead ? never<T>() : value);
  private readonly fail = (error: unknown): Promise<never> => (this.dead ? never() : Promise.reject(error));
}

/** A store executor of one instance (a class: one is made per transaction, no closures). */
class GuardedExecutor implements SqlExecutor {
  constructor(
    private readonly life: Lifetime,
    private readonly inner: SqlExecutor,
  ) {}

  query<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.life.alive ? this.life.guard(this.inner.query<T>(sql, params)) : never();
  }

  execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.life.alive ? this.life.guard(this.inner.execute(sql, params)) : never();
  }
}
