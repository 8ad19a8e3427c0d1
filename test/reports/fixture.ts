import { RESULT_SCHEMA, type RunResult, type ScenarioResult } from '../../reports/result.ts';

const base = (id: string): ScenarioResult => ({
  id,
  file: `scenarios/${id}.yaml`,
  title: id,
  description: 'The ERP goes down for 30 minutes during the afternoon peak.',
  seed: 7,
  defects: [],
  replay: `npx faultline run scenarios/${id}.yaml --seed 7`,
  verdict: 'pass',
  settings: { seed: 7, orders_per_second: 1 },
  invariants: [
    { id: 'no-lost-orders', status: 'pass', summary: '120 acknowledged orders all booked once', anomalyTypes: [], anomalyCount: 0, anomalies: [] },
    { id: 'no-oversell', status: 'pass', summary: 'no reservation exceeded stock', anomalyTypes: [], anomalyCount: 0, anomalies: [] },
  ],
  slos: [{ id: 'order_ack_p99_ms', expression: 'order_ack_p99_ms < 300', status: 'pass', observed: 120, threshold: 300, comparator: '<', unit: 'ms' }],
  faults: [{ id: 'erp-down', kind: 'downtime', target: 'erp', fromMs: 1_800_000, toMs: 3_600_000, fired: 340, recoveryMs: 95_000 }],
  counts: { ordersSubmitted: 125, ordersAcknowledged: 120, ordersRejected: 5, rejectionsByReason: { 'credit-refused': 2, 'insufficient<stock>': 3 }, ordersCancelled: 2, ordersBooked: 118, ordersShipped: 110, ordersDelivered: 100, ordersInvoiced: 110, returns: 3, clientRetries: 4, doubleSubmissions: 2, exceptionsRaised: 1, exceptionsReplayed: 1 },
  metrics: {
    orderAckLatencyMs: { count: 125, p50: 40, p90: 80, p99: 120, max: 800 },
    erpPostingLagMs: { count: 118, p50: 200, p90: 900_000, p99: 1_700_000, max: 1_800_000 },
    invoiceDelayMs: { count: 110, p50: 1000, p90: 3000, p99: 9000, max: 12_000 },
    inventoryAccuracy: 0.998,
    exceptionRate: 0.008,
    technical: { retries: 40, throttled429: 0, unavailable503: 340, circuitOpens: 3, maxExceptionQueueDepth: 1, maxOutboxBacklog: 60, reconciliationDriftUnits: 0 },
  },
  timeseries: { intervalMs: 600_000, t: [0, 600_000, 1_200_000, 1_800_000], series: { ordersAcknowledged: [10, 12, 9, 11], outboxBacklog: [0, 0, 30, 5] } },
  virtualDurationMs: 7_200_000,
});

export function passingResult(): RunResult {
  return { schema: RESULT_SCHEMA, faultline: { version: '0.1.0' }, contracts: { 'contracts/openapi/erp.yaml': 'sha256:' + 'ab'.repeat(32) }, verdict: 'pass', scenarios: [base('erp-maintenance-window')] };
}

export function failingResult(): RunResult {
  const s = base('duplicate-shipment-events');
  s.verdict = 'fail';
  s.defects = ['no-event-dedup'];
  s.replay = 'npx faultline run scenarios/duplicate-shipment-events.yaml --seed 7 --defect no-event-dedup';
  s.invariants[0] = {
    id: 'no-lost-orders',
    status: 'fail',
    summary: '1 of 120 acknowledged orders lost <&>',
    anomalyTypes: ['lost'],
    anomalyCount: 1,
    anomalies: [
      {
        type: 'lost',
        message: 'order 5f0c… was acknowledged but never booked',
        subject: { orderId: '5f0c' },
        traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
        at: 3_700_000,
        excerpt: [{ at: 1_000, actor: 'b2b-web', type: 'ok', what: 'createOrder', detail: '202 accepted' }],
      },
    ],
  };
  s.slos.push({ id: 'exception_rate', expression: 'exception_rate < 1%', status: 'unknown', observed: null, threshold: 0.01, comparator: '<', unit: 'ratio', detail: 'no orders' });
  return { ...passingResult(), verdict: 'fail', scenarios: [base('baseline-steady-state'), s] };
}
