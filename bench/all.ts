/**
 * npm run bench — every `bench/*.bench.ts`, one after the other, each in its own process (so one
 * bench's servers and garbage never skew the next). Exit code: the first non-zero one, else 0.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const TSNODE = fileURLToPath(new URL('../bin/tsnode.js', import.meta.url));

const files = readdirSync(BENCH)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();

const results: Array<{ file: string; code: number; seconds: number }> = [];
let interrupted: NodeJS.Signals | undefined;
for (const file of files) {
  if (interrupted) break; // Ctrl-C stops the whole run, not just the current bench
  process.stdout.write(`\n=== ${file} ===\n`);
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [TSNODE, BENCH + file], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      interrupted = signal;
      child.kill(signal);
    };
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('exit', (c, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(c ?? (signal ? 128 : 1));
    });
  });
  results.push({ file, code, seconds: Math.round((Date.now() - started) / 1000) });
}

process.stdout.write('\n=== benches ===\n');
for (const r of results) process.stdout.write(`  ${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.file} (${r.seconds} s)${r.code === 0 ? '' : ` exit ${r.code}`}\n`);
if (interrupted) process.stdout.write(`  interrupted (${interrupted}); ${files.length - results.length} not run\n`);
if (results.length === 0 && !interrupted) process.stdout.write('  no bench/*.bench.ts found\n');
process.exitCode = results.find((r) => r.code !== 0)?.code ?? (interrupted ? 130 : 0);
