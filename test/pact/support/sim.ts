// Starting `faultline sim …` or `faultline serve …` as a user would, for provider verification and the vendor path:
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
  return startFaultline(['sim', ...args], env, /listening on (http:\/\/[0-9.:]+)/);
}

/** `faultline serve …` (the reference integration layer), ready once its banner is complete. */
export function startServe(args: string[], env: Record<string, string> = {}): Promise<RunningSim> {
  return startFaultline(['serve', ...args], env, /integration layer on (http:\/\/[0-9.:]+)[\s\S]*Stop with Ctrl-C\./);
}

function startFaultline(args: string[], env: Record<string, string>, ready: RegExp): Promise<RunningSim> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
      reject(new Error(`faultline ${args.join(' ')} printed no listening line within 30 s:\n${out}`));
    }, 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, output: () => out, stop });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`faultline ${args.join(' ')} exited ${code} before listening:\n${out}`));
    });
  });
}
