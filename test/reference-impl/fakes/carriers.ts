// SwiftShip and Pelican Freight, small and stateful, over their real contracts. Tracking goes out
// on the bus as docs/world.md says (Swift one event per message, Pelican batches).
import type { Bus, Clock, Random } from '../../../runtime/ports.ts';
import { json } from '../../../runtime/http/problem.ts';
import { contractServer } from './contract-server.ts';
import type { operations as SwiftOps } from '../../../contracts/generated/openapi/carrier-swift.ts';
import type { operations as PelicanOps } from '../../../contracts/generated/openapi/carrier-pelican.ts';

export type SwiftStatus = 'LABEL_CREATED' | 'PICKED_UP' | 'IN_TRANSIT' | 'OUT_FOR_DELIVERY' | 'DELIVERED' | 'EXCEPTION';
export type PelicanCode = 'LC' | 'PU' | 'AR' | 'DP' | 'OD' | 'DL' | 'EX';

const SWIFT_TO_PELICAN: Record<SwiftStatus, PelicanCode> = { LABEL_CREATED: 'LC', PICKED_UP: 'PU', IN_TRANSIT: 'AR', OUT_FOR_DELIVERY: 'OD', DELIVERED: 'DL', EXCEPTION: 'EX' };

export class FakeCarriers {
  /** Tracking number → who sold it and for what reference. */
  readonly labels = new Map<string, { carrier: 'carrier-swift' | 'carrier-pelican'; reference: string; labelId: string }>();

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly bus: Bus,
  ) {}

  private chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.random.int(0, alphabet.length - 1)];
    return s;
  }

  labelsFor(reference: string): string[] {
    return [...this.labels].filter(([, l]) => l.reference === reference).map(([t]) => t);
  }

  /** Pushes one tracking event for a label (in its carrier's format); returns the payload. */
  async track(trackingNumber: string, status: SwiftStatus, at = this.clock.now()): Promise<Record<string, unknown>> {
    const label = this.labels.get(trackingNumber);
    if (!label) throw new Error(`no label ${trackingNumber}`);
    if (label.carrier === 'carrier-swift') {
      const event = { eventId: this.random.uuid(), trackingNumber, status, occurredAt: new Date(at).toISOString() };
      await this.publishSwift(event);
      return event;
    }
    const batch = { batch_id: `bat_${this.chars('abcdefghijklmnopqrstuvwxyz0123456789', 16)}`, sent_ms: this.clock.now(), events: [{ event_uid: `pev_${this.chars('abcdefghijklmnopqrstuvwxyz0123456789', 16)}`, tracking_code: trackingNumber, code: SWIFT_TO_PELICAN[status], ts_ms: at }] };
    await this.publishPelican(batch);
    return batch;
  }

  async publishSwift(event: { eventId: string; trackingNumber: string }): Promise<void> {
    await this.bus.publish({ id: event.eventId, channel: 'carrier.tracking', key: event.trackingNumber, headers: { source: 'carrier-swift', 'content-type': 'application/json' }, body: JSON.stringify(event) });
  }

  async publishPelican(batch: { batch_id: string }): Promise<void> {
    await this.bus.publish({ id: batch.batch_id, channel: 'carrier.tracking', key: batch.batch_id, headers: { source: 'carrier-pelican', 'content-type': 'application/json' }, body: JSON.stringify(batch) });
  }

  readonly swift = contractServer<SwiftOps>('carrier-swift', {
    createShipment: async ({ body }) => {
      const trackingNumber = `SW${this.chars('0123456789', 10)}`;
      const shipmentId = `shp_${this.chars('abcdefghijkmnopqrstuvwxyzABCDEFGH', 12)}`;
      this.labels.set(trackingNumber, { carrier: 'carrier-swift', reference: body.reference, labelId: shipmentId });
      return json(201, { shipmentId, trackingNumber, serviceCode: body.serviceCode, labelFormat: 'PDF', labelData: 'JVBERi0xLjcK', createdAt: new Date(this.clock.now()).toISOString() });
    },
  });

  readonly pelican = contractServer<PelicanOps>('carrier-pelican', {
    createLabel: async ({ body }) => {
      const trackingCode = `PLC-${this.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 12)}`;
      const labelId = `lbl_${this.chars('abcdefghijklmnopqrstuvwxyz0123456789', 16)}`;
      this.labels.set(trackingCode, { carrier: 'carrier-pelican', reference: body.client_reference, labelId });
      return json(201, { label_id: labelId, tracking_code: trackingCode, label_format: 'ZPL', label_data: '^XA^XZ', created_ms: this.clock.now() });
    },
  });
}
