import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createContractHandler } from '../../runtime/http/contract-handler.ts';
import { ContractValidator } from '../../runtime/http/contract-validator.ts';
import { listOperations, type OpenApiDocument } from '../../runtime/http/openapi-document.ts';
import { json } from '../../runtime/http/problem.ts';
import { createTypedClient, MalformedResponseError } from '../../runtime/http/typed-client.ts';
import { InProcessTransport } from '../../runtime/transport/in-process.ts';

const doc = parse(readFileSync(new URL('./fixtures/mini.yaml', import.meta.url), 'utf8')) as OpenApiDocument;

interface MiniPaths {
  '/items/{sku}': {
    get: {
      parameters: { path: { sku: string }; query?: { limit?: number } };
      responses: { 200: { content: { 'application/json': { sku: string; quantity: number } } }; 404: { content: { 'application/problem+json': unknown } } };
    };
  };
  '/items': {
    post: {
      parameters: { header: { 'Idempotency-Key': string } };
      requestBody: { content: { 'application/json': { sku: string; quantity: number; uom?: 'EA' | 'CS' } } };
      responses: { 201: { content: { 'application/json': { sku: string; quantity: number } } }; 400: { content: { 'application/problem+json': unknown } } };
    };
  };
}

const seen: unknown[] = [];
const handler = createContractHandler<{ getItem: MiniPaths['/items/{sku}']['get']; createItem: MiniPaths['/items']['post'] }>('mini', doc, {
  getItem: async ({ params }) => {
    seen.push(params.query);
    return params.path.sku === 'NONE' ? json(404, { title: 'no' }) : json(200, { sku: params.path.sku, quantity: 3 });
  },
  createItem: async ({ body }) => json(201, { sku: body.sku, quantity: body.quantity }),
});

const send = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  handler({ method, path, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body }) });
const problemOf = async (p: ReturnType<typeof send>) => {
  const res = await p;
  expect(res.headers['content-type']).toBe('application/problem+json');
  return { status: res.status, body: JSON.parse(res.body) as { type: string; detail: string; errors?: Array<{ pointer: string; message: string }> } };
};

