import { Ajv2020 } from 'ajv/dist/2020.js';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import schema from '../../reports/result.schema.json' with { type: 'json' };
import type { RunResult } from '../../reports/result.ts';
import { faultline } from '../cli/helpers.ts';

const SCENARIO = 'test/harness/fixtures/short-erp-outage.yaml';

describe('faultline run (the engine, end to end)', () => {
  let first: { code: number | null; stdout: string; dir: string };
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-run-'));
    const r = await faultline(['run', SCENARIO, '--out', dir, '--format', 'json,junit,md']);
    first = { code: r.code, stdout: r.stdout, dir };
  }, 120_000);

  it('passes every invariant and SLO through an ERP outage and carrier throttling, exit 0', async () => {
    expect(first.code).toBe(0);
    const result = JSON.parse(await readFile(join(first.dir, 'result.json'), 'utf8')) as RunResult;
    const s = result.scenarios[0]!;
    expect(s.invariants.map((i) => [i.id, i.status])).toEqual(s.invariants.map((i) => [i.id, 'pass']));
    expect(s.invariants).toHaveLength(8);
    expect(s.counts.ordersAcknowledged).toBeGreaterThan(400);
    expect(s.metrics.technical.unavailable503).toBeGreaterThan(0); // the outage happened
    expect(s.metrics.technical.throttled429).toBeGreaterThan(0); // and the throttling
    expect(s.faults.find((f) => f.id === 'erp-down')).toMatchObject({ fromMs: 120_000, toMs: 420_000 });
  });

  it('prints the seed, every derived setting and the replay command first', () => {
    const lines = first.stdout.split('\n');
    const seedLine = lines.findIndex((l) => l.startsWith('SEED=5 '));
    expect(seedLine).toBeGreaterThan(0);
    expect(lines[seedLine]).toContain('faults=erp-down:downtime@erp,swift-throttle:throttle@carrier-swift');
    expect(lines[seedLine + 1]).toBe(`replay: npx faultline run ${SCENARIO} --seed 5`);
  });

  it('writes a result that validates against the documented schema, and the same bytes on a second run', async () => {
    const text = await readFile(join(first.dir, 'result.json'), 'utf8');
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(text).not.toContain(process.cwd()); // no absolute paths
    // Every rejected order has a reason, counted once; keys sorted.
    const counts = (JSON.parse(text) as RunResult).scenarios[0]!.counts;
    const reasons = counts.rejectionsByReason!;
    expect(Object.values(reasons).reduce((a, b) => a + b, 0)).toBe(counts.ordersRejected);
    expect(Object.keys(reasons)).toEqual(Object.keys(reasons).sort());
    for (const key of Object.keys(reasons)) expect(key).toMatch(/^[a-z0-9_]+$/); // one vocabulary: credit_refused, never also credit-refused
    // One posting-lag sample per booked order, however often it was acknowledged (double submissions).
    const scenario = (JSON.parse(text) as RunResult).scenarios[0]!;
    expect(scenario.metrics.erpPostingLagMs.count).toBe(counts.ordersBooked);
    // Each submitted order is acknowledged, refused at intake or left unanswered, exactly one of
    // them; rejected counts the refusals and the rejections after acknowledgement.
    expect(counts.ordersAcknowledged + counts.ordersRefused! + counts.ordersUnanswered!).toBe(counts.ordersSubmitted);
    expect(counts.ordersRejected).toBe(counts.ordersRefused! + counts.ordersRejectedAfterAck!);
    // The per-interval series count orders too (a double submission is acknowledged twice, counted once).
    const sum = (xs: number[] | undefined) => (xs ?? []).reduce((a, b) => a + b, 0);
    expect(sum(scenario.timeseries.series.ordersAcknowledged)).toBe(counts.ordersAcknowledged);
    expect(sum(scenario.timeseries.series.ordersSubmitted)).toBe(counts.ordersSubmitted);
    expect(counts.ordersRefused! + counts.ordersRejectedAfterAck!).toBeGreaterThan(0);
    expect(counts.doubleSubmissions).toBeGreaterThan(0);
    const dir = await mkdtemp(join(tmpdir(), 'faultline-run-'));
    const again = await faultline(['run', SCENARIO, '--out', dir, '--format', 'json']);
    expect(again.code).toBe(0);
    expect(await readFile(join(dir, 'result.json'), 'utf8')).toBe(text);
  }, 120_000);

  it('--jobs 2 runs scenarios in two worker processes (one runs two) and writes the same bytes as one at a time', async () => {
    const pair = ['test/harness/fixtures/short-baseline.yaml', SCENARIO, 'test/harness/fixtures/short-duplicates.yaml'];
    const [one, two] = [await mkdtemp(join(tmpdir(), 'faultline-jobs1-')), await mkdtemp(join(tmpdir(), 'faultline-jobs2-'))];
    // Three scenarios: on a loaded 2-core host a run takes longer than the helper's default minute.
    const sequential = await faultline(['run', ...pair, '--out', one, '--format', 'json'], { timeoutMs: 115_000 });
    const parallel = await faultline(['run', ...pair, '--out', two, '--format', 'json', '--jobs', '2'], { timeoutMs: 115_000 });
    expect([sequential.code, parallel.code]).toEqual([0, 0]);
    expect(parallel.stdout).toContain('2 at a time');
    const text = await readFile(join(one, 'result.json'), 'utf8');
    expect((JSON.parse(text) as RunResult).scenarios.map((s) => s.id)).toEqual(['short-baseline', 'short-erp-outage', 'short-duplicates']);
    expect(await readFile(join(two, 'result.json'), 'utf8')).toBe(text);
    const bad = await faultline(['run', SCENARIO, '--jobs', '0']);
    expect([bad.code, bad.stderr]).toEqual([2, 'faultline: --jobs 0: expected a whole number of processes from 1 to 64\n']);
  }, 240_000);

  it('writes one JUnit test case per invariant and SLO', async () => {
    const xml = await readFile(join(first.dir, 'junit.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(10);
    expect(xml).toContain('name="invariant no-lost-orders"');
    expect(xml).toContain('name="slo order_ack_p99_ms &lt; 1000"');
  });

  it('exits 1 and names the broken invariant and the replay command when a defect breaks it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-run-'));
    const r = await faultline(['run', SCENARIO, '--out', dir, '--format', 'json,junit', '--defect', 'ignore-retry-after']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not holding: retry-after-respected=fail');
    // What broke, in the log: the finding and the first violation with its trace id.
    expect(r.stdout).toMatch(
      /\n {2}retry-after-respected: (\d+) call\(s\) made before the Retry-After had passed\n {4}first: POST \/v2\/shipments to carrier-swift at [0-9:]+: carrier-swift had answered 429 with Retry-After "1" at [0-9:]+, so not before [0-9:]+; \d+ more \(result\.json lists the first 20; --violations all lists every one\)\n {2}replay: /,
    );
    expect(r.stdout).toContain(`replay: npx faultline run ${SCENARIO} --seed 5 --defect ignore-retry-after`);
    const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/name="invariant retry-after-respected"><failure message="\d+ call\(s\) made before the Retry-After had passed"/);
    // --violations all keeps every violation (two worker processes: the option reaches them).
    const all = await mkdtemp(join(tmpdir(), 'faultline-run-'));
    expect((await faultline(['run', SCENARIO, '--out', all, '--format', 'json', '--defect', 'ignore-retry-after', '--violations', 'all', '--jobs', '2'])).code).toBe(1);
    const kept = (JSON.parse(await readFile(join(all, 'result.json'), 'utf8')) as RunResult).scenarios[0]!.invariants.find((i) => i.id === 'retry-after-respected')!;
    expect(kept.anomalyCount).toBeGreaterThan(20);
    expect(kept.anomalies).toHaveLength(kept.anomalyCount);
    const bad = await faultline(['run', SCENARIO, '--violations', 'none']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--violations none: expected how many violations of each invariant to keep, a whole number from 1, or "all"');
  }, 180_000);

  it('exits 2 on usage errors without running anything', async () => {
    expect((await faultline(['run', SCENARIO, '--defect', 'no-such-bug'])).stderr).toContain('unknown defect "no-such-bug"; known: no-idempotency');
    expect((await faultline(['run', SCENARIO, '--defect', 'no-such-bug'])).code).toBe(2);
    expect((await faultline(['run', SCENARIO, '--seed', 'minus-one'])).code).toBe(2);
    expect((await faultline(['run', SCENARIO, '--format', 'pdf'])).code).toBe(2);
    const bad = await faultline(['run', 'test/harness/fixtures/bad-scenario.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('test/harness/fixtures/bad-scenario.yaml:3:11: duration');
    // An --out that cannot take reports is refused before the run, not after it.
    const file = join(await mkdtemp(join(tmpdir(), 'faultline-run-')), 'a-file');
    await writeFile(file, 'not a directory');
    for (const out of [file, join(file, 'sub')]) {
      const r = await faultline(['run', SCENARIO, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`faultline: --out ${out}: cannot write reports there: a file is in the way (it or a parent is not a directory)\n`);
      expect(r.stdout).not.toContain('replay:');
    }
  });
});
