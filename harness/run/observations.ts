import type { CarrierTruth } from '../../simulators/carriers/index.ts';
import type { ErpTruth } from '../../simulators/erp/index.ts';
import type { WmsTruth } from '../../simulators/wms/index.ts';
import type { Scenario } from '../scenario/model.ts';
import type { Recorder } from '../world/recorder.ts';
import type { FinalViews } from './final-views.ts';

/** An order as the layer shows it to channels (commerce.yaml `Order`, the parts checkers read). */
export interface OrderView {
  orderId: string;
  status: string;
  distributionCenter?: string;
  erp?: { salesOrderNumber?: string };
  shipments: Array<{ shipmentId: string; status: string; trackingNumber?: string }>;
  invoice?: { invoiceNumber: string };
  rejection?: { reason: string; detail?: string };
  timeline: Array<{ at: string; status: string; detail?: string }>;
}

export interface ExceptionView {
  exceptionId: string;
  system: string;
  operation: string;
  reason: string;
  attempts: number;
  traceId: string;
  status: string;
  payload: Record<string, unknown>;
  replayCount: number;
}

export interface AvailabilitySample {
  /** ms since scenario start. */
  at: number;
  total: number;
  matches: number;
  /** A few mismatching positions, for anomalies. */
  mismatches: Array<{ sku: string; dc: string; layer: number; truth: number }>;
}

/** Everything the checkers read, gathered once the world has drained. */
export interface Observations {
  scenario: Scenario;
  /** Replay command of this run. */
  replay: string;
  /** Absolute clock reading at scenario time 0. */
  epoch: number;
  /** When the faults were healed and the drain began (ms since start). */
  healAtMs: number;
  /** When the run stopped (ms since start). */
  endMs: number;
  /** Whether the world settled before the drain bound. */
  converged: boolean;
  /** When the drain bound passed first: what still moved then. */
  stillMoving?: string;
  recorder: Recorder;
  /** Final state of every acknowledged order, by id; null: the layer does not know it (404). */
  finalOrders: FinalViews;
  exceptions: ExceptionView[];
  erp: ErpTruth;
  wms: Map<string, WmsTruth>;
  carriers: Map<string, CarrierTruth>;
  availability: AvailabilitySample[];
  /** Layer crashes carried out. */
  crashes: number;
}
