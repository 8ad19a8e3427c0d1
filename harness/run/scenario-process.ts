/**
 * One scenario in its own process, for `faultline run --jobs N`: the child loads the scenario file
 * itself, runs it and sends its result back over IPC. A run depends only on the scenario, the seed
 * and the defects, so a result from a child is the one the parent would have computed (a test
 * compares the bytes of result.json).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DefectName } from '../../reference-impl/defects.ts';
import type { ScenarioResult } from '../../reports/result.ts';
import { loadScenario } from '../scenario/load.ts';
import { runScenario } from './run-scenario.ts';

interface Task {
  file: string;
  seed: number;
  defects: DefectName[];
}

type Message = { kind: 'start'; settings: Record<string, string | number | boolean>; replay: string } | { kind: 'result'; result: ScenarioResult } | { kind: 'error'; message: string };

const TSNODE = fileURLToPath(new URL('../../bin/tsnode.js', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

/** Runs the scenario in `file` in a child process; `onStart` gets what `runScenario`'s onStart gets. */
export function runInChildProcess(task: Task, onStart: (settings: Record<string, string | number | boolean>, replay: string) => void): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSNODE, SELF, '--scenario-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    child.on('message', (m: Message) => {
      if (m.kind === 'start') onStart(m.settings, m.replay);
      else if (m.kind === 'result') {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        reject(new Error(`${task.file}: ${m.message}`));
      }
    });
    child.on('error', (error) => reject(error));
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`the process running ${task.file} ended (${signal ?? `exit ${code}`}) without a result`));
    });
    child.send(task);
  });
}

if (process.argv.includes('--scenario-child') && process.send) {
  const send = (m: Message): Promise<void> => new Promise((done) => process.send!(m, undefined, undefined, () => done()));
  process.once('message', (task: Task) => {
    void (async () => {
      try {
        const scenario = loadScenario(task.file);
        const result = await runScenario(scenario, { seed: task.seed, defects: task.defects, onStart: (settings, replay) => void send({ kind: 'start', settings, replay }) });
        await send({ kind: 'result', result });
      } catch (error) {
        await send({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
      process.disconnect();
    })();
  });
}
