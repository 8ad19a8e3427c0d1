import type { CompiledFault } from '../../simulators/faults/plan.ts';
import type { InvariantId } from '../invariants/checker.ts';
import type { SloSpec } from '../metrics/slo.ts';

/** A scenario after validation, with every default filled in and durations in milliseconds. */
export interface Scenario {
  /** File name without extension: the scenario's id in results and reports. */
  id: string;
  /** As given on the command line, for replay commands and reports (never absolute unless given so). */
  file: string;
  title: string;
  description: string;
  seed: number;
  durationMs: number;
  drainMs: number;
  sampleEveryMs: number;
  topology: Topology;
  workload: WorkloadSpec;
  /** Passed through to the simulators' options. */
  systems: { erp: Record<string, unknown>; wms: Record<string, unknown>; carriers: Record<string, unknown> };
  /** Passed through to the layer's configuration. */
  layer: Record<string, unknown>;
  faults: CompiledFault[];
  slos: SloSpec[];
  invariants: InvariantId[];
  inventoryConvergenceMs: number;
  /** The scenario as written, for repro files. */
  raw: Record<string, unknown>;
  /** Legal but probably not meant (`file:line:col: …`): validate and run print them. */
  notes: string[];
}

export interface Topology {
  distributionCenters: Array<{ code: string; carrier: 'carrier-swift' | 'carrier-pelican' }>;
  channels: Array<{ name: string; share: number; rateLimit?: { ratePerSecond: number; burst: number } }>;
  skus: { count: number; stock: { min: number; max: number } };
  customers: { count: number; creditLimit: string };
}

export interface WorkloadSpec {
  profile: 'steady' | 'ramp' | 'peak-day';
  ordersPerSecond: number;
  rampFrom: number;
  linesPerOrder: { min: number; max: number };
  quantityPerLine: { min: number; max: number };
  skuSkew: number;
  doubleSubmitShare: number;
  cancelShare: number;
  returnShare: number;
  availabilityReadShare: number;
  clientTimeoutMs: number;
  clientRetries: number;
}
