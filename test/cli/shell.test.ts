import { describe, expect, it } from 'vitest';
import { faultline } from './helpers.ts';

describe('faultline CLI shell', () => {
  it('--help lists every subcommand and the exit codes', async () => {
    const { code, stdout } = await faultline(['--help']);
    expect(code).toBe(0);
    for (const command of ['run', 'validate', 'explore', 'analyze', 'serve', 'sim', 'proxy', 'verify', 'contracts']) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(stdout).toContain('2   bad input or usage');
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await faultline(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown command prints usage to stderr and exits 2', async () => {
    const { code, stdout, stderr } = await faultline(['nope']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain("unknown command 'nope'");
    expect(stderr).toContain('Usage: faultline');
  });

  it('an unknown flag prints that command\'s usage to stderr and exits 2', async () => {
    const { code, stderr } = await faultline(['validate', '--bogus', 'x']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--bogus'");
    expect(stderr).toContain('Usage: faultline validate');
  });
});
