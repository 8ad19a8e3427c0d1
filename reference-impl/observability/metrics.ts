import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The layer's Prometheus instruments on a registry of its own (two layers in one process never
 * share counters). Durations are measured on the Clock port, so simulated runs report simulated
 * latency.
 */
export class LayerMetrics {
  readonly registry = new Registry();
  readonly ordersReceived = new Counter({ name: 'faultline_orders_received_total', help: 'Orders received, by channel and acknowledged status.', labelNames: ['channel', 'status'] as const, registers: [this.registry] });
  readonly ordersRejected = new Counter({ name: 'faultline_orders_rejected_total', help: 'Orders refused at intake (4xx), by problem type.', labelNames: ['type'] as const, registers: [this.registry] });
  readonly ordersShed = new Counter({ name: 'faultline_orders_shed_total', help: 'Orders answered 503 at intake because the intake in-flight bound was reached.', registers: [this.registry] });
  readonly requestDuration = new Histogram({
    name: 'faultline_http_request_duration_seconds',
    help: 'Latency of the commerce API, by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly orderToPosted = new Histogram({
    name: 'faultline_order_to_posted_seconds',
    help: 'Time from acceptance to booking in the ERP.',
    buckets: [0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 14400],
    registers: [this.registry],
  });
  readonly retries = new Counter({ name: 'faultline_downstream_retries_total', help: 'Retries scheduled, by downstream system.', labelNames: ['system'] as const, registers: [this.registry] });
  readonly downstreamCalls = new Counter({ name: 'faultline_downstream_calls_total', help: 'Calls to downstream systems, by system and outcome.', labelNames: ['system', 'outcome'] as const, registers: [this.registry] });
  readonly exceptionsRaised = new Counter({ name: 'faultline_exceptions_raised_total', help: 'Transactions parked in the exception queue, by system.', labelNames: ['system'] as const, registers: [this.registry] });
  readonly exceptionsOpen = new Gauge({ name: 'faultline_exceptions_open', help: 'Open entries in the exception queue.', registers: [this.registry] });
  readonly outboxBacklog = new Gauge({ name: 'faultline_outbox_backlog', help: 'Outbox messages not yet delivered.', registers: [this.registry] });
  readonly circuitState = new Gauge({ name: 'faultline_circuit_state', help: 'Circuit breaker state per downstream system (0 closed, 1 half_open, 2 open).', labelNames: ['system'] as const, registers: [this.registry] });
  readonly dedupHits = new Counter({ name: 'faultline_dedup_hits_total', help: 'Inbound events recognised as duplicates, by channel.', labelNames: ['channel'] as const, registers: [this.registry] });
}
