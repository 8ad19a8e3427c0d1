import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { BIN, faultline, ROOT } from '../cli/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-proxy-cli-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('faultline proxy (the CLI)', () => {
  it('a bad fault file: every problem at file:line:col, exit 2, nothing listens', async () => {
    const bad = file('bad.yaml', 'faults:\n  - kind: flood\n    target: erp\n  - kind: error-rate\n    target: erp:bookSalesOrder\n    probability: 1.5\n');
    const res = await faultline(['proxy', '--target', 'http://127.0.0.1:9', '--faults', bad]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([
      `${bad}:2:11: faults[0].kind: unknown fault kind "flood"; kinds: downtime, latency, timeout, error-rate, throttle, duplicate, reorder, delay-messages, lost-ack, malformed, schema-drift, clock-skew, crash, reset, slow-body`,
      `${bad}:6:18: faults[1].probability: a probability is between 0 and 1, got 1.5`,
    ]);
  });

  it('usage errors are one line, exit 2', async () => {
    const missing = await faultline(['proxy', '--target', 'http://127.0.0.1:9', '--faults', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`${join(dir, 'nope.yaml')}:1:1: no such file\n`);
    const port = await faultline(['proxy', '--target', 'http://127.0.0.1:9', '--port', 'http']);
    expect(port.code).toBe(2);
    expect(port.stderr).toBe('faultline: --port must be a port number (0 to 65535; 0 picks a free one), got "http"\n');
    const target = await faultline(['proxy', '--target', 'localhost']);
    expect(target.code).toBe(2);
    expect(target.stderr).toMatch(/^faultline: --target must be /);
    const contract = await faultline(['proxy', '--target', 'http://127.0.0.1:9', '--contract', 'sap']);
    expect(contract.code).toBe(2);
    expect(contract.stderr).toMatch(/^faultline: --contract must be one of .*erp.*, got "sap"\n$/);
    const elsewhere = file('elsewhere.yaml', 'faults:\n  - kind: downtime\n    target: wms\n');
    const mismatch = await faultline(['proxy', '--target', 'http://127.0.0.1:9', '--contract', 'erp', '--faults', elsewhere]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('this proxy fronts the erp contract');
  });

  it('serves, prints its URL, injects the plan, and stops cleanly on SIGTERM', async () => {
    const upstream = Fastify({ logger: false });
    upstream.get('/ping', async () => ({ pong: true }));
    await upstream.listen({ port: 0, host: '127.0.0.1' });
    const upstreamUrl = `http://127.0.0.1:${(upstream.server.address() as { port: number }).port}`;
    const plan = file('plan.yaml', 'faults:\n  - kind: error-rate\n    target: erp\n    status: 503\n    from: 1h\n');
    const child = spawn(process.execPath, [BIN, 'proxy', '--target', upstreamUrl, '--faults', plan, '--seed', '3'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`proxy exited early: ${stderr}`)));
    });
    try {
      const res = await request(`${url}/ping`);
      expect(res.statusCode).toBe(200); // the fault's window opens after an hour
      expect(await res.body.json()).toEqual({ pong: true });
      const added = await request(`${url}/_faultline/faults`, { method: 'POST', body: JSON.stringify({ kind: 'error-rate', target: 'erp', status: 502, id: 'now' }) });
      expect(added.statusCode).toBe(201);
      await added.body.dump();
      const failed = await request(`${url}/ping`);
      expect(failed.statusCode).toBe(502);
      await failed.body.dump();
    } finally {
      const code = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await code).toBe(0);
      await upstream.close();
    }
    expect(stdout).toMatch(/error-rate-0: error-rate on erp from 1h to the end/);
    expect(stdout).toMatch(/faultline proxy stopped \(SIGTERM\); faults fired: error-rate-0=0, now=1/);
    expect(stderr).toBe('');
  });
});
