// Prism's validation proxy in front of a service: `prism proxy --errors CONTRACT UPSTREAM` on a
// free port of 127.0.0.1. Started with `exec`, so the PID held is Prism's own; `stop()` ends that
// process only.
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from '../cli/helpers.ts';

export interface RunningPrism {
  url: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** Every Prism started in this process and not yet stopped: `stopAll()` ends them (e.g. when a sibling failed to start). */
const started = new Set<() => Promise<void>>();

export async function stopAllPrisms(): Promise<void> {
  await Promise.all([...started].map((stop) => stop()));
}

export function startPrism(contract: string, upstream: string, timeoutMs = 30_000): Promise<RunningPrism> {
  const child: ChildProcess = spawn('sh', ['-c', `exec node_modules/.bin/prism proxy "$0" "$1" --errors -h 127.0.0.1 -p 0 -v info`, contract, upstream], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async (): Promise<void> => {
    started.delete(stop);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  started.add(stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`prism proxy ${contract} did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Prism is listening on (http:\/\/[0-9.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, pid: child.pid!, output: () => out, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`prism proxy ${contract} exited ${code} before listening:\n${out}`));
    });
  });
}
