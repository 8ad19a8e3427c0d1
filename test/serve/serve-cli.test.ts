import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFECT_NAMES, DEFECTS } from '../../reference-impl/defects.ts';
import { BIN, faultline, ROOT } from '../cli/helpers.ts';
import { freshSchema, postgresService } from '../store/postgres-service.ts';
import { describeWithService } from '../store/services.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-serve-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A `faultline serve` we started, with what it printed so far. */
interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  key: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

const started: Served[] = [];
afterEach(() => {
  // Only the PIDs this file started, and only if still running.
  for (const s of started.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
});

/** Spawns `node bin/faultline.js serve …` and waits for the banner with its URL and key. */
function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, env: { ...process.env, CI: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start within 30 s\nstdout: ${out}\nstderr: ${err}`));
    }, 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /on (http:\/\/\S+)/.exec(out)?.[1];
      const key = /API key\s+(\S+)/.exec(out)?.[1];
      if (url && key && out.includes('Stop with Ctrl-C.')) {
        clearTimeout(timer);
        const s: Served = { child, url, key, stdout: () => out, stderr: () => err, exited };
        started.push(s);
        resolve(s);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

/** The `threeLines` request example of createOrder in commerce.yaml. */
function createOrderExample(): unknown {
  const doc = parseYaml(readFileSync(join(ROOT, 'contracts/openapi/commerce.yaml'), 'utf8')) as {
    paths: Record<string, { post: { requestBody: { content: { 'application/json': { examples: Record<string, { value: unknown }> } } } } }>;
  };
  return doc.paths['/v1/orders']!.post.requestBody.content['application/json'].examples.threeLines!.value;
}

async function post(s: Served, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(s.url + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': s.key, ...headers }, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('faultline serve', () => {
  it('--list-defects prints every defect switch with its description and exits 0', async () => {
    const { code, stdout } = await faultline(['serve', '--list-defects']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(DEFECT_NAMES.length);
    for (const name of DEFECT_NAMES) expect(lines).toContain(`${name}: ${DEFECTS[name]}`);
  });

  it('an unknown --defect exits 2 naming the valid ones', async () => {
    const { code, stderr, stdout } = await faultline(['serve', '--defect', 'no-idempotence', '--port', '0', '--store', 'sqlite::memory:']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--defect no-idempotence: unknown defect; defects: no-idempotency, ack-before-commit,');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('bad flags exit 2 with one clear line', async () => {
    const store = await faultline(['serve', '--store', 'mysql://db', '--port', '0']);
    expect(store.code).toBe(2);
    expect(store.stderr).toContain('--store "mysql://db": expected sqlite:FILE, sqlite::memory: or postgres://');
    const port = await faultline(['serve', '--port', 'http']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port "http": expected a port number');
    const wms = await faultline(['serve', '--port', '0', '--store', 'sqlite::memory:', '--wms-url', 'DC-NORTH=http://127.0.0.1:1']);
    expect(wms.code).toBe(2);
    expect(wms.stderr).toContain('unknown distribution center "DC-NORTH"; configured: DC-EAST, DC-WEST');
    const pgDown = await faultline(['serve', '--port', '0', '--store', 'postgres://nobody@127.0.0.1:1/none']);
    expect(pgDown.code).toBe(2);
    expect(pgDown.stderr).toMatch(/--store PostgreSQL postgres:\/\/nobody@127\.0\.0\.1:1\/none: cannot connect/);
  });

  it('a bad config file exits 2 with file:line:col: message for each problem', async () => {
    const file = join(dir, 'serve.yaml');
    writeFileSync(file, 'apiKeys:\n  - key: fl-partner-0001\n    partner: b2b-web\n    scopes: [orders:write, orders:everything]\ndefects: [no-such-defect]\nport: 80\n');
    const { code, stderr } = await faultline(['serve', '--config', file, '--port', '0', '--store', 'sqlite::memory:']);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:4:28: apiKeys[0].scopes[1]: must be one of orders:write, orders:read`);
    expect(stderr).toContain(`${file}:6:1: port: unknown field; expected one of apiKeys, downstream, distributionCenters, defects, webhookSecrets`);
    const missing = await faultline(['serve', '--config', join(dir, 'nope.yaml'), '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(dir, 'nope.yaml')}:1:1: no such file`);
  });

  it('a port in use exits 2 and says so', async () => {
    const first = await serve(['--port', '0', '--store', 'sqlite::memory:']);
    const port = new URL(first.url).port;
    const second = await faultline(['serve', '--port', port, '--store', 'sqlite::memory:']);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
  });

  it('works out of the box: 202 for the contract example, byte-identical replay, 409 on a different body, the timeline on GET', async () => {
    const s = await serve(['--port', '0', '--store', 'sqlite::memory:'], { FAULTLINE_API_KEY: '' });
    expect(s.key).toMatch(/^fl-dev-[0-9a-f]{24}$/);
    expect(s.stdout()).toContain('erp unreachable');
    const body = JSON.stringify(createOrderExample());
    const key = 'b2b-web:WEB-58213';

    const first = await post(s, '/v1/orders', body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const ack = JSON.parse(first.text) as { orderId: string; status: string; links: { self: string } };
    expect(ack.status).toBe('pending_validation'); // no ERP configured
    expect(['DC-EAST', 'DC-WEST']).toContain((JSON.parse(first.text) as { distributionCenter: string }).distributionCenter);

    const again = await post(s, '/v1/orders', body, { 'idempotency-key': key });
    expect(again.status).toBe(202);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const changed = JSON.stringify({ ...(createOrderExample() as object), notes: 'a different order' });
    const conflict = await post(s, '/v1/orders', changed, { 'idempotency-key': key });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toContain('application/problem+json');

    const got = await fetch(s.url + ack.links.self, { headers: { 'x-api-key': s.key } });
    expect(got.status).toBe(200);
    const order = (await got.json()) as { orderId: string; status: string; timeline: Array<{ status: string; at: string }> };
    expect(order.orderId).toBe(ack.orderId);
    expect(order.timeline.length).toBeGreaterThanOrEqual(1);
    expect(order.timeline[0]!.status).toBe('pending_validation');

    const unknownKey = await post(s, '/v1/orders', body, { 'idempotency-key': 'another-key-1', 'x-api-key': 'not-a-key' });
    expect(unknownKey.status).toBe(401);

    // A body over the limit is refused before the layer sees it, and still counted as refused at intake.
    const huge = await post(s, '/v1/orders', JSON.stringify({ notes: 'x'.repeat(1_100_000) }), { 'idempotency-key': 'too-large-01' });
    expect(huge.status).toBe(413);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('faultline_orders_rejected_total{type="payload-too-large"} 1');
    expect(metrics).toContain('faultline_orders_rejected_total{type="unauthorized"} 1');
  });

  it('uses FAULTLINE_API_KEY as the development key, keeps orders in a SQLite file across restarts, and stops cleanly on SIGTERM', async () => {
    const file = join(dir, 'kept.sqlite');
    const s = await serve(['--port', '0', '--store', `sqlite:${file}`], { FAULTLINE_API_KEY: 'my-own-dev-key-42' });
    expect(s.key).toBe('my-own-dev-key-42');
    const first = await post(s, '/v1/orders', JSON.stringify(createOrderExample()), { 'idempotency-key': 'restart-check-1' });
    expect(first.status).toBe(202);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stdout()).toContain('faultline serve: stopped');

    const t = await serve(['--port', '0', '--store', `sqlite:${file}`], { FAULTLINE_API_KEY: 'my-own-dev-key-42' });
    const replay = await post(t, '/v1/orders', JSON.stringify(createOrderExample()), { 'idempotency-key': 'restart-check-1' });
    expect(replay.status).toBe(202);
    expect(replay.text).toBe(first.text);
    t.child.kill('SIGINT');
    expect(await t.exited).toBe(0);
  });
});

const postgres = await postgresService();

describeWithService('faultline serve on PostgreSQL', postgres, (url) => {
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await drop?.();
    if (postgres.available) await postgres.stop();
  });

  it('migrates its schema and takes orders with idempotent replays, in the schema the URL names', async () => {
    const schema = await freshSchema(url, 'serve');
    drop = schema.drop;
    const store = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
    const s = await serve(['--port', '0', '--store', store], { FAULTLINE_API_KEY: 'pg-dev-key-0001' });
    expect(s.stdout()).toContain('store       PostgreSQL');
    const body = JSON.stringify(createOrderExample());
    const first = await post(s, '/v1/orders', body, { 'idempotency-key': 'pg-serve-0001' });
    expect(first.status).toBe(202);
    const again = await post(s, '/v1/orders', body, { 'idempotency-key': 'pg-serve-0001' });
    expect(again.text).toBe(first.text);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
