import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** sha256 of every contract file, keyed by its path relative to the project root (sorted). */
export function contractHashes(): Record<string, string> {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(ya?ml|json)$/.test(e.name)) files.push(path);
    }
  };
  walk(join(ROOT, 'contracts', 'openapi'));
  walk(join(ROOT, 'contracts', 'events'));
  const out: Record<string, string> = {};
  for (const f of files) out[relative(ROOT, f)] = `sha256:${createHash('sha256').update(readFileSync(f)).digest('hex')}`;
  return out;
}
