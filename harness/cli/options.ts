import { access, constants, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './exit-codes.ts';

/** Option values shared by the commands that serve or call HTTP: checked once, same messages. */

export function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--port must be a port number (0 to 65535; 0 picks a free one), got "${text}"`);
  return n;
}

/** `flag` names the option (or environment variable) in the message. */
export function parseUrl(flag: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} must be a URL such as http://127.0.0.1:8080, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http:// or https:// URL, got "${text}"`);
  return url;
}

/**
 * Makes sure the output directory exists and can be written, before any work: a run or search
 * that has finished must not be lost to an `--out` that names a file or a read-only place.
 */
export async function prepareOutDir(dir: string, flag = '--out'): Promise<void> {
  try {
    await makeDirs(resolve(dir));
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way (it or a parent is not a directory)'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'not writable here'
          : code === 'ENOENT'
            ? 'no directory can be made there'
            : ((error as Error).message ?? String(error));
    throw new UsageError(`${flag} ${dir}: cannot write reports there: ${why}`);
  }
}

/**
 * mkdir -p, one level at a time: Node's `recursive: true` never returns for a path under /proc
 * (it retries the ENOENT forever), which would hang a run before its first line.
 */
async function makeDirs(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!(await stat(dir)).isDirectory()) throw error;
      return;
    }
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
    await makeDirs(dirname(dir));
    await mkdir(dir); // once: a parent that exists and still refuses gives its own error
  }
}
