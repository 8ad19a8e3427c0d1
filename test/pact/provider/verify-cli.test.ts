// The vendor path: `faultline verify` run as a vendor would, against `faultline sim wms` standing
// in for the vendor's WMS — once as the contracts say, once with a contract-breaking fault.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { faultline } from '../../cli/helpers.ts';
import { startServe, startSim, type RunningSim } from '../support/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-verify-'));
const sims: RunningSim[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});
const sim = async (args: string[]): Promise<RunningSim> => {
  const s = await startSim(args);
  sims.push(s);
  return s;
};
// eslint-disable-next-line no-control-regex -- Pact colours its own report
const plain = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

describe('faultline verify', () => {
  it('passes against faultline sim wms, setting provider states through its /_faultline/provider-states, and writes JUnit', async () => {
    const wms = await sim(['wms', '--port', '0']);
    const junit = join(dir, 'pass.junit.xml');
    const run = await faultline(['verify', '--provider', 'wms', '--base-url', wms.url, '--junit', junit]);
    const out = plain(run.stdout);
    expect(run.code, out + run.stderr).toBe(0);
    expect(out).toContain(`Pact verification of provider wms at ${wms.url}`);
    expect(out).toContain(`provider states: ${wms.url}/_faultline/provider-states`);
    expect(out).toMatch(/✓ the release of a fulfillment order \(POST \/fulfillment-orders\) given "sku BRG-6204 has 5 on hand at DC-EAST"/);
    expect(out).toMatch(/PASS 6 interactions verified against wms/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="integration-layer → wms" tests="6" failures="0" errors="0">/);
    // A second run against the same, now used, simulator: the states hand out fresh ids.
    expect((await faultline(['verify', '--provider', 'wms', '--base-url', wms.url, '--junit', junit])).code).toBe(0);
  });

  it('fails with the Pact mismatch against the same simulator with a renamed field (schema-drift)', async () => {
    const plan = join(dir, 'drift.yaml');
    writeFileSync(plan, 'faults:\n  - kind: schema-drift\n    target: wms:releaseFulfillmentOrder\n    renames: { status: fulfillmentStatus }\n');
    const wms = await sim(['wms', '--port', '0', '--faults', plan]);
    const junit = join(dir, 'fail.junit.xml');
    const run = await faultline(['verify', '--provider', 'wms', '--base-url', wms.url, '--junit', junit]);
    const out = plain(run.stdout);
    expect(run.code, out + run.stderr).toBe(1);
    expect(out).toMatch(/✗ the release of a fulfillment order \(POST \/fulfillment-orders\)[^\n]*\n {6}\$: Actual map is missing the following keys: status/);
    expect(out).toMatch(/✓ a read of the stock snapshot/);
    expect(out).toMatch(/FAIL 1 of 6 interactions did not verify against wms/);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testcase classname="pact.integration-layer.wms" name="the release of a fulfillment order \(POST \/fulfillment-orders\)" time="[0-9.]+"><failure message="\$: Actual map is missing the following keys: status"/);
  });

  it('names the provider state the service refused, and its reason, when a state cannot be set (the ERP pacts against the WMS)', async () => {
    const wms = await sim(['wms', '--port', '0']);
    const run = await faultline(['verify', '--provider', 'erp', '--base-url', wms.url, '--junit', join(dir, 'states.junit.xml')]);
    const out = plain(run.stdout);
    expect(run.code, out + run.stderr).toBe(1);
    expect(out).toMatch(/provider state "the ERP is in a maintenance window" could not be set: 4\d\d wms knows no provider state "the ERP is in a maintenance window"/);
    expect(out).toMatch(/hint: nothing verified, and 10 of 11 interactions could not set their provider states\. Is http:\/\/127\.0\.0\.1:\d+ the erp service/);
  });

  it('passes against faultline serve --provider-states: the storefront pacts with their own keys and states, twice on the same layer', async () => {
    const layer = await startServe(['--port', '0', '--store', 'sqlite::memory:', '--provider-states']);
    sims.push(layer);
    expect(layer.output()).toContain(`verify with: npx faultline verify --provider integration-layer --base-url ${layer.url}`);
    for (const round of [1, 2]) {
      const run = await faultline(['verify', '--provider', 'integration-layer', '--base-url', layer.url, '--junit', join(dir, `layer-${round}.junit.xml`)]);
      const out = plain(run.stdout);
      expect(run.code, `round ${round}: ${out}${run.stderr}`).toBe(0);
      expect(out).toContain(`provider states: ${layer.url}/_faultline/provider-states`);
      expect(out).toMatch(/✓ an order with an unknown API key \(POST \/v1\/orders\)/);
      expect(out).toMatch(/PASS 7 interactions verified against integration-layer/);
    }
  });

  it('finds no provider states on faultline serve without the flag, and says which interactions failed for it', async () => {
    const layer = await startServe(['--port', '0', '--store', 'sqlite::memory:']);
    sims.push(layer);
    const states = await fetch(`${layer.url}/_faultline/provider-states`);
    expect(states.status).toBe(404); // not a route of the commerce API
    const run = await faultline(['verify', '--provider', 'integration-layer', '--base-url', layer.url, '--junit', join(dir, 'layer-none.junit.xml')]);
    const out = plain(run.stdout);
    expect(run.code, out + run.stderr).toBe(1);
    expect(out).toContain('provider states: none set');
    expect(out).toMatch(/✗ a read of an order \(GET \/v1\/orders\/[^)]+\) given "an order [^"]+ was placed by b2b-web"/);
  });

  it('against faultline sim erp without its bearer token: the banner says it, and the failed run hints at --header', async () => {
    const erp = await sim(['erp', '--port', '0']);
    expect(erp.output()).toContain("auth: every call needs Authorization: Bearer <any token>, as the ERP contract says (faultline verify: --header 'Authorization: Bearer x')");
    const bare = await faultline(['verify', '--provider', 'erp', '--base-url', erp.url, '--junit', join(dir, 'erp-bare.junit.xml')]);
    expect(bare.code).toBe(1);
    expect(plain(bare.stdout)).toMatch(/hint: \d+ interactions were refused with 401\/403\. The pacts leave credentials to the provider's own set-up; pass yours with --header/);
    const withToken = await faultline(['verify', '--provider', 'erp', '--base-url', erp.url, '--header', 'Authorization: Bearer x', '--junit', join(dir, 'erp.junit.xml')]);
    expect(withToken.code, plain(withToken.stdout)).toBe(0);
    expect(plain(withToken.stdout)).not.toContain('hint:');
  });

  it("against a vendor's own service: a POST-only state endpoint is found, its refusal of Pact's empty state is named, the diagnosis sends the same headers and tears down, a timed-out request says so", async () => {
    const calls: Array<{ state: string; action: string; key: IncomingHttpHeaders[string] }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/_faultline/provider-states') {
          if (req.method !== 'POST') return void res.writeHead(404).end(); // answers only the protocol's POST
          const b = JSON.parse(body) as { state: string; action: string };
          calls.push({ state: b.state, action: b.action, key: req.headers['x-api-key'] });
          if (req.headers['x-api-key'] !== 'vendor-key') return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"detail":"X-Api-Key missing"}');
          if (b.state === '') return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"detail":"I do not know the state \\"\\""}');
          return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        }
        if (req.url === '/') return void res.writeHead(200).end('vendor');
        setTimeout(() => res.writeHead(500).end(), 2500).unref(); // slower than --timeout 1
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const junit = join(dir, 'vendor.junit.xml');
      const run = await faultline(['verify', '--provider', 'carrier-swift', '--base-url', url, '--header', 'X-Api-Key: vendor-key', '--timeout', '1', '--junit', junit]);
      const out = plain(run.stdout);
      expect(run.code, out + run.stderr).toBe(1);
      expect(run.stderr).not.toContain('no provider-state endpoint');
      expect(out).toContain(`provider states: ${url}/_faultline/provider-states`);
      expect(out).toContain('provider state endpoint refused the empty state Pact sends for an interaction without one: 400 I do not know the state "" (answer 200 to a state of "")');
      expect(out).toMatch(/no answer within 1 s, the limit per request \(--timeout raises it\)/);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((c) => c.key === 'vendor-key')).toBe(true); // the diagnosis too
      for (const state of new Set(calls.filter((c) => c.state !== '').map((c) => c.state))) {
        expect(calls.filter((c) => c.state === state && c.action === 'teardown').length, state).toBe(calls.filter((c) => c.state === state && c.action === 'setup').length);
      }
      const xml = readFileSync(junit, 'utf8');
      expect(xml).toContain('<error message="provider state endpoint refused the empty state'); // set-up, not a mismatch
      expect(xml).toMatch(/<testsuite name="integration-layer → carrier-swift" tests="3" failures="1" errors="2">/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('usage errors: one sentence naming the provider, file or URL, exit 2, no stack trace', async () => {
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, '{\n  "consumer": { "name": "integration-layer" },\n  "provider": { "name": "wms" }\n  "interactions": []\n}\n');
    const cases: Array<[string[], RegExp]> = [
      [['--provider', 'sap', '--base-url', 'http://127.0.0.1:9'], /^faultline: unknown provider "sap"; the landscape's providers are erp, wms, carrier-swift, carrier-pelican, integration-layer/],
      [['--provider', 'wms', '--base-url', 'http://127.0.0.1:9', '--pact', bad], new RegExp(`^faultline: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:3: is not valid JSON`)],
      [['--provider', 'wms', '--base-url', 'http://127.0.0.1:9'], /^faultline: cannot reach the provider at http:\/\/127\.0\.0\.1:9\/: connection refused/],
      [['--provider', 'wms-events', '--base-url', 'http://127.0.0.1:9'], /^faultline: "wms-events" is a message provider/],
      [['--provider', 'wms', '--base-url', 'localhost:8080'], /^faultline: --base-url must be an http:\/\/ or https:\/\/ URL, got "localhost:8080"/],
    ];
    for (const [args, message] of cases) {
      const run = await faultline(['verify', ...args, '--junit', join(dir, 'usage.xml')]);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    // The JUnit file says why it could not run, in place of an earlier run's green result.
    const junit = join(dir, 'stale.junit.xml');
    writeFileSync(junit, '<testsuites tests="6" failures="0" errors="0"/>');
    expect((await faultline(['verify', '--provider', 'wms', '--base-url', 'http://127.0.0.1:9', '--junit', junit])).code).toBe(2);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuites name="faultline verify wms" tests="1" failures="0" errors="1">[\s\S]*<error message="cannot reach the provider at http:\/\/127\.0\.0\.1:9\/: connection refused/);
  });
});
