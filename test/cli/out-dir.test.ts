import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareOutDir } from '../../harness/cli/options.ts';

describe('--out: prepared before any work', () => {
  it('creates missing levels and accepts an existing directory', async () => {
    const base = await mkdtemp(join(tmpdir(), 'faultline-out-'));
    await prepareOutDir(join(base, 'a', 'b', 'c'));
    expect((await stat(join(base, 'a', 'b', 'c'))).isDirectory()).toBe(true);
    await prepareOutDir(join(base, 'a', 'b', 'c'));
  });

  it('refuses a file in the way with a usage error', async () => {
    const base = await mkdtemp(join(tmpdir(), 'faultline-out-'));
    await writeFile(join(base, 'f'), 'x');
    await expect(prepareOutDir(join(base, 'f', 'sub'))).rejects.toThrow(`--out ${join(base, 'f', 'sub')}: cannot write reports there: a file is in the way`);
  });

  // Node's mkdir({ recursive: true }) never settles for such a path: the test times out if it comes back.
  it.runIf(process.platform === 'linux')('refuses a place under /proc instead of hanging', async () => {
    await expect(prepareOutDir('/proc/faultline-out/x')).rejects.toThrow('--out /proc/faultline-out/x: cannot write reports there: no directory can be made there');
  }, 5_000);
});
