import type { DefectName } from '../../reference-impl/defects.ts';
import type { InvariantId } from '../invariants/checker.ts';

/**
 * What each known defect of the reference implementation must break, and the catalog scenarios
 * most likely to show it (tried first). The proof that the harness catches bugs is that each
 * defect makes one of its expected invariants fail.
 */
export const DEFECT_EXPECTATIONS: Record<DefectName, { invariants: InvariantId[]; scenarios: string[] }> = {
  'no-idempotency': { invariants: ['no-duplicate-erp-postings', 'no-lost-orders'], scenarios: ['lost-acks', 'marketplace-channel-onboarding'] },
  'ack-before-commit': { invariants: ['no-lost-orders'], scenarios: ['crash-during-peak'] },
  'no-event-dedup': { invariants: ['no-duplicate-erp-postings', 'invoice-for-every-shipment', 'shipment-status-monotonic'], scenarios: ['duplicate-shipment-events'] },
  'ignore-retry-after': { invariants: ['retry-after-respected'], scenarios: ['erp-maintenance-window', 'carrier-throttling', 'partner-api-throttling'] },
  'no-reconciliation': { invariants: ['inventory-converges'], scenarios: ['delayed-warehouse-updates'] },
  'stale-atp': { invariants: ['no-oversell'], scenarios: ['peak-inventory-lag'] },
  'drop-after-retries': { invariants: ['no-lost-orders', 'exceptions-replayable'], scenarios: ['erp-maintenance-window', 'lost-acks'] },
  'non-monotonic-status': { invariants: ['shipment-status-monotonic'], scenarios: ['duplicate-shipment-events'] },
};
