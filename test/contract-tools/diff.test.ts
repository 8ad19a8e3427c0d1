import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffContracts, DiffInputError, type Change, type ChangeKind } from '../../contracts/tools/diff/index.ts';
import { faultline, ROOT } from '../cli/helpers.ts';

const FIXTURES = relative(ROOT, join(import.meta.dirname, 'fixtures', 'diff'));
const api = (name: string): string => join(FIXTURES, 'openapi', `${name}.yaml`);
const event = (name: string): string => join(FIXTURES, 'events', `${name}.json`);

const kinds = (changes: Change[], severity?: Change['severity']): ChangeKind[] => changes.filter((c) => !severity || c.severity === severity).map((c) => c.kind);

describe('contracts diff: one hand-made OpenAPI pair per breaking kind', () => {
  const cases: Array<{ file: string; kind: ChangeKind; operation: string; part?: string; field?: string }> = [
    { file: 'removed-operation', kind: 'operation-removed', operation: 'GET /sales-orders (findSalesOrders)' },
    { file: 'removed-path', kind: 'path-removed', operation: 'POST /invoices (postInvoice)' },
    { file: 'removed-webhook', kind: 'webhook-removed', operation: 'webhook salesOrderChanged (POST)' },
    { file: 'removed-response-field', kind: 'response-field-removed', operation: 'POST /sales-orders (bookSalesOrder)', part: 'response 201 body', field: '/createdAt' },
    { file: 'response-field-optional', kind: 'response-field-optional', operation: 'GET /sales-orders/{salesOrderNumber} (getSalesOrder)', part: 'response 200 body', field: '/status' },
    { file: 'new-required-request-field', kind: 'request-field-required', operation: 'POST /sales-orders (bookSalesOrder)', part: 'request body', field: '/requestedDeliveryDate' },
    { file: 'new-required-parameter', kind: 'parameter-required', operation: 'POST /sales-orders (bookSalesOrder)', part: 'header parameter Idempotency-Key' },
    { file: 'narrowed-request-enum', kind: 'request-enum-narrowed', operation: 'POST /sales-orders (bookSalesOrder)', part: 'request body', field: '/shippingCondition' },
    { file: 'changed-type', kind: 'type-changed', operation: 'POST /sales-orders (bookSalesOrder)', part: 'request body', field: '/lines/*/qty' },
    { file: 'removed-status', kind: 'status-removed', operation: 'POST /sales-orders (bookSalesOrder)', part: 'response 409' },
    { file: 'removed-response-header', kind: 'response-header-removed', operation: 'POST /sales-orders (bookSalesOrder)', part: 'response 503 header Retry-After' },
  ];

  for (const c of cases) {
    it(`${c.file}.yaml reports ${c.kind}`, () => {
      const result = diffContracts(api('base'), api(c.file));
      const found = result.changes.find((x) => x.kind === c.kind && x.operation?.includes(c.operation) && (!c.part || x.part === c.part) && (!c.field || x.field === c.field));
      expect(found, JSON.stringify(result.changes, null, 2)).toBeDefined();
      expect(found!.severity).toBe('breaking');
      expect(found!.message).toContain(c.operation);
      expect(found!.location.pointer).toMatch(/^#\//);
      // Every breaking change in a single-change fixture is of the kind the fixture is about.
      expect(new Set(kinds(result.changes, 'breaking'))).toEqual(new Set([c.kind]));
    });
  }

  it('follows $refs and points at the component to edit, with its line', () => {
    const result = diffContracts(api('base'), api('changed-type'));
    const qty = result.changes.filter((c) => c.kind === 'type-changed');
    // Request body, two responses with the line, the search results and the webhook payload.
    expect(qty.map((c) => `${c.operation} | ${c.part} | ${c.field}`).sort()).toEqual([
      'GET /sales-orders (findSalesOrders) | response 200 body | /*/lines/*/qty',
      'GET /sales-orders/{salesOrderNumber} (getSalesOrder) | response 200 body | /lines/*/qty',
      'POST /sales-orders (bookSalesOrder) | request body | /lines/*/qty',
      'POST /sales-orders (bookSalesOrder) | response 201 body | /lines/*/qty',
      'webhook salesOrderChanged (POST) | payload | /lines/*/qty',
    ]);
    const { file, pointer, line } = qty[0]!.location;
    expect(pointer).toBe('#/components/schemas/SalesOrderLine/properties/qty');
    expect(readFileSync(file, 'utf8').split('\n')[line! - 1]).toMatch(/^\s+qty:/);
    expect(qty[0]!.message).toContain('changed type from number to string');
  });

  it('an enum is read in both directions: narrowing breaks senders, widening only warns readers', () => {
    const widened = diffContracts(api('base'), api('widened-response-enum'));
    expect(widened.counts.breaking).toBe(0);
    expect(kinds(widened.changes, 'warning')).toContain('response-enum-widened');
    expect(widened.changes.find((c) => c.kind === 'request-enum-widened')?.part).toBe('query parameter status');

    const narrowed = diffContracts(api('base'), api('narrowed-response-enum'));
    expect(kinds(narrowed.changes, 'breaking')).toEqual(['request-enum-narrowed']);
    expect(narrowed.changes.find((c) => c.kind === 'request-enum-narrowed')?.part).toBe('query parameter status');
    expect(kinds(narrowed.changes, 'info')).toContain('response-enum-narrowed');
  });

  it('a compatible pair reports nothing breaking, and names what it noticed', () => {
    const result = diffContracts(api('base'), api('compatible'));
    expect(result.counts).toMatchObject({ breaking: 0, warning: 0 });
    expect(new Set(kinds(result.changes))).toEqual(
      new Set<ChangeKind>(['request-field-added', 'request-enum-widened', 'response-field-added', 'parameter-added', 'operation-added', 'status-added']),
    );
  });

  it('a document compared with itself, or with its bundled JSON, has no changes at all', () => {
    const contracts = readdirSync(join(ROOT, 'contracts', 'openapi')).filter((f) => f.endsWith('.yaml'));
    expect(contracts.length).toBeGreaterThan(0);
    for (const file of contracts) {
      const yaml = join('contracts', 'openapi', file);
      expect(diffContracts(yaml, yaml).changes, yaml).toEqual([]);
      const generated = join('contracts', 'generated', 'openapi', file.replace(/\.yaml$/, '.json'));
      if (!existsSync(join(ROOT, generated))) continue; // not generated yet (npm run contracts:gen)
      expect(diffContracts(yaml, generated).changes, generated).toEqual([]);
    }
  });
});

describe('contracts diff: event schemas', () => {
  const cases: Array<{ file: string; kind: ChangeKind; field: string }> = [
    { file: 'removed-field', kind: 'event-field-removed', field: '/data/dueDate' },
    { file: 'new-required-field', kind: 'event-field-required', field: '/data/currencyRate' },
    { file: 'narrowed-enum', kind: 'event-enum-narrowed', field: '/data/paymentTerms' },
    // Money.amount changes type in common-v2.json, which changed-type.json references.
    { file: 'changed-type', kind: 'event-type-changed', field: '/data/total/amount' },
  ];
  for (const c of cases) {
    it(`${c.file}.json reports ${c.kind} at ${c.field}`, () => {
      const result = diffContracts(event('base'), event(c.file));
      expect(result.kind).toBe('json-schema');
      expect(result.changes.map((x) => `${x.severity} ${x.kind} ${x.field}`)).toEqual([`breaking ${c.kind} ${c.field}`]);
    });
  }

  it('a $ref into a sibling file is followed, and the location names that file', () => {
    const [only] = diffContracts(event('base'), event('changed-type')).changes;
    expect(only!.location.file).toBe(join(FIXTURES, 'events', 'common-v2.json'));
    expect(only!.location.pointer).toBe('#/$defs/Money/properties/amount');
  });

  it('a new enum value only warns; an added optional field is compatible', () => {
    expect(diffContracts(event('base'), event('widened-enum')).changes.map((c) => `${c.severity} ${c.kind}`)).toEqual(['warning event-enum-widened']);
    expect(diffContracts(event('base'), event('compatible')).changes.map((c) => `${c.severity} ${c.kind}`)).toEqual(['info event-field-added']);
  });

  it('every event schema of the project compared with itself has no changes', () => {
    const dir = join('contracts', 'events', 'schemas');
    for (const f of readdirSync(join(ROOT, dir))) expect(diffContracts(join(dir, f), join(dir, f)).changes, f).toEqual([]);
  });
});

describe('contracts diff: bad input', () => {
  it('names the file and the reason', () => {
    expect(() => diffContracts(api('base'), api('no-such-file'))).toThrow(new DiffInputError(`${api('no-such-file')} does not exist`));
    expect(() => diffContracts(api('base'), event('base'))).toThrow(/is an OpenAPI document but .*base\.json is a JSON Schema/);
    expect(() => diffContracts('contracts/events/asyncapi.yaml', 'contracts/events/asyncapi.yaml')).toThrow(/AsyncAPI document/);
  });
});

describe('faultline contracts diff (CLI)', () => {
  it('exits 0 on a compatible pair, saying so and listing what changed', async () => {
    const r = await faultline(['contracts', 'diff', api('base'), api('compatible')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('no breaking changes');
    expect(r.stdout).toContain('request-field-added: POST /sales-orders (bookSalesOrder): request body field /customerPurchaseOrder was added (optional)');
  });

  it('exits 1 on a breaking pair and prints kind, message and location', async () => {
    const r = await faultline(['contracts', 'diff', api('base'), api('removed-status')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 breaking change:');
    expect(r.stdout).toContain('status-removed: POST /sales-orders (bookSalesOrder): response 409 was removed');
    expect(r.stdout).toMatch(/at .*base\.yaml:\d+ #\/paths\/~1sales-orders\/post\/responses\/409/);
  });

  it('--json is machine-readable', async () => {
    const r = await faultline(['contracts', 'diff', event('base'), event('narrowed-enum'), '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { counts: { breaking: number }; changes: Change[]; kinds: Record<string, { severity: string }> };
    expect(out.counts.breaking).toBe(1);
    expect(out.changes[0]).toMatchObject({ kind: 'event-enum-narrowed', severity: 'breaking', field: '/data/paymentTerms' });
    expect(out.kinds['event-enum-narrowed']?.severity).toBe('breaking');
  });

  it('exits 2 with one sentence for a missing file, an unparsable one, or two kinds of document', async () => {
    const missing = await faultline(['contracts', 'diff', api('base'), 'nowhere/erp.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('faultline: nowhere/erp.yaml does not exist');

    const broken = join(FIXTURES, 'unparsable.yaml');
    const unparsable = await faultline(['contracts', 'diff', broken, api('base')]);
    expect(unparsable.code).toBe(2);
    expect(unparsable.stderr).toMatch(new RegExp(`^faultline: ${broken.replaceAll('.', '\\.')}:6:3: cannot be parsed as YAML or JSON: `));

    const mixed = await faultline(['contracts', 'diff', api('base'), event('base')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('is an OpenAPI document but');

    for (const r of [missing, unparsable, mixed]) {
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
  });
});
