import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../harness/cli/exit-codes.ts';
import { parseStoreUrl, resolveServeSettings, type ServeFlags } from '../../harness/serve/config.ts';
import { ALL_SCOPES } from '../../reference-impl/config.ts';
import { PACT_API_KEYS, PACT_KEYS } from '../../harness/contract-testing/states/layer.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-serve-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flags = (over: Partial<ServeFlags> = {}): ServeFlags => ({ port: '8080', host: '127.0.0.1', store: 'sqlite:faultline.sqlite', wmsUrl: [], carrierUrl: [], defect: [], ...over });
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const usage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('serve settings', () => {
  it('parses the store URL forms and names the valid ones otherwise', () => {
    expect(parseStoreUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', file: ':memory:' });
    expect(parseStoreUrl('sqlite:data/fl.sqlite')).toEqual({ kind: 'sqlite', file: 'data/fl.sqlite' });
    expect(parseStoreUrl('postgres://postgres@127.0.0.1:5432/test')).toEqual({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(usage(() => parseStoreUrl('mysql://x'))).toMatch(/--store "mysql:\/\/x": expected sqlite:FILE, sqlite::memory: or postgres:\/\//);
    expect(usage(() => parseStoreUrl('sqlite:'))).toMatch(/expected sqlite:FILE/);
  });

  it('works out of the box: one development key with every scope, both DCs with the default stock, nothing downstream', () => {
    const s = resolveServeSettings(flags(), {});
    expect(s.layer.apiKeys).toHaveLength(1);
    expect(s.layer.apiKeys[0]!.scopes).toEqual([...ALL_SCOPES]);
    expect(s.developmentKey?.source).toBe('generated');
    expect(s.layer.apiKeys[0]!.key).toMatch(/^fl-dev-[0-9a-f]{24}$/);
    expect(resolveServeSettings(flags(), {}).layer.apiKeys[0]!.key).not.toBe(s.layer.apiKeys[0]!.key);
    expect(s.layer.distributionCenters.map((d) => d.code)).toEqual(['DC-EAST', 'DC-WEST']);
    const stock = (dc: string, sku: string) => s.layer.initialInventory.find((i) => i.distributionCenter === dc && i.sku === sku)?.onHand;
    expect([stock('DC-EAST', 'BRG-6204'), stock('DC-EAST', 'VLV-100'), stock('DC-EAST', 'HOS-25M'), stock('DC-WEST', 'HOS-25M')]).toEqual([500, 500, 500, 300]);
    expect(s.downstream).toEqual({});
    expect(s.layer.defects).toEqual([]);
  });

  it('takes the development key from FAULTLINE_API_KEY and downstream URLs from the environment, flags winning', () => {
    const env = { FAULTLINE_API_KEY: 'my-dev-key-123', FAULTLINE_ERP_URL: 'http://127.0.0.1:4010/', FAULTLINE_WMS_URLS: 'DC-EAST=http://127.0.0.1:4011, DC-WEST=http://127.0.0.1:4012', FAULTLINE_CARRIER_URLS: 'swift=http://127.0.0.1:4020' };
    const s = resolveServeSettings(flags(), env);
    expect(s.developmentKey).toEqual({ key: 'my-dev-key-123', source: 'FAULTLINE_API_KEY' });
    expect(s.downstream).toEqual({ erp: 'http://127.0.0.1:4010', 'wms@DC-EAST': 'http://127.0.0.1:4011', 'wms@DC-WEST': 'http://127.0.0.1:4012', 'carrier-swift': 'http://127.0.0.1:4020' });
    const f = resolveServeSettings(flags({ erpUrl: 'http://127.0.0.1:9999', wmsUrl: ['DC-WEST=http://127.0.0.1:9998'], carrierUrl: ['carrier-pelican=http://127.0.0.1:9997'] }), env);
    expect(f.downstream).toEqual({ erp: 'http://127.0.0.1:9999', 'wms@DC-WEST': 'http://127.0.0.1:9998', 'carrier-pelican': 'http://127.0.0.1:9997' });
  });

  it('refuses bad flags with a message naming what is valid', () => {
    expect(usage(() => resolveServeSettings(flags({ port: 'eighty' }), {}))).toMatch(/--port "eighty": expected a port number from 0 to 65535/);
    expect(usage(() => resolveServeSettings(flags({ defect: ['nope'] }), {}))).toMatch(/--defect nope: unknown defect; defects: no-idempotency, ack-before-commit/);
    expect(usage(() => resolveServeSettings(flags({ wmsUrl: ['DC-NORTH=http://x'] }), {}))).toMatch(/unknown distribution center "DC-NORTH"; configured: DC-EAST, DC-WEST/);
    expect(usage(() => resolveServeSettings(flags({ wmsUrl: ['http://x'] }), {}))).toMatch(/expected DC=URL/);
    expect(usage(() => resolveServeSettings(flags({ carrierUrl: ['dhl=http://x'] }), {}))).toMatch(/unknown carrier "dhl"; carriers: swift, pelican/);
    expect(usage(() => resolveServeSettings(flags({ erpUrl: 'ftp://erp' }), {}))).toMatch(/--erp-url "ftp:\/\/erp": expected an http/);
  });

  it('reads keys, scopes, rate limits, downstream URLs, DCs and defects from a YAML file', () => {
    const path = file(
      'ok.yaml',
      `apiKeys:
  - key: fl-b2b-web-0001
    partner: b2b-web
    scopes: [orders:write, orders:read]
    rateLimit: { ratePerSecond: 20 }
downstream:
  erp: http://127.0.0.1:4010
  wms: { DC-NORTH: http://127.0.0.1:4011 }
  carriers: { pelican: http://127.0.0.1:4021 }
distributionCenters:
  DC-NORTH:
    carrier: pelican
    address: { name: North, line1: Kai 1, city: Kiel, postalCode: '24103', country: DE }
    stock: { BRG-6204: 7 }
  DC-WEST:
defects: [no-idempotency]
`,
    );
    const s = resolveServeSettings(flags({ config: path, defect: ['ack-before-commit'] }), { FAULTLINE_API_KEY: 'ignored-when-keys-configured' });
    expect(s.layer.apiKeys).toEqual([{ key: 'fl-b2b-web-0001', partner: 'b2b-web', scopes: ['orders:write', 'orders:read'], rateLimit: { ratePerSecond: 20, burst: 20 } }]);
    expect(s.developmentKey).toBeUndefined();
    expect(s.downstream).toEqual({ erp: 'http://127.0.0.1:4010', 'wms@DC-NORTH': 'http://127.0.0.1:4011', 'carrier-pelican': 'http://127.0.0.1:4021' });
    expect(s.layer.distributionCenters[0]).toMatchObject({ code: 'DC-NORTH', carrier: 'carrier-pelican', serviceLevel: 'ground', address: { city: 'Kiel' } });
    expect(s.layer.distributionCenters[1]).toMatchObject({ code: 'DC-WEST', carrier: 'carrier-pelican' });
    expect(s.layer.initialInventory.filter((i) => i.distributionCenter === 'DC-NORTH')).toEqual([{ distributionCenter: 'DC-NORTH', sku: 'BRG-6204', uom: 'EA', onHand: 7 }]);
    expect(s.layer.initialInventory.filter((i) => i.distributionCenter === 'DC-WEST').length).toBeGreaterThan(3);
    expect(s.layer.defects).toEqual(['no-idempotency', 'ack-before-commit']);
  });

  it('--provider-states adds the pacts\' keys for the DCs this layer has, next to the configured or development key', () => {
    const plain = resolveServeSettings(flags(), { FAULTLINE_API_KEY: 'dev-key-0001' });
    expect(plain.providerStates).toBe(false);
    expect(plain.layer.apiKeys.map((k) => k.partner)).toEqual(['development']);
    const pact = resolveServeSettings(flags({ providerStates: true }), { FAULTLINE_API_KEY: 'dev-key-0001' });
    expect(pact.providerStates).toBe(true);
    expect(pact.developmentKey?.key).toBe('dev-key-0001');
    expect(pact.layer.apiKeys.map((k) => k.partner)).toEqual(['development', ...PACT_API_KEYS.map((k) => k.partner)]);
    // A layer without DC-EAST gets no WMS key for it.
    const west = file('west.yaml', 'apiKeys:\n  - { key: fl-own-0001, partner: b2b-web, scopes: [orders:write] }\ndistributionCenters:\n  DC-WEST:\n');
    expect(resolveServeSettings(flags({ config: west, providerStates: true }), {}).layer.apiKeys.map((k) => k.partner)).toEqual(['b2b-web', 'b2b-web', 'wms@DC-WEST', 'carrier-swift', 'carrier-pelican']);
    const clash = file('clash.yaml', `apiKeys:\n  - { key: fl-own-0001, partner: erp-team, scopes: [exceptions:admin] }\n  - { key: ${PACT_KEYS.storefront}, partner: b2b-web, scopes: [orders:write] }\n`);
    expect(usage(() => resolveServeSettings(flags({ config: clash, providerStates: true }), {}))).toBe(
      `${clash}: apiKeys[1] uses the key ${PACT_KEYS.storefront}, which --provider-states gives to the pact partner b2b-web; choose another key`,
    );
  });

  it('reads the credentials the layer presents downstream, and names a malformed one at file:line:col', () => {
    const path = file('credentials.yaml', 'credentials:\n  erp: erp-token-1\n  wms: wms-key-2\n  carriers: { swift: swift-tok-3, pelican: pel-key-4 }\n');
    const s = resolveServeSettings(flags({ config: path }), {});
    expect(s.layer.erpCredential).toBe('erp-token-1');
    expect(s.layer.credentials).toEqual({ wms: 'wms-key-2', 'carrier-swift': 'swift-tok-3', 'carrier-pelican': 'pel-key-4' });
    const bad = file('bad-credentials.yaml', 'credentials:\n  wms: two words\n  carriers: { dhl: x }\n');
    const message = usage(() => resolveServeSettings(flags({ config: bad }), {}));
    expect(message).toContain(`${bad}:2:8: credentials.wms: must be a token: letters, digits and -._~+/, then optional =, not empty`);
    expect(message).toContain(`${bad}:3:15: credentials.carriers: "dhl" is not allowed here`);
  });

  it('reports every problem of a bad file as file:line:col: message', () => {
    const path = file(
      'bad.yaml',
      `apiKeys:
  - key: short
    partner: b2b-web
    scopes: [orders:write, orders:delete]
downstream:
  erp: not-a-url
  wms: { DC-WEST: http://127.0.0.1:4011 }
distributionCenters:
  DC-EAST: {}
defects: [no-such-bug]
colour: blue
`,
    );
    const message = usage(() => resolveServeSettings(flags({ config: path }), {}));
    expect(message).toContain(`${path}:2:10: apiKeys[0].key: must be at least 8 characters long, visible ASCII without spaces`);
    expect(message).toContain(`${path}:4:28: apiKeys[0].scopes[1]: must be one of orders:write, orders:read, inventory:read, exceptions:admin, events:write`);
    expect(message).toContain(`${path}:6:8: downstream.erp: must be an http:// or https:// URL`);
    expect(message).toContain(`${path}:11:1: colour: unknown field; expected one of apiKeys, downstream, distributionCenters, defects`);
    // Semantic problems come once the shape is right.
    const semantic = file('semantic.yaml', 'downstream:\n  wms: { DC-WEST: http://127.0.0.1:4011 }\ndistributionCenters:\n  DC-EAST: { serviceLevel: ground }\n  DC-NORTH: {}\ndefects: [no-such-bug]\n');
    const second = usage(() => resolveServeSettings(flags({ config: semantic }), {}));
    expect(second).toContain(`${semantic}:2:10: downstream.wms.DC-WEST: unknown distribution center; configured: DC-EAST`);
    expect(second).toContain(`${semantic}:4:28: distributionCenters.DC-EAST.serviceLevel: carrier-swift offers EXPRESS, STANDARD, ECONOMY`);
    expect(second).toContain(`${semantic}:5:3: distributionCenters.DC-NORTH: needs carrier and address (only DC-EAST and DC-WEST have defaults)`);
    expect(second).toContain(`${semantic}:6:11: defects[0]: unknown defect "no-such-bug"; defects: no-idempotency, ack-before-commit,`);
  });

  it('refuses an API key no client could send: blank, short, or with spaces (HTTP trims them)', () => {
    for (const key of ['  ', 'abc', ' fl-key-00001', 'fl key 00001']) {
      expect(usage(() => resolveServeSettings(flags(), { FAULTLINE_API_KEY: key }))).toBe(`FAULTLINE_API_KEY must be at least 8 characters long, visible ASCII without spaces (a value a client can send as X-API-Key); got ${JSON.stringify(key)}`);
    }
    const spaced = file('spaced.yaml', 'apiKeys:\n  - { key: " fl-key-00001", partner: b2b-web, scopes: [orders:read] }\n');
    expect(usage(() => resolveServeSettings(flags({ config: spaced }), {}))).toContain(`${spaced}:2:12: apiKeys[0].key: must be at least 8 characters long, visible ASCII without spaces`);
    expect(resolveServeSettings(flags(), { FAULTLINE_API_KEY: '' }).developmentKey?.source).toBe('generated'); // empty: as if unset
  });

  it('reports a YAML syntax error and a missing file with a position', () => {
    const broken = file('broken.yaml', 'apiKeys: [\n  { key: x\n');
    expect(usage(() => resolveServeSettings(flags({ config: broken }), {}))).toMatch(new RegExp(`${broken}:\\d+:\\d+: invalid YAML`));
    expect(usage(() => resolveServeSettings(flags({ config: join(dir, 'missing.yaml') }), {}))).toContain(`${join(dir, 'missing.yaml')}:1:1: no such file`);
  });
});
