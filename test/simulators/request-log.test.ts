import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { ErpSimulator } from '../../simulators/erp/index.ts';
import { RequestLog } from '../../simulators/shared/service.ts';

const get = (erp: ErpSimulator, i: number) => erp.handler({ method: 'GET', path: `/sales-orders/SO-${900000 + i}`, headers: { authorization: 'Bearer t', accept: 'application/json' } });

describe('request log', () => {
  it('keeps every request by default, at least the latest `limit` with a limit, none with 0', async () => {
    const ports = () => ({ clock: new VirtualClock(), random: new SeededRandom(1) });
    const instant = { default: { distribution: 'fixed' as const, ms: 0 } };
    const all = new ErpSimulator(ports(), { serviceTime: instant });
    const some = new ErpSimulator(ports(), { serviceTime: instant, requestLog: 3 });
    const none = new ErpSimulator(ports(), { serviceTime: instant, requestLog: 0 });
    for (let i = 0; i < 10; i++) for (const erp of [all, some, none]) expect((await get(erp, i)).status).toBe(404);
    expect(all.truth().requests).toHaveLength(10);
    const kept = some.truth().requests.map((r) => r.path);
    expect(kept.length).toBeGreaterThanOrEqual(3);
    expect(kept.length).toBeLessThan(6);
    expect(kept.at(-1)).toBe('/sales-orders/SO-900009');
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `/sales-orders/SO-${900010 - kept.length + i}`));
    expect(none.truth().requests).toHaveLength(0);
  });

  it('refuses a negative limit', () => {
    expect(() => new RequestLog(-1)).toThrow(RangeError);
  });
});
