import { resultOf, type Anomaly, type CheckResult } from './checker.ts';
import type { CheckContext } from './context.ts';
import { fmt } from './no-lost-orders.ts';

/** `retry-after-respected`: the layer never calls a system again before the Retry-After it sent has passed. */
export function checkRetryAfterRespected(ctx: CheckContext): CheckResult {
  const anomalies: Anomaly[] = ctx.obs.recorder.retryAfterViolations.map((v) => ({
    type: 'called-too-early',
    message: `${v.path} to ${v.target} at ${fmt(v.at)}: ${v.target} had answered ${v.gate.status} with Retry-After "${v.gate.retryAfter}" at ${fmt(v.gate.setAt)}, so not before ${fmt(v.notBefore)}`,
    subject: { system: v.target },
    traceIds: [],
    at: v.at,
    excerpt: [
      { at: v.gate.setAt, actor: v.target, type: 'answer', what: `${v.gate.status} to ${v.gate.operation}`, detail: `Retry-After ${v.gate.retryAfter}` },
      { at: v.at, actor: 'layer', type: 'call', what: v.path, detail: `${Math.round(v.notBefore - v.at)} ms too early` },
    ],
  }));
  const gated = [...ctx.obs.recorder.callsBySystem.values()].reduce((n, c) => n + c.throttled + c.unavailable, 0);
  return resultOf('retry-after-respected', anomalies, `${gated} 429/503 answer(s) with Retry-After, each honoured`, (n) => `${n} call(s) made before the Retry-After had passed`);
}
