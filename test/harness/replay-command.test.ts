import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand, shellQuote } from '../../harness/run/replay-command.ts';
import { faultline } from '../cli/helpers.ts';

describe('the replay command', () => {
  it('quotes what a shell would split or expand, and reads back as the same words', () => {
    expect(runCommand('scenarios/baseline-steady-state.yaml', ['stale-atp'], 7)).toBe('npx faultline run scenarios/baseline-steady-state.yaml --seed 7 --defect stale-atp');
    const file = "/tmp/my dir/it's $HOME *.yaml";
    expect(shellQuote(file)).toBe(`'/tmp/my dir/it'\\''s $HOME *.yaml'`);
    expect(execFileSync('sh', ['-c', `printf '%s' ${shellQuote(file)}`], { encoding: 'utf8' })).toBe(file);
  });

  it('two scenario files with the same name in one run are a usage error naming both (results are keyed by it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-ids-'));
    for (const sub of ['a', 'b']) {
      mkdirSync(join(dir, sub));
      copyFileSync('test/harness/fixtures/short-baseline.yaml', join(dir, sub, 'quick.yaml'));
    }
    const r = await faultline(['run', join(dir, 'a/quick.yaml'), join(dir, 'b/quick.yaml'), '--out', join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`"quick": ${join(dir, 'a/quick.yaml')}, ${join(dir, 'b/quick.yaml')}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
