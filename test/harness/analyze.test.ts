import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORTERS } from '../../reports/index.ts';
import { faultline } from '../cli/helpers.ts';
import { failingResult, passingResult } from '../reports/fixture.ts';

describe('faultline analyze', () => {
  it('re-renders a stored result and exits with its verdict', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-analyze-'));
    await writeFile(join(dir, 'result.json'), REPORTERS.json.render(failingResult()), 'utf8');
    const r = await faultline(['analyze', join(dir, 'result.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL duplicate-shipment-events: no-lost-orders=fail, exception_rate < 1%=unknown');
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toContain('<testsuites name="faultline" tests="7" failures="1" errors="1">');
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('Release verdict: FAIL');
    await writeFile(join(dir, 'pass.json'), REPORTERS.json.render(passingResult()), 'utf8');
    expect((await faultline(['analyze', join(dir, 'pass.json'), '--out', join(dir, 'pass'), '--format', 'md'])).code).toBe(0);
  });

  it('refuses a result whose verdict contradicts its outcomes (edited after the run), exit 2, instead of passing it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-analyze-'));
    const failing = failingResult();
    const edited = { ...failing, verdict: 'pass', scenarios: failing.scenarios.map((s) => ({ ...s, verdict: 'pass' })) };
    await writeFile(join(dir, 'edited.json'), JSON.stringify(edited, null, 2), 'utf8');
    const r = await faultline(['analyze', join(dir, 'edited.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `faultline: ${join(dir, 'edited.json')}: scenarios[1] (duplicate-shipment-events) has the verdict pass, but its outcomes make it fail (invariant no-lost-orders fail); the file was changed after the run, or written by something else\n`,
    );
    const topOnly = { ...failing, verdict: 'pass' };
    await writeFile(join(dir, 'top.json'), JSON.stringify(topOnly, null, 2), 'utf8');
    expect((await faultline(['analyze', join(dir, 'top.json')])).stderr).toContain('the verdict is pass, but its scenarios make it fail');
    // An SLO's status is re-evaluated from what was observed: an edited figure is caught.
    const passing = passingResult();
    const slo = passing.scenarios[0]!.slos[0]!;
    const tampered = { ...passing, scenarios: [{ ...passing.scenarios[0]!, slos: [{ ...slo, observed: 99_999 }] }] };
    await writeFile(join(dir, 'slo.json'), JSON.stringify(tampered, null, 2), 'utf8');
    const sloRun = await faultline(['analyze', join(dir, 'slo.json')]);
    expect(sloRun.code).toBe(2);
    expect(sloRun.stderr).toContain(`scenarios[0].slos[0] (${passing.scenarios[0]!.id}): "${slo.expression}" with 99999 observed is fail, but the file says pass`);
  });

  it('refuses a file that is not a result with the place of the problem, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-analyze-'));
    const broken = { ...passingResult(), verdict: 'maybe' };
    await writeFile(join(dir, 'result.json'), JSON.stringify(broken, null, 2), 'utf8');
    const r = await faultline(['analyze', join(dir, 'result.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/result\.json:\d+:\d+: \/verdict must be equal to one of the allowed values/);
    expect((await faultline(['analyze', join(dir, 'nope.json')])).code).toBe(2);
    // An unknown member is named, at its key.
    await writeFile(join(dir, 'extra.json'), JSON.stringify({ ...passingResult(), verdikt: 'pass' }, null, 2), 'utf8');
    const extra = await faultline(['analyze', join(dir, 'extra.json')]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/extra\.json:\d+:3: \/verdikt is not a member the schema allows here/);
    await writeFile(join(dir, 'broken.json'), '{ "schema": ', 'utf8');
    expect((await faultline(['analyze', join(dir, 'broken.json')])).stderr).toMatch(/broken\.json:1:\d+: invalid JSON: /);
    await writeFile(join(dir, 'pass.json'), REPORTERS.json.render(passingResult()), 'utf8');
    const blocked = await faultline(['analyze', join(dir, 'pass.json'), '--out', join(dir, 'pass.json')]);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toBe(`faultline: --out ${join(dir, 'pass.json')}: cannot write reports there: a file is in the way (it or a parent is not a directory)\n`);
  });
});
