import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { Deadlines } from '../../reference-impl/resilience/deadlines.ts';
import { SystemLane } from '../../reference-impl/resilience/lane.ts';
import type { HttpResponse } from '../../runtime/ports.ts';
import type { TypedResponse } from '../../runtime/http/typed-client.ts';

/** A partner that takes one call per `everyMs` and answers the rest 429 with Retry-After: 1. */
function throttledPartner(clock: VirtualClock, everyMs: number) {
  let nextFreeAt = 0;
  const calls: number[] = [];
  const send = async (): Promise<TypedResponse<Record<string, never>>> => {
    calls.push(clock.now());
    await clock.sleep(10);
    const ok = clock.now() >= nextFreeAt;
    if (ok) nextFreeAt = clock.now() + everyMs;
    const response: HttpResponse = ok ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' } : { status: 429, headers: { 'retry-after': '1', 'content-type': 'application/problem+json' }, body: '{}' };
    return (ok ? { data: {}, response } : { error: {}, response }) as never;
  };
  return { calls, send };
}

async function run(jobs: number, concurrency: number) {
  const clock = new VirtualClock();
  const partner = throttledPartner(clock, 2_000);
  const lane = new SystemLane({ system: 'carrier-swift', clock, deadlines: new Deadlines(clock), concurrency, breakerFailures: 5, halfOpenAfterMs: 30_000, honourRetryAfter: true });
  let done = 0;
  for (let i = 0; i < jobs; i++) {
    const attempt = (): void =>
      lane.enqueue(async (session) => {
        const outcome = await session.call(5_000, partner.send);
        if (outcome.kind === 'ok') done++;
        else clock.setTimer(0, attempt); // retried through the lane, as the relay does
      });
    attempt();
  }
  await clock.run({ limitMs: clock.now() + 10 * 60_000, until: () => done === jobs });
  return { done, calls: partner.calls.length, limit: lane.allowedInFlight };
}

describe('a lane in front of a throttling partner', () => {
  it('halves the calls in flight on each 429 and adds one back per success, so a reopened gate is not met by every waiting job', async () => {
    const { done, calls, limit } = await run(40, 64);
    expect(done).toBe(40);
    // One call gets through per 2 s. With all 64 jobs let in at every reopening of the gate this
    // took 1,600 calls (40 per success); adapting, 193.
    expect(calls).toBeLessThan(6 * 40);
    expect(limit).toBeLessThan(64);
  });

  it('keeps its full concurrency while nothing is throttled', async () => {
    const clock = new VirtualClock();
    const lane = new SystemLane({ system: 'erp', clock, deadlines: new Deadlines(clock), concurrency: 8, breakerFailures: 5, halfOpenAfterMs: 30_000, honourRetryAfter: true });
    let inFlight = 0;
    let most = 0;
    for (let i = 0; i < 20; i++)
      lane.enqueue(async (session) => {
        await session.call(5_000, async () => {
          most = Math.max(most, ++inFlight);
          await clock.sleep(100);
          inFlight--;
          return { data: {}, response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' } } as never;
        });
      });
    await clock.run({ limitMs: clock.now() + 60_000 });
    expect(most).toBe(8);
    expect(lane.allowedInFlight).toBe(8);
    
  });
});
