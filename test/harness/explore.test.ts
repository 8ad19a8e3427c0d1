import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { explore, type ExploreOptions } from '../../harness/explore/explore.ts';
import { loadScenario } from '../../harness/scenario/load.ts';
import { faultline } from '../cli/helpers.ts';

const BASELINE = 'test/harness/fixtures/short-baseline.yaml';

describe('faultline explore', () => {
  it('finds the fault schedule that breaks a defective layer, shrinks it, and writes a repro that replays the same violation', async () => {
    const out = await mkdtemp(join(tmpdir(), 'faultline-explore-'));
    const r = await faultline(['explore', BASELINE, '--runs', '40', '--seed', '3', '--max-faults', '3', '--defect', 'ignore-retry-after', '--out', out], { timeoutMs: 240_000 });
    expect(r.code).toBe(1);
    const m = /Property failed after \d+ run\(s\); shrinking tried (\d+) smaller plan\(s\), (\d+) of which still failed/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(r.stdout.split('\n').filter((l) => l.startsWith('shrink ')).length).toBe(Number(m![1])); // the count matches the lines shown
    expect(Number(m![2])).toBeLessThanOrEqual(Number(m![1]));
    // Each fault in the log shows its window and settings: shrink steps differ there.
    expect(r.stdout).toMatch(/^run \d+: [1-3] fault\(s\) \[[a-z-]+@[a-z@:.A-Z-]+ \d+m–(\d+m|end)/m);
    expect(r.stdout).toMatch(/\{ seed: 3, path: "[\d:]+" \}/);
    expect(r.stdout).toMatch(/Invariant retry-after-respected breaks.* with [123] fault\(s\), world seed \d+:\n {2}- \{"kind":/);
    const [file] = await readdir(out);
    expect(file).toMatch(/^repro-retry-after-respected-\d+\.yaml$/);
    const repro = join(out, file!);
    const text = await readFile(repro, 'utf8');
    expect(text.split('\n')[1]).toBe(`#   npx faultline run ${repro} --defect ignore-retry-after`);
    const doc = parse(text) as { faults: unknown[]; seed: number };
    expect(doc.faults.length).toBeGreaterThanOrEqual(1);
    expect(doc.faults.length).toBeLessThanOrEqual(3);

    const replay = await faultline(['run', repro, '--defect', 'ignore-retry-after', '--out', join(out, 'replay'), '--format', 'json']);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('not holding: retry-after-respected=fail');
    const fixed = await faultline(['run', repro, '--out', join(out, 'fixed'), '--format', 'json']);
    expect(fixed.code).toBe(0);
  }, 300_000);

  it('exits 0 when nothing breaks within the runs, and 2 on usage errors', async () => {
    const out = await mkdtemp(join(tmpdir(), 'faultline-explore-'));
    const r = await faultline(['explore', BASELINE, '--runs', '2', '--seed', '5', '--max-faults', '1', '--out', out], { timeoutMs: 120_000 });
    await writeFile(join(out, 'repro-none.yaml'), 'a file, not a directory');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No violation in 2 run(s)');
    expect((await faultline(['explore', BASELINE, '--runs', '0'])).code).toBe(2);
    expect((await faultline(['explore', 'test/harness/fixtures/bad-scenario.yaml'])).code).toBe(2);
    // Refused before the search: a search that has run must not be lost to its --out.
    const blocked = await faultline(['explore', BASELINE, '--out', join(out, 'repro-none.yaml', 'sub')]);
    expect(blocked.code).toBe(2);
    expect(blocked.stdout).toBe('');
  }, 180_000);

  it('finds and shrinks to the same failure with two worker processes as with one (the lowest-numbered failing run wins; shrink candidates start early)', async () => {
    const scenario = loadScenario(BASELINE);
    // Seed 1 first fails at run 3: with two processes, runs 3 and 4 are in flight together.
    const search = async (jobs: number) => {
      const runs: string[] = [];
      const options: ExploreOptions = { runs: 6, seed: 1, maxFaults: 2, defects: ['ignore-retry-after'], shrinkBudget: 4, jobs, onRun: (r) => void runs.push(`${r.phase} ${r.index} ${JSON.stringify(r.faults)} ${r.worldSeed} ${r.failed.join(',')}`) };
      return { outcome: await explore(scenario, options), runs };
    };
    const one = await search(1);
    const two = await search(2);
    expect(one.outcome.found && one.outcome.runs).toBe(3);
    expect(one.runs.slice(0, 3).map((r) => r.split(' ')[0])).toEqual(['search', 'search', 'search']);
    expect(one.runs.length).toBe(3 + 4);
    expect(two.runs).toEqual(one.runs);
    expect(JSON.stringify(two.outcome)).toBe(JSON.stringify(one.outcome));
  }, 240_000);
});
