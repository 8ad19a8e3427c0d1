/**
 * The order state machine. Forward progress (`pending_validation` → `accepted` → `posted` →
 * `released` → `shipped` → `delivered`) may skip steps, because events arrive out of order (a
 * carrier's delivery scan can precede the WMS's shipment confirmation) but never goes back;
 * `cancelled` and `rejected` are terminal, with one exception: a cancelled order whose goods left
 * the warehouse before the cancellation reached it moves on to `shipped` / `delivered` (the
 * physical fact wins; the channel sees the cancellation failed, and a return is the way back).
 */

export type OrderStatus = 'pending_validation' | 'accepted' | 'posted' | 'released' | 'shipped' | 'delivered' | 'cancelled' | 'rejected';

export const ORDER_STATUSES: readonly OrderStatus[] = ['pending_validation', 'accepted', 'posted', 'released', 'shipped', 'delivered', 'cancelled', 'rejected'];

const PROGRESS: Record<OrderStatus, number> = {
  pending_validation: 0,
  accepted: 1,
  posted: 2,
  released: 3,
  shipped: 4,
  delivered: 5,
  cancelled: -1,
  rejected: -1,
};

export const isTerminal = (s: OrderStatus): boolean => s === 'cancelled' || s === 'rejected';

/**
 * The status after `to` is applied to an order in `from`, or `undefined` when nothing changes
 * (same status, a step backwards, or a terminal order).
 */
export function transition(from: OrderStatus, to: OrderStatus): OrderStatus | undefined {
  if (from === to) return undefined;
  if (from === 'cancelled' && (to === 'shipped' || to === 'delivered')) return to;
  if (isTerminal(from)) return undefined;
  switch (to) {
    case 'cancelled':
      return cancellability(from) === 'ok' ? to : undefined;
    case 'rejected':
      return from === 'pending_validation' || from === 'accepted' ? to : undefined;
    case 'accepted':
      return from === 'pending_validation' ? to : undefined;
    default:
      return PROGRESS[to] > PROGRESS[from] && from !== 'pending_validation' ? to : undefined;
  }
}

/** Whether `POST /cancel` may cancel an order in this status. */
export function cancellability(s: OrderStatus): 'ok' | 'already-cancelled' | 'not-cancellable' {
  if (s === 'cancelled') return 'already-cancelled';
  if (s === 'shipped' || s === 'delivered' || s === 'rejected') return 'not-cancellable';
  return 'ok';
}

/** Whether a return may be requested (the goods have left). */
export const isShipped = (s: OrderStatus): boolean => s === 'shipped' || s === 'delivered';
