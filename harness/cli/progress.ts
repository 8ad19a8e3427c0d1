import cliProgress from 'cli-progress';

export interface ProgressEvent {
  scenario: string;
  virtualMs: number;
  totalMs: number;
  orders: number;
  phase: 'faults' | 'drain';
}

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/** A progress bar on a terminal (scenario, virtual time, orders); nothing in CI, where plain lines are printed instead. */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  constructor(private readonly enabled: boolean) {}

  start(scenario: string, totalMs: number): void {
    if (!this.enabled) return;
    this.bar = new cliProgress.SingleBar(
      { format: '{scenario} [{bar}] {phase} {virtual} virtual · {orders} orders', hideCursor: true, clearOnComplete: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(totalMs, 0, { scenario, phase: 'faults', virtual: clock(0), orders: 0 });
  }

  update(e: ProgressEvent): void {
    this.bar?.setTotal(e.totalMs);
    this.bar?.update(Math.min(e.virtualMs, e.totalMs), { scenario: e.scenario, phase: e.phase, virtual: clock(e.virtualMs), orders: e.orders });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
