import type { RunResult } from '../result.ts';

/** What a renderer may know beyond the result: wall-clock figures belong here, never in result.json. */
export interface RenderContext {
  wallMs?: number;
  scenarioWallMs?: Record<string, number>;
}

export interface Reporter {
  /** Name used in `--format`. */
  name: string;
  /** File written in the output directory. */
  file: string;
  render(result: RunResult, ctx: RenderContext): string;
}
