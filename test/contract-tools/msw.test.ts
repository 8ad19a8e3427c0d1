import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openApiExamples } from '../../contracts/examples.ts';
import type { paths as ErpPaths } from '../../contracts/generated/openapi/erp.ts';
import { loadOpenApi } from '../../contracts/load.ts';
import { ContractValidator, toFieldProblems } from '../../runtime/http/contract-validator.ts';
import { listOperations, type OpenApiDocument, type OperationEntry } from '../../runtime/http/openapi-document.ts';
import { createTypedClient, MalformedResponseError } from '../../runtime/http/typed-client.ts';
import { TransportError, type HttpRequest } from '../../runtime/ports.ts';
import { UndiciTransport } from '../../runtime/transport/undici.ts';
import { contractMock, FetchTransport } from '../support/msw/index.ts';

// Hosts under .test never resolve: a request msw does not intercept cannot reach anything.
const erp = contractMock('erp', { baseUrl: 'http://erp.test' });
const wms = contractMock('wms', { baseUrl: 'http://wms.test/dc-east' });
const server = setupServer(...erp.handlers, ...wms.handlers);
const transport = new FetchTransport({ targets: { erp: erp.baseUrl, 'wms@DC-EAST': wms.baseUrl } });
const AUTH: Record<string, Record<string, string>> = { erp: { authorization: 'Bearer test-token' }, wms: { 'x-api-key': 'test-key' } };

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  erp.clear();
  wms.clear();
});
afterAll(() => server.close());

/** A request the contract accepts, from its own examples (path ids without an example get a valid client id). */
function exampleRequest(contract: string, doc: OpenApiDocument, entry: OperationEntry): HttpRequest {
  const mine = [...openApiExamples(contract, doc as unknown as Record<string, unknown>)].filter((e) => e.operation === entry.operationId && !e.webhook);
  const param = (where: string, name: string): unknown => mine.find((e) => e.location === 'parameter' && e.parameter === `${where} ${name}`)?.value;
  let path = entry.pathTemplate.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(String(param('path', name) ?? 'ord_01JDX4Q8M6W3C5S9ZB7T2KQ0PA')));
  const query = new URLSearchParams();
  const headers: Record<string, string> = { accept: 'application/json', ...AUTH[contract] };
  for (const p of entry.parameters.filter((x) => x.required)) {
    if (p.in === 'query') query.set(p.name, String(param('query', p.name)));
    if (p.in === 'header') headers[p.name.toLowerCase()] = String(param('header', p.name));
  }
  if (query.size > 0) path += `?${query}`;
  const body = mine.find((e) => e.location === 'request' && e.mediaType === 'application/json');
  if (body) headers['content-type'] = 'application/json';
  return { method: entry.method, path, headers, ...(body ? { body: JSON.stringify(body.value) } : {}) };
}

describe('msw handlers from the contracts: every operation answers its example, valid for the contract', () => {
  for (const [contract, target] of [['erp', 'erp'], ['wms', 'wms@DC-EAST']] as const) {
    const doc = loadOpenApi(contract) as unknown as OpenApiDocument;
    const validator = new ContractValidator(contract, doc);
    const mock = contract === 'erp' ? erp : wms;
    for (const entry of listOperations(doc)) {
      it(`${contract} ${entry.operationId}`, async () => {
        const res = await transport.send(target, exampleRequest(contract, doc, entry));
        expect(mock.rejected).toEqual([]);
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(300);
        expect(mock.calls).toEqual([expect.objectContaining({ operationId: entry.operationId, status: res.status })]);
        const validate = validator.responseBody(entry, res.status, res.headers['content-type'] ?? '');
        if (!validate) {
          expect(res.body).toBe(''); // 204: no body declared, none sent
          return;
        }
        const valid = validate(JSON.parse(res.body));
        expect(valid, JSON.stringify(toFieldProblems(validate.errors, ''))).toBe(true);
        const headers = validator.responseHeaders(entry, res.status);
        if (headers) expect(headers(Object.fromEntries(Object.entries(res.headers).filter(([k]) => k !== 'content-type')))).toBe(true);
      });
    }
  }

  it('POST answers its 201 (not the idempotent-replay 200), with the example Location header', async () => {
    const doc = loadOpenApi('erp') as unknown as OpenApiDocument;
    const book = listOperations(doc).find((o) => o.operationId === 'bookSalesOrder')!;
    const res = await transport.send('erp', exampleRequest('erp', doc, book));
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('/sales-orders/SO-100045');
  });

  it('works under the typed client, and a named example can be chosen', async () => {
    const client = createTypedClient<ErpPaths>(transport, 'erp', { headers: AUTH.erp });
    const approved = await client.POST('/customers/{customerId}/credit-check', {
      params: { path: { customerId: 'C-100' } },
      body: { amount: { amount: '179.90', currency: 'EUR' } },
    });
    expect(approved.data).toMatchObject({ customerId: 'C-100', approved: true });

    server.use(erp.respond('checkCredit', { example: 'refused' }));
    const refused = await client.POST('/customers/{customerId}/credit-check', {
      params: { path: { customerId: 'C-100' } },
      body: { amount: { amount: '179.90', currency: 'EUR' } },
    });
    expect(refused.data).toMatchObject({ approved: false, reason: 'CREDIT_LIMIT_EXCEEDED' });
    expect(erp.rejected).toEqual([]);
  });

  it('a wrong choice fails at setup, naming the examples there are', () => {
    expect(() => erp.respond('checkCredit', { example: 'maybe' })).toThrow('erp.yaml checkCredit 200 has no example named "maybe" (it has approved, refused); pass a body');
    expect(() => erp.respond('shipIt', {})).toThrow(/erp\.yaml has no operation shipIt/);
  });
});

