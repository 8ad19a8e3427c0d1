// A Transport wrapper that injects faults per target and records every call with its virtual
// time: what the tests assert on (who was called when, and what they answered).
import { TransportError, type Clock, type HttpRequest, type HttpResponse, type SendOptions, type Transport } from '../../../runtime/ports.ts';

export type Fault =
  /** Answer with this status (problem+json), optionally with Retry-After. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Connection refused: never reached the system. */
  | { kind: 'refused' }
  /** No answer until the caller gives up. */
  | { kind: 'hang' }
  /** The system processed it, but the answer was lost. */
  | { kind: 'lost-answer' }
  /** A 200 whose body is not JSON. */
  | { kind: 'garbage' }
  /** The call takes this long (virtual ms), then proceeds. */
  | { kind: 'delay'; ms: number };

export interface FaultRule {
  target: string;
  method?: string;
  path?: RegExp;
  fault: Fault;
  /** How many calls it applies to (default: until removed). */
  times?: number;
}

export interface CallRecord {
  target: string;
  method: string;
  path: string;
  at: number;
  status?: number;
  retryAfter?: string;
  fault?: Fault['kind'];
  headers: Record<string, string>;
}

export class FaultyTransport implements Transport {
  readonly calls: CallRecord[] = [];
  private readonly rules: FaultRule[] = [];

  constructor(
    private readonly inner: Transport,
    private readonly clock: Clock,
  ) {}

  inject(rule: FaultRule): () => void {
    const r = { ...rule };
    this.rules.push(r);
    return () => {
      const i = this.rules.indexOf(r);
      if (i >= 0) this.rules.splice(i, 1);
    };
  }

  heal(target?: string): void {
    for (let i = this.rules.length - 1; i >= 0; i--) if (!target || this.rules[i]!.target === target) this.rules.splice(i, 1);
  }

  callsTo(target: string, method?: string, path?: RegExp): CallRecord[] {
    return this.calls.filter((c) => c.target === target && (!method || c.method === method) && (!path || path.test(c.path.split('?')[0]!)));
  }

  async send(target: string, req: HttpRequest, options: SendOptions = {}): Promise<HttpResponse> {
    const record: CallRecord = { target, method: req.method, path: req.path, at: this.clock.now(), headers: { ...req.headers } };
    if (target !== 'layer') this.calls.push(record);
    const pathname = req.path.split('?')[0]!;
    const rule = this.rules.find((r) => r.target === target && (!r.method || r.method === req.method) && (!r.path || r.path.test(pathname)) && (r.times === undefined || r.times > 0));
    if (rule) {
      if (rule.times !== undefined) rule.times--;
      record.fault = rule.fault.kind;
      switch (rule.fault.kind) {
        case 'refused':
          throw new TransportError(target, 'refused', `${target} refused the connection`);
        case 'status': {
          record.status = rule.fault.status;
          const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
          if (rule.fault.retryAfter) headers['retry-after'] = record.retryAfter = rule.fault.retryAfter;
          return { status: rule.fault.status, headers, body: JSON.stringify({ type: 'about:blank', title: 'Injected', status: rule.fault.status, detail: 'injected fault', instance: pathname }) };
        }
        case 'hang':
          return new Promise<HttpResponse>((_resolve, reject) => {
            options.signal?.addEventListener('abort', () => reject(new TransportError(target, 'aborted', 'aborted by the caller')), { once: true });
          });
        case 'lost-answer':
          await this.inner.send(target, req, options);
          throw new TransportError(target, 'reset', 'connection reset after the request was processed');
        case 'garbage':
          return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"truncated' };
        case 'delay':
          await this.clock.sleep(rule.fault.ms);
          break;
      }
    }
    const res = await this.inner.send(target, req, options);
    record.status = res.status;
    if (res.headers['retry-after']) record.retryAfter = res.headers['retry-after'];
    return res;
  }
}
