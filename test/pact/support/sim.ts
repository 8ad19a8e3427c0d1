// Starting `faultline sim …` as a user would, for provider verification and the vendor path:
// resolves once it prints its URL; `stop()` ends only this child, by its own handle.
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from '../../cli/helpers.ts';

export interface RunningSim {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startSim(args: string[], env: Record<string, string> = {}): Promise<RunningSim> {
  const child = spawn(process.execPath, [BIN, 'sim', ...args], { cwd: ROOT, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // A served WMS keeps its fulfillment orders' wall-clock timers after it says "stopped", and so
  // would linger for minutes: once it has said so (or after 5 s), it is killed.
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const poll = setInterval(() => {
      if (/stopped \(SIGTERM\)/.test(out)) child.kill('SIGKILL');
    }, 50);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearInterval(poll);
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`faultline sim ${args.join(' ')} printed no listening line within 30 s:\n${out}`));
    }, 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[0-9.:]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, output: () => out, stop });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`faultline sim ${args.join(' ')} exited ${code} before listening:\n${out}`));
    });
  });
}
