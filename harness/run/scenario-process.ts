/**
 * Scenario runs in worker processes, for `faultline run --jobs N` (a scenario file per task) and
 * `faultline explore --jobs N` (the explored scenario with a generated fault plan and world seed
 * per task). A worker stays up for many tasks, so a run pays no start-up (module loading, schema
 * compilation) and finds the JIT warm. A run depends only on its task, so a result from a worker
 * is the one the parent would have computed (tests compare the bytes of result.json and explore's
 * outcome).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DefectName } from '../../reference-impl/defects.ts';
import type { ScenarioResult } from '../../reports/result.ts';
import { parseSource } from '../../runtime/files/yaml-source.ts';
import type { FaultSpec } from '../../simulators/faults/kinds.ts';
import { runWithPlan } from '../explore/run-with-plan.ts';
import { loadScenario, scenarioFromSource } from '../scenario/load.ts';
import type { Scenario } from '../scenario/model.ts';
import { runScenario } from './run-scenario.ts';

export type Task =
  /** A scenario file as written, with this seed. */
  | { kind: 'file'; file: string; seed: number; defects: DefectName[]; violations: number | 'all' }
  /** A scenario (`file` and its `raw` mapping) with a generated fault plan and world seed. */
  | { kind: 'plan'; file: string; raw: Record<string, unknown>; faults: FaultSpec[]; worldSeed: number; defects: DefectName[] };

type OnStart = (settings: Record<string, string | number | boolean>, replay: string) => void;
type Message = { kind: 'start'; settings: Record<string, string | number | boolean>; replay: string } | { kind: 'result'; result: ScenarioResult } | { kind: 'error'; message: string };

const TSNODE = fileURLToPath(new URL('../../bin/tsnode.js', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

const label = (task: Task): string => (task.kind === 'file' ? task.file : `${task.file} (world seed ${task.worldSeed})`);

/** One worker process; one task at a time. */
class ScenarioProcess {
  private readonly child: ChildProcess;
  private current: { task: Task; resolve: (r: ScenarioResult) => void; reject: (e: Error) => void; onStart?: OnStart | undefined } | undefined;
  exited = false;

  constructor() {
    this.child = spawn(process.execPath, [TSNODE, SELF, '--scenario-worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: Message) => {
      const current = this.current;
      if (!current) return;
      if (m.kind === 'start') return current.onStart?.(m.settings, m.replay);
      this.current = undefined;
      if (m.kind === 'result') current.resolve(m.result);
      else current.reject(new Error(`${label(current.task)}: ${m.message}`));
    });
    this.child.on('error', (error) => this.fail(error));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.fail(new Error(`the worker process ended (${signal ?? `exit ${code}`}) without a result`));
    });
  }

  run(task: Task, onStart?: OnStart): Promise<ScenarioResult> {
    return new Promise((resolve, reject) => {
      this.current = { task, resolve, reject, onStart };
      this.child.send(task);
    });
  }

  close(): void {
    if (!this.exited && this.child.connected) this.child.disconnect();
  }

  private fail(error: Error): void {
    const current = this.current;
    this.current = undefined;
    current?.reject(new Error(`${label(current.task)}: ${error.message}`));
  }
}

/** At most `size` worker processes, started as tasks need them and kept until `close`. */
export class ScenarioPool {
  private readonly idle: ScenarioProcess[] = [];
  private readonly waiting: Array<(p: ScenarioProcess) => void> = [];
  private readonly all = new Set<ScenarioProcess>();

  constructor(private readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`a pool needs at least one process, got ${size}`);
  }

  async run(task: Task, onStart?: OnStart): Promise<ScenarioResult> {
    const worker = await this.acquire();
    try {
      return await worker.run(task, onStart);
    } finally {
      this.release(worker);
    }
  }

  /** Ends every worker (each exits once its IPC channel closes). */
  close(): void {
    for (const worker of this.all) worker.close();
    this.all.clear();
    this.idle.length = 0;
  }

  private acquire(): Promise<ScenarioProcess> {
    const ready = this.idle.pop();
    if (ready) return Promise.resolve(ready);
    if (this.all.size < this.size) {
      const worker = new ScenarioProcess();
      this.all.add(worker);
      return Promise.resolve(worker);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: ScenarioProcess): void {
    if (worker.exited) {
      // A dead worker is replaced by the next task that needs one.
      this.all.delete(worker);
      const next = this.waiting.shift();
      if (next) void this.acquire().then(next);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }
}

/** The worker's side: the scenario of a `plan` task, built once per distinct scenario. */
let cached: { key: string; scenario: Scenario } | undefined;
function scenarioOf(task: Extract<Task, { kind: 'plan' }>): Scenario {
  const key = `${task.file}\n${JSON.stringify(task.raw)}`;
  // JSON is YAML: the mapping is checked and normalised exactly as the file was.
  if (cached?.key !== key) cached = { key, scenario: scenarioFromSource(parseSource(JSON.stringify(task.raw), task.file)) };
  return cached.scenario;
}

if (process.argv.includes('--scenario-worker') && process.send) {
  const send = (m: Message): Promise<void> => new Promise((done) => process.send!(m, undefined, undefined, () => done()));
  process.on('message', (task: Task) => {
    void (async () => {
      try {
        const result =
          task.kind === 'file'
            ? await runScenario(loadScenario(task.file), { seed: task.seed, defects: task.defects, violations: task.violations === 'all' ? Infinity : task.violations, onStart: (settings, replay) => void send({ kind: 'start', settings, replay }) })
            : await runWithPlan(scenarioOf(task), task.faults, task.worldSeed, task.defects);
        await send({ kind: 'result', result });
      } catch (error) {
        await send({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })();
  });
  // The parent closes the channel when it needs no more runs.
  process.on('disconnect', () => process.exit(0));
}
