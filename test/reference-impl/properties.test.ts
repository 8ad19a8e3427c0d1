import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createWorld, orderBody } from './world.ts';

type W = Awaited<ReturnType<typeof createWorld>>;

const tables = ['orders', 'reservations', 'outbox', 'event_outbox', 'idempotency', 'exceptions'];
async function snapshot(w: W): Promise<string> {
  const counts = [];
  for (const t of tables) counts.push(`${t}=${(await w.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`))[0]!.n}`);
  const stock = await w.store.query('SELECT dc, sku, on_hand, reserved, version FROM stock ORDER BY dc, sku');
  return `${counts.join(' ')} ${JSON.stringify(stock)}`;
}

type Mutation = { describe: string; body?: string; headers?: Record<string, string | undefined> };

/** A request that the contract (or the layer's own rules) must refuse, described for the report. */
const malformed: fc.Arbitrary<Mutation> = (() => {
  const valid = orderBody([['BRG-6204', 2], ['VLV-100', 1]]) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const at = (path: readonly string[], value: unknown, remove = false): string => {
    const copy = structuredClone(valid);
    let node = copy;
    for (const k of path.slice(0, -1)) node = node[k];
    if (remove) delete node[path.at(-1)!];
    else node[path.at(-1)!] = value;
    return JSON.stringify(copy);
  };
  const required = fc.constantFrom(['customerId'], ['currency'], ['lines'], ['shipTo'], ['lines', '0', 'sku'], ['lines', '0', 'quantity'], ['lines', '1', 'unitPrice'], ['shipTo', 'name'], ['shipTo', 'country'], ['lines', '0', 'quantity', 'uom'], ['lines', '0', 'unitPrice', 'amount']);
  const wrongType = fc.tuple(
    fc.constantFrom(['customerId'], ['lines'], ['shipTo'], ['lines', '0', 'quantity', 'value'], ['lines', '0', 'unitPrice'], ['lines', '0', 'lineNumber'], ['notes'], ['shipTo', 'postalCode']),
    fc.constantFrom<unknown>(123.5, true, null, [], { nested: 1 }, 'text'),
  ).filter(([path, v]) => !(path.at(-1) === 'notes' && v === 'text') && !(path.at(-1) === 'postalCode' && v === 'text'));
  const badValue = fc.constantFrom<[string[], unknown]>(
    [['customerId'], 'X-1'],
    [['currency'], 'eur'],
    [['lines', '0', 'sku'], 'brg 6204'],
    [['lines', '0', 'quantity', 'uom'], 'LB'],
    [['lines', '0', 'quantity', 'value'], 0],
    [['lines', '0', 'quantity', 'value'], -3],
    [['lines', '0', 'quantity', 'value'], 2.5],
    [['lines', '0', 'unitPrice', 'amount'], '4.2.0'],
    [['lines', '0', 'unitPrice', 'amount'], '4.20000'],
    [['shipTo', 'country'], 'Germany'],
    [['lines'], []],
    [['requestedDeliveryDate'], '26-11-2026'],
    [['unexpected'], 1],
    [['lines', '0', 'colour'], 'red'],
  );
  return fc.oneof(
    required.map((p) => ({ describe: `missing ${p.join('.')}`, body: at(p, undefined, true) })),
    wrongType.map(([p, v]) => ({ describe: `${p.join('.')} = ${JSON.stringify(v)}`, body: at(p, v) })),
    badValue.map(([p, v]) => ({ describe: `${p.join('.')} = ${JSON.stringify(v)}`, body: at(p, v) })),
    fc.integer({ min: 1, max: 200 }).map((n) => ({ describe: `truncated after ${n} chars`, body: JSON.stringify(valid).slice(0, n) })),
    fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded').map((ct) => ({ describe: `content-type ${ct}`, body: JSON.stringify(valid), headers: { 'content-type': ct } })),
    fc.constantFrom(undefined, 'short', 'has space in it', 'x'.repeat(129), 'bad/slash/key').map((k) => ({ describe: `Idempotency-Key ${String(k)}`, body: JSON.stringify(valid), headers: { 'idempotency-key': k } })),
    fc.constant({ describe: 'body over 1 MiB', body: at(['notes'], 'x'.repeat(1024 * 1024 + 10)) }),
    fc.constant({ describe: 'no body', headers: {} }),
  );
})();

describe('properties of the commerce API', () => {
  it('any interleaving of duplicate submissions books exactly one order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 1_500 }), { minLength: 2, maxLength: 6 }), fc.integer({ min: 0, max: 600 }), fc.boolean(), async (delays, erpLatency, withOtherBody) => {
        const w = await createWorld();
        if (erpLatency > 0) w.transport.inject({ target: 'erp', fault: { kind: 'delay', ms: erpLatency } });
        const headers = { 'idempotency-key': 'b2b-web:WEB-58213' };
        const answers: Array<Promise<Awaited<ReturnType<W['send']>>>> = [];
        for (const d of delays) w.clock.setTimer(d, () => answers.push(w.send('POST', '/v1/orders', orderBody(), headers)));
        if (withOtherBody) w.clock.setTimer(delays[0]! + 1, () => answers.push(w.send('POST', '/v1/orders', orderBody([['BRG-6204', 3]]), headers)));
        await w.advance(5_000);
        const results = await Promise.all(answers);
        const accepted = results.filter((r) => r.status === 202);
        expect(accepted.length).toBeGreaterThanOrEqual(1);
        expect(new Set(accepted.map((r) => r.body)).size).toBe(1);
        for (const r of results) if (r.status !== 202) expect([r.status, r.json.type]).toEqual([409, expect.stringMatching(/idempotency-key-(in-flight|reused)$/)]);
        expect((await w.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM orders'))[0]!.n).toBe(1);
        await w.advance(10_000);
        expect(w.erp.salesOrders).toHaveLength(1);
      }),
      { numRuns: 40 },
    );
  });

  it('a malformed request always gets a 4xx problem naming the field, and leaves the store unchanged', async () => {
    const w = await createWorld();
    const before = await snapshot(w);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(malformed, async (m) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': `malformed-${++n}` };
        for (const [k, v] of Object.entries(m.headers ?? {})) {
          if (v === undefined) delete headers[k];
          else headers[k] = v;
        }
        const res = await w.transport.send('layer', { method: 'POST', path: '/v1/orders', headers: { 'x-api-key': 'key-b2b-web-0001', ...headers }, ...(m.body === undefined ? {} : { body: m.body }) });
        expect([400, 413, 415, 422], m.describe).toContain(res.status);
        expect(res.headers['content-type'], m.describe).toBe('application/problem+json');
        const problem = JSON.parse(res.body) as { type: string; detail: string; instance: string; errors?: Array<{ pointer: string; message: string }> };
        expect(problem.type, m.describe).toMatch(/^https:\/\/faultline\.dev\/problems\//);
        expect(problem.instance).toBe('/v1/orders');
        if (res.status === 400 || res.status === 422) {
          expect(problem.errors?.length, `${m.describe}: ${res.body}`).toBeGreaterThan(0);
          expect(problem.errors![0]!.pointer, m.describe).toMatch(/^\/./);
        } else {
          expect(problem.detail, m.describe).toMatch(/content-type|bytes/i);
        }
        expect(await snapshot(w), m.describe).toBe(before);
      }),
      { numRuns: 300 },
    );
    expect(w.erp.calls).toHaveLength(0);
  });
});
