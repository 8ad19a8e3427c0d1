import { ERP } from '../clients/erp.ts';
import { cancellability, type OrderStatus } from '../domain/order-state.ts';
import { iso, wmsSystem, type LayerContext } from './context.ts';
import type { InventoryService } from './inventory.ts';
import { readOrder, updateOrder } from './orders.ts';

/** The ERP half of a cancellation (after the warehouse's, when there is one). */
export const cancelSalesOrderCommand = (orderId: string, traceId: string) => ({ kind: 'erp.cancelSalesOrder', key: orderId, system: ERP, payload: {}, traceId }) as const;

export type CancelResult = { kind: 'cancelled' } | { kind: 'already-cancelled'; at: string } | { kind: 'not-cancellable'; status: OrderStatus; at: string } | { kind: 'not-found' };

/**
 * Cancellation with compensations: the order is `cancelled` and its reservation released in one
 * transaction; the fulfillment order (if it may have been released) and the ERP sales order (if
 * it may have been booked) are cancelled through the outbox, behind anything still running for
 * the order, and end in the exception queue if they fail.
 *
 * The warehouse goes first and the ERP only after it confirmed: a cancellation can lose the race
 * with the shipment (the WMS kept picking while its API was down), and then the sales order must
 * stay booked so that the goods issue and the invoice of what left can still be posted.
 */
export class CancellationService {
  constructor(
    private readonly ctx: LayerContext,
    private readonly inventory: InventoryService,
  ) {}

  async cancel(orderId: string, reason: string | undefined): Promise<CancelResult> {
    const ctx = this.ctx;
    return ctx.db.write(async (unit) => {
      const order = await readOrder(unit.tx, orderId);
      if (!order) return { kind: 'not-found' } as const;
      const verdict = cancellability(order.status);
      if (verdict === 'already-cancelled') return { kind: 'already-cancelled', at: iso(order.updatedAt) } as const;
      if (verdict === 'not-cancellable') return { kind: 'not-cancellable', status: order.status, at: iso(order.updatedAt) } as const;
      const before = order.status;
      await updateOrder(unit, order, { to: 'cancelled', detail: reason ? `Cancelled: ${reason}` : 'Cancelled by the channel.' });
      await this.inventory.releaseOrder(unit, order.id, 'order_cancelled', order.traceId);
      const cancelSalesOrder = before !== 'pending_validation';
      if (before === 'posted' || before === 'released') {
        await unit.command({ kind: 'wms.cancelFulfillmentOrder', key: order.id, system: wmsSystem(ctx, order.dc), payload: { distributionCenter: order.dc, cancelSalesOrder }, traceId: order.traceId });
      } else if (cancelSalesOrder) {
        await unit.command(cancelSalesOrderCommand(order.id, order.traceId));
      }
      unit.after.push(() => ctx.stats.orders.cancelled++);
      return { kind: 'cancelled' } as const;
    });
  }
}
