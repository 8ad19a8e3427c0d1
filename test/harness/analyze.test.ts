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

  it('refuses a file that is not a result with the place of the problem, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-analyze-'));
    const broken = { ...passingResult(), verdict: 'maybe' };
    await writeFile(join(dir, 'result.json'), JSON.stringify(broken, null, 2), 'utf8');
    const r = await faultline(['analyze', join(dir, 'result.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/result\.json:\d+:\d+: \/verdict must be equal to one of the allowed values/);
    expect((await faultline(['analyze', join(dir, 'nope.json')])).code).toBe(2);
  });
});
