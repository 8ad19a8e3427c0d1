import { describe, expect, it } from 'vitest';
import { json, problem } from '../../runtime/http/problem.ts';
import type { HttpHandler } from '../../runtime/ports.ts';
import { conformant, ConformanceError } from './helpers.ts';

// The conformance wrapper is what every simulator test relies on: prove it rejects what it must.
describe('conformance wrapper', () => {
  const answering = (res: ReturnType<typeof json>): HttpHandler => async () => res;
  const so = { salesOrderNumber: 'SO-1', externalReference: 'r', soldTo: 'C-1', warehouse: 'DC-EAST', status: 'booked', total: { amount: '1.00', currency: 'EUR' }, lines: [{ lineNumber: 1, itemNumber: 'A', qty: 1, uom: 'EA', unitPrice: { amount: '1.00', currency: 'EUR' }, netAmount: { amount: '1.00', currency: 'EUR' } }], bookedAt: '2026-01-05T08:00:00Z' };

  it('accepts a response that matches its operation', async () => {
    await expect(conformant('erp', answering(json(200, so))).send('GET', '/sales-orders/SO-1')).resolves.toMatchObject({ status: 200 });
  });

  it('rejects an undeclared status, a schema violation, a wrong content type, a 5xx and a bad Retry-After', async () => {
    const send = (h: HttpHandler, method: string, path: string) => conformant('erp', h).send(method, path);
    await expect(send(answering(json(418, {})), 'GET', '/sales-orders/SO-1')).rejects.toThrow(ConformanceError);
    await expect(send(answering(json(200, { ...so, status: 'shipped' })), 'GET', '/sales-orders/SO-1')).rejects.toThrow(/schema/);
    await expect(send(answering({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'x' }), 'GET', '/sales-orders/SO-1')).rejects.toThrow(/content type/);
    await expect(send(answering(problem(500, 'x', 'y')), 'GET', '/sales-orders/SO-1')).rejects.toThrow(/5xx/);
    await expect(send(answering(problem(429, 'x', 'y')), 'GET', '/sales-orders/SO-1')).rejects.toThrow(/Retry-After/);
    const swift = (h: HttpHandler) => conformant('carrier-swift', h).send('GET', '/v2/shipments/SW0000000001');
    const throttled = (retryAfter: string) => answering(problem(429, 'x', 'y', { headers: { 'retry-after': retryAfter }, extra: { instance: '/v2/shipments/SW0000000001' } }));
    await expect(swift(throttled('Mon, 02 Mar 2026 09:03:10 GMT'))).rejects.toThrow(/Retry-After/);
    await expect(swift(throttled('3'))).resolves.toMatchObject({ status: 429 });
    await expect(conformant('carrier-swift', answering(problem(404, 'x', 'y'))).send('GET', '/v2/shipments/SW0000000001')).rejects.toThrow(/instance/);
  });
});