describe('msw handlers validate requests, so client bugs show', () => {
  it('an invalid body is answered with the contract problem, and recorded', async () => {
    const res = await transport.send('erp', {
      method: 'POST',
      path: '/sales-orders',
      headers: { ...AUTH.erp, 'content-type': 'application/json' },
      body: JSON.stringify({ externalReference: 'x', soldTo: 'C-100', lines: [{ itemNumber: 'BRG-6204', uom: 'BOX' }] }),
    });
    expect([400, 422]).toContain(res.status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const body = JSON.parse(res.body) as { errors: Array<{ pointer: string; message: string }> };
    expect(body.errors).toContainEqual({ pointer: '/body/lines/0/qty', message: 'is required' });
    expect(erp.rejected).toHaveLength(1);
    expect(erp.rejected[0]).toMatchObject({ operationId: 'bookSalesOrder', status: res.status });
    expect(erp.rejected[0]!.rejected).toContain('request body');
  });

  it('a missing credential is a 401 naming the scheme; an unknown path a 404', async () => {
    const noKey = await transport.send('wms@DC-EAST', { method: 'GET', path: '/stock?sku=BRG-6204', headers: {} });
    expect(noKey.status).toBe(401);
    expect(JSON.parse(noKey.body)).toMatchObject({ status: 401, detail: 'getStockSnapshot needs the X-Api-Key header' });
    const unknown = await transport.send('wms@DC-EAST', { method: 'GET', path: '/pallets', headers: AUTH.wms! });
    expect(unknown.status).toBe(404);
    expect(wms.rejected.map((c) => c.status)).toEqual([401, 404]);
  });
});

describe('msw fault responses', () => {
  const client = () => createTypedClient<ErpPaths>(transport, 'erp', { headers: AUTH.erp });
  const getOrder = () => client().GET('/sales-orders/{salesOrderNumber}', { params: { path: { salesOrderNumber: 'SO-100045' } } });

  it('unavailable: 503 with Retry-After in seconds, and the contract 503 body', async () => {
    server.use(erp.fault('getSalesOrder', { kind: 'unavailable', retryAfter: 120 }));
    const { error, response } = await getOrder();
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('120');
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(error).toMatchObject({ status: 503, title: 'Maintenance window' });
  });

  it('throttled: 429 with Retry-After as an HTTP-date, once, then normal again', async () => {
    server.use(erp.fault('*', { kind: 'throttled', retryAfter: new Date(Date.UTC(2026, 10, 23, 22, 0, 0)) }, { once: true }));
    const first = await getOrder();
    expect(first.response.status).toBe(429);
    expect(first.response.headers['retry-after']).toBe('Mon, 23 Nov 2026 22:00:00 GMT');
    const second = await getOrder();
    expect(second.response.status).toBe(200);
  });

  it('a fault on one operation leaves the others alone, including a more specific path', async () => {
    server.use(wms.fault('getFulfillmentOrder', { kind: 'unavailable' }));
    const stock = await transport.send('wms@DC-EAST', { method: 'GET', path: '/stock?sku=BRG-6204', headers: AUTH.wms! });
    expect(stock.status).toBe(200);
    const fo = await transport.send('wms@DC-EAST', { method: 'GET', path: '/fulfillment-orders/ord_1', headers: AUTH.wms! });
    expect(fo.status).toBe(503);
    expect(fo.headers['retry-after']).toBe('30');
  });

  it('truncated: the success status with half a JSON body, which the typed client reports as malformed', async () => {
    server.use(erp.fault('getSalesOrder', { kind: 'truncated' }));
    const raw = await transport.send('erp', { method: 'GET', path: '/sales-orders/SO-100045', headers: AUTH.erp! });
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('application/json');
    expect(() => JSON.parse(raw.body)).toThrow();
    expect(erp.example('getSalesOrder').body.startsWith(raw.body)).toBe(true);
    await expect(getOrder()).rejects.toBeInstanceOf(MalformedResponseError);
  });

  it('wrong content type: a 200 HTML page where JSON was promised', async () => {
    server.use(erp.fault('getSalesOrder', { kind: 'wrong-content-type' }));
    const { data, response } = await getOrder();
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(data).toMatch(/^<!DOCTYPE html>/);
  });

  it('slow: the answer comes after the delay, and a client timeout aborts the call', async () => {
    server.use(erp.fault('getSalesOrder', { kind: 'slow', delayMs: 150 }));
    const started = performance.now();
    const { response } = await getOrder();
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);

    const aborted = transport.send('erp', { method: 'GET', path: '/sales-orders/SO-100045', headers: AUTH.erp! }, { signal: AbortSignal.timeout(30) });
    await expect(aborted).rejects.toMatchObject({ name: 'TransportError', code: 'aborted' });
  });

  it('network error: no HTTP answer at all', async () => {
    server.use(erp.fault('getSalesOrder', { kind: 'network-error' }));
    const failed = transport.send('erp', { method: 'GET', path: '/sales-orders/SO-100045', headers: AUTH.erp! });
    await expect(failed).rejects.toBeInstanceOf(TransportError);
    await expect(failed).rejects.toMatchObject({ code: 'network' });
  });
});

describe('why FetchTransport exists', () => {
  it("msw does not intercept undici's request API: UndiciTransport goes past the handlers to the network", async () => {
    const undici = new UndiciTransport({ targets: { erp: erp.baseUrl } });
    try {
      const call = undici.send('erp', { method: 'GET', path: '/sales-orders/SO-100045', headers: AUTH.erp! });
      await expect(call).rejects.toBeInstanceOf(TransportError);
      expect(erp.calls).toEqual([]);
    } finally {
      await undici.close();
    }
  });
});
