import type { Bus, Clock, Random, Transport } from '../../runtime/ports.ts';
import { isoTime } from '../../runtime/clock/iso.ts';
import type { Store } from '../ports.ts';
import type { DistributionCenterConfig, LayerConfig } from '../config.ts';
import type { DefectSwitches } from '../defects.ts';
import { cloudEvent, type CanonicalEventType, type EventData } from '../domain/events.ts';
import type { ErpClient } from '../clients/erp.ts';
import type { WmsClient } from '../clients/wms.ts';
import type { CarrierClients } from '../clients/carriers.ts';
import type { SystemLane } from '../resilience/lane.ts';
import type { Logger } from '../observability/logger.ts';
import type { LayerMetrics } from '../observability/metrics.ts';
import type { MutableStats } from '../observability/stats.ts';
import type { Tracer } from '../observability/trace.ts';
import type { Relay } from './relay.ts';
import type { Db, Unit } from './unit.ts';
import type { OrderCache } from './orders.ts';
import type { ShipmentCache } from './fulfillment.ts';

/** Everything a service needs, built once per layer instance by `createLayer`. */
export interface LayerContext {
  clock: Clock;
  random: Random;
  transport: Transport;
  bus: Bus;
  store: Store;
  config: LayerConfig;
  defects: DefectSwitches;
  log: Logger;
  metrics: LayerMetrics;
  stats: MutableStats;
  tracer: Tracer;
  db: Db;
  relay: Relay;
  lane(system: string): SystemLane;
  erp: ErpClient;
  wms(dc: string): WmsClient;
  carriers: CarrierClients;
  /** Distribution centers by code, in allocation order. */
  dcs: Map<string, DistributionCenterConfig>;
  /** Skus the layer knows (from WMS events, snapshots, the seed) and their stock unit. */
  catalogue: Map<string, string>;
  /** A new canonical event id: this instance's random prefix and a counter (unique, replayable, cheap). */
  eventId(): string;
  /** Orders in flight (read-through; refreshed by committed updates). */
  orders: OrderCache;
  /** Shipments by tracking number (refreshed by committed changes). */
  shipments: ShipmentCache;
  /** False once `stop()` ran: continuations of this instance must not start new work. */
  running(): boolean;
}

/** RFC 3339 (UTC, milliseconds): `new Date(ms).toISOString()`, formatted cheaply. */
export const iso = isoTime;

/**
 * Emits a canonical event in `unit`, with a fresh id, the clock's time and a span of
 * the trace `traceId` (a new trace when the event starts one). (Drawing inside a transaction is fine: only PostgreSQL re-runs one, and
 * PostgreSQL worlds are not seed-replayed.)
 */
export function emit<T extends CanonicalEventType>(ctx: LayerContext, unit: Unit, type: T, subject: string, traceId: string | undefined, data: EventData<T>): void {
  unit.emit(cloudEvent(type, { id: ctx.eventId(), source: ctx.config.eventSource, time: iso(unit.now), subject, traceparent: ctx.tracer.traceparent(traceId ?? ctx.tracer.traceId()) }, data));
}

/** Headers of an outbound call in the trace `traceId`. */
export const traceHeaders = (ctx: LayerContext, traceId: string): Record<string, string> => ({ traceparent: ctx.tracer.traceparent(traceId) });

/** The WMS target of a distribution center. */
export const wmsSystem = (ctx: LayerContext, dc: string): string => ctx.dcs.get(dc)?.wms ?? `wms@${dc}`;