describe('contract handler', () => {
  it('routes by method and path template, coercing query parameters to their schema types', async () => {
    const res = await send('GET', '/items/BRG-6204?limit=4');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ sku: 'BRG-6204', quantity: 3 });
    expect(seen.at(-1)).toEqual({ limit: 4 });
  });

  it('answers HEAD wherever GET is served, as GET does (RFC 9110; HTTP then drops the body)', async () => {
    const head = await send('HEAD', '/items/BRG-6204?limit=4');
    const get = await send('GET', '/items/BRG-6204?limit=4');
    expect(head.status).toBe(200);
    expect(head.headers).toEqual(get.headers);
    expect((await send('HEAD', '/items/lower-case')).status).toBe(400); // checked like the GET
  });

  it('answers what the contract forbids with problem+json naming the field', async () => {
    const key = { 'idempotency-key': 'abcd-1234' };
    const nowhere = await problemOf(send('GET', '/nowhere'));
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.type).toBe('https://faultline.dev/problems/not-found');
    const wrongMethod = await send('DELETE', '/items/BRG-6204');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, HEAD'); // RFC 9110: a 405 names the methods the resource takes
    expect(JSON.parse(wrongMethod.body)).toMatchObject({ type: 'https://faultline.dev/problems/method-not-allowed', detail: 'DELETE is not allowed on /items/BRG-6204; it takes GET, HEAD' });
    expect((await send('HEAD', '/items')).headers.allow).toBe('POST'); // no GET, no HEAD
    const badPath = await problemOf(send('GET', '/items/lower-case'));
    expect(badPath.status).toBe(400);
    expect(badPath.body.errors?.[0]?.pointer).toBe('/path/sku');
    const badQuery = await problemOf(send('GET', '/items/A-1?limit=99'));
    expect(badQuery.body.errors?.[0]?.pointer).toBe('/query/limit');
    const noKey = await problemOf(send('POST', '/items', '{"sku":"A-1","quantity":1}'));
    expect(noKey.body.errors?.[0]).toEqual({ pointer: '/header/idempotency-key', message: 'is required' });
    const malformed = await problemOf(send('POST', '/items', '{"sku":', key));
    expect(malformed).toMatchObject({ status: 400, body: { errors: [{ pointer: '/body' }] } });
    const wrongType = await problemOf(send('POST', '/items', '{"sku":"A-1","quantity":"two"}', key));
    expect(wrongType.body.errors).toEqual([{ pointer: '/body/quantity', message: 'must be integer' }]);
    const unknownEnum = await problemOf(send('POST', '/items', '{"sku":"A-1","quantity":1,"uom":"XX"}', key));
    expect(unknownEnum.body.errors?.[0]).toEqual({ pointer: '/body/uom', message: 'must be one of "EA", "CS"' });
    const extra = await problemOf(send('POST', '/items', '{"sku":"A-1","quantity":1,"colour":"red"}', key));
    expect(extra.body.errors?.[0]).toEqual({ pointer: '/body/colour', message: 'is not an allowed field' });
    expect((await problemOf(send('POST', '/items', '<xml/>', { ...key, 'content-type': 'text/xml' }))).status).toBe(415);
    // Only the media types the operation declares: another +json type means something else (a merge patch).
    const mergePatch = await problemOf(send('POST', '/items', '{"sku":"A-1","quantity":1}', { ...key, 'content-type': 'application/merge-patch+json' }));
    expect([mergePatch.status, mergePatch.body.detail]).toEqual([415, 'expected content-type application/json, got application/merge-patch+json']);
    expect((await send('POST', '/items', '{"sku":"A-1","quantity":1}', { ...key, 'content-type': 'application/json; charset=utf-8' })).status).toBe(201);
    const gzip = await send('POST', '/items', '\u001f\u008b\u0008', { ...key, 'content-encoding': 'gzip' });
    expect([gzip.status, gzip.headers['accept-encoding'], JSON.parse(gzip.body).detail]).toEqual([415, 'identity', 'content-encoding gzip is not supported; send the body uncompressed']);
    expect((await problemOf(send('POST', '/items', JSON.stringify({ sku: 'A-1', quantity: 1, pad: 'x'.repeat(1100000) }), key))).status).toBe(413);
  });

  it('validates responses against the contract', () => {
    const validator = new ContractValidator('mini', doc);
    const getItem = listOperations(doc).find((e) => e.operationId === 'getItem')!;
    const validate = validator.responseBody(getItem, 200, 'application/json')!;
    expect(validate({ sku: 'A-1', quantity: 2 })).toBe(true);
    expect(validate({ sku: 'A-1' })).toBe(false);
    expect(validator.declaredResponse(getItem, 503).declared).toBe(false);
  });
});

describe('typed client over the Transport port', () => {
  const transport = new InProcessTransport().register('mini', handler);
  const client = createTypedClient<MiniPaths>(transport, 'mini', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });

  it('serialises path, query, headers and body and returns typed data or error', async () => {
    const ok = await client.GET('/items/{sku}', { params: { path: { sku: 'VLV-100' }, query: { limit: 2 } } });
    expect(ok.data).toEqual({ sku: 'VLV-100', quantity: 3 });
    const created = await client.POST('/items', { params: { header: { 'Idempotency-Key': 'abcd-1234' } }, body: { sku: 'A-1', quantity: 2 } });
    expect(created.response.status).toBe(201);
    expect(created.data?.quantity).toBe(2);
    const missing = await client.GET('/items/{sku}', { params: { path: { sku: 'NONE' } } });
    expect(missing.data).toBeUndefined();
    expect(missing.response.status).toBe(404);
  });

  it('throws MalformedResponseError on a truncated JSON answer', async () => {
    const broken = new InProcessTransport().register('mini', async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"sku":"A-' }));
    const c = createTypedClient<MiniPaths>(broken, 'mini');
    await expect(c.GET('/items/{sku}', { params: { path: { sku: 'A-1' } } })).rejects.toBeInstanceOf(MalformedResponseError);
  });
});
