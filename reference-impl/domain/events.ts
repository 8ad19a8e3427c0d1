/** Canonical CloudEvents (contracts/events) and the bus channel each type travels on. */
import { cloudEventTypes, type CanonicalEventMap, type CanonicalEventType } from '../../contracts/generated/events/index.ts';

export type { CanonicalEventType } from '../../contracts/generated/events/index.ts';
export type EventData<T extends CanonicalEventType> = CanonicalEventMap[T]['data'];

export const EVENT_CHANNEL: Record<CanonicalEventType, string> = {
  'order.accepted': 'orders',
  'order.posted': 'orders',
  'inventory.adjusted': 'inventory',
  'inventory.reserved': 'inventory',
  'inventory.released': 'inventory',
  'shipment.dispatched': 'shipments',
  'shipment.delivered': 'shipments',
  'invoice.posted': 'invoices',
  'return.received': 'returns',
  'credit.released': 'returns',
  'exception.raised': 'exceptions',
};

/** An event ready for the event outbox: its envelope serialized once. */
export interface OutgoingEvent {
  id: string;
  type: CanonicalEventType;
  channel: string;
  subject: string;
  traceparent?: string;
  body: string;
}

export function cloudEvent<T extends CanonicalEventType>(
  type: T,
  fields: { id: string; source: string; time: string; subject: string; traceparent?: string | undefined },
  data: EventData<T>,
): OutgoingEvent {
  const envelope: Record<string, unknown> = {
    specversion: '1.0',
    id: fields.id,
    source: fields.source,
    type: cloudEventTypes[type],
    time: fields.time,
    subject: fields.subject,
    datacontenttype: 'application/json',
  };
  if (fields.traceparent) envelope.traceparent = fields.traceparent;
  envelope.data = data;
  const event: OutgoingEvent = { id: fields.id, type, channel: EVENT_CHANNEL[type], subject: fields.subject, body: JSON.stringify(envelope) };
  if (fields.traceparent) event.traceparent = fields.traceparent;
  return event;
}

/** `BRG-6204@DC-EAST`. */
export const inventoryKey = (sku: string, dc: string): string => `${sku}@${dc}`;
