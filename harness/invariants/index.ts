import { checkSafe, type CheckResult, type InvariantId } from './checker.ts';
import { CheckContext } from './context.ts';
import { checkExceptionsReplayable } from './exceptions-replayable.ts';
import { checkInventoryConverges } from './inventory-converges.ts';
import { checkInvoiceForEveryShipment } from './invoice-for-every-shipment.ts';
import { checkNoDuplicateErpPostings } from './no-duplicate-erp-postings.ts';
import { checkNoLostOrders } from './no-lost-orders.ts';
import { checkNoOversell } from './no-oversell.ts';
import { checkRetryAfterRespected } from './retry-after-respected.ts';
import { checkShipmentStatusMonotonic } from './shipment-status-monotonic.ts';
import type { Observations } from '../run/observations.ts';

/** Every checker by its stable id (ARCHITECTURE.md's invariants table). */
export const CHECKERS: Record<InvariantId, (ctx: CheckContext) => CheckResult> = {
  'no-lost-orders': checkNoLostOrders,
  'no-duplicate-erp-postings': checkNoDuplicateErpPostings,
  'no-oversell': checkNoOversell,
  'inventory-converges': checkInventoryConverges,
  'exceptions-replayable': checkExceptionsReplayable,
  'shipment-status-monotonic': checkShipmentStatusMonotonic,
  'invoice-for-every-shipment': checkInvoiceForEveryShipment,
  'retry-after-respected': checkRetryAfterRespected,
};

/** Runs the scenario's invariants; a checker that throws is 'unknown', never a pass. */
export function checkInvariants(obs: Observations, ids: readonly InvariantId[]): CheckResult[] {
  const ctx = new CheckContext(obs);
  return ids.map((id) => checkSafe(id, () => CHECKERS[id](ctx)));
}
