import type { EventData } from '../domain/events.ts';
import type { OrderRecord } from './orders.ts';

/** `order.accepted` data of an order (at intake, and again when a deferred validation accepts it). */
export function orderAcceptedData(order: Pick<OrderRecord, 'id' | 'channel' | 'customerId' | 'dc' | 'doc'>, status: 'accepted' | 'pending_validation'): EventData<'order.accepted'> {
  const data: EventData<'order.accepted'> = {
    orderId: order.id,
    channel: order.channel,
    customerId: order.customerId,
    status,
    distributionCenter: order.dc,
    lines: order.doc.lines.map((l) => ({ lineNumber: l.lineNumber, sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice })) as EventData<'order.accepted'>['lines'],
    totals: order.doc.totals,
  };
  if (order.doc.externalOrderRef) data.channelOrderRef = order.doc.externalOrderRef;
  return data;
}
