import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BusMessage, HttpResponse } from '../../runtime/ports.ts';
import { json } from '../../runtime/http/problem.ts';
import { toFieldProblems } from '../../runtime/http/contract-validator.ts';
import { tolerantContractValidator } from '../../contracts/load.ts';
import type { SqlValue } from '../ports.ts';
import { problem } from '../api/problems.ts';
import { Partners, type Principal } from '../api/partners.ts';
import type { LayerContext } from './context.ts';

const WMS_EVENTS = {
  'inventory.adjusted': { schema: 'InventoryAdjusted', channel: 'wms.inventory', key: (p: Record<string, unknown>) => `${String(p.sku)}@${String(p.distributionCenter)}` },
  'shipment.confirmed': { schema: 'ShipmentConfirmed', channel: 'wms.shipment', key: (p: Record<string, unknown>) => String(p.fulfillmentOrderId) },
  'return.received': { schema: 'ReturnReceived', channel: 'wms.return', key: (p: Record<string, unknown>) => String(p.returnId) },
} as const;

type WmsEventType = keyof typeof WMS_EVENTS;

/**
 * Inbound webhooks (live mode: simulators or real systems POST their events). Each payload is
 * checked against its sender's contract, stored in the inbox before the 202 (deduplicated on
 * the sender's event id), then published on the bus channel the simulated world uses, so the
 * same consumers handle both modes.
 */
export class WebhookService {
  private readonly validators = new Map<string, ReturnType<typeof tolerantContractValidator>>();

  constructor(private readonly ctx: LayerContext) {}

  private validator(contract: string, schema: string): ReturnType<typeof tolerantContractValidator> {
    const id = `${contract}#${schema}`;
    let v = this.validators.get(id);
    if (!v) this.validators.set(id, (v = tolerantContractValidator(contract, `/components/schemas/${schema}`)));
    return v;
  }

  async receiveWms(principal: Principal, dc: string, headers: Record<string, string>, body: Record<string, unknown>, raw: string, traceId: string, instance: string): Promise<HttpResponse> {
    const source = `wms@${dc}`;
    if (!this.ctx.dcs.has(dc)) return problem(404, 'not-found', 'Distribution center not found', `No distribution center ${dc} is configured.`, { instance, traceId });
    if (!Partners.mayPostFor(principal, source)) return problem(403, 'forbidden', 'Forbidden', `The API key of ${principal.partner} may not post events for ${dc}.`, { instance, traceId });
    const type = headers['x-wms-event-type'] as WmsEventType;
    const spec = WMS_EVENTS[type];
    const validate = this.validator('wms', spec.schema);
    if (!validate(body)) return this.invalid(`wms.yaml webhook ${spec.schema.charAt(0).toLowerCase()}${spec.schema.slice(1)}`, validate.errors, instance, traceId);
    if (body.eventType !== type) return problem(400, 'invalid-request', 'Invalid request', `X-WMS-Event-Type is ${type} but the payload is ${String(body.eventType)}.`, { instance, traceId, errors: [{ pointer: '/eventType', message: `must be ${type}, as X-WMS-Event-Type says` }] });
    if (body.distributionCenter !== dc) return problem(400, 'invalid-request', 'Invalid request', `The payload is from ${String(body.distributionCenter)}, posted for ${dc}.`, { instance, traceId, errors: [{ pointer: '/distributionCenter', message: `must be ${dc}` }] });
    const deliveryId = headers['x-wms-delivery-id'];
    const message: BusMessage = { id: String(body.eventId), channel: spec.channel, key: spec.key(body), headers: { source, 'content-type': 'application/json', 'x-wms-event-type': type }, body: raw };
    const stored = await this.store(source, message);
    if (stored === 'unavailable') return this.unavailable(instance, traceId);
    return json(202, { status: stored === 'new' ? 'accepted' : 'duplicate', ...(deliveryId ? { deliveryId } : {}), events: 1, duplicates: stored === 'new' ? 0 : 1 });
  }

  async receiveCarrier(principal: Principal, carrier: string, headers: Record<string, string>, body: Record<string, unknown>, raw: string, traceId: string, instance: string): Promise<HttpResponse> {
    if (carrier !== 'carrier-swift' && carrier !== 'carrier-pelican') return problem(404, 'not-found', 'Carrier not found', `No carrier ${carrier} is configured.`, { instance, traceId });
    if (!Partners.mayPostFor(principal, carrier)) return problem(403, 'forbidden', 'Forbidden', `The API key of ${principal.partner} may not post events for ${carrier}.`, { instance, traceId });
    if (carrier === 'carrier-swift') {
      const secret = this.ctx.config.webhookSecrets?.['carrier-swift'];
      if (secret !== undefined && !verifySignature(secret, raw, headers['x-swift-signature'])) {
        return problem(401, 'unauthorized', 'Unauthorized', 'X-Swift-Signature does not match the body.', { instance, traceId });
      }
      const validate = this.validator('carrier-swift', 'TrackingEvent');
      if (!validate(body)) return this.invalid('carrier-swift.yaml webhook trackingEvent', validate.errors, instance, traceId);
      const message: BusMessage = { id: String(body.eventId), channel: 'carrier.tracking', key: String(body.trackingNumber), headers: { source: carrier, 'content-type': 'application/json' }, body: raw };
      const stored = await this.store(carrier, message);
      if (stored === 'unavailable') return this.unavailable(instance, traceId);
      return json(202, { status: stored === 'new' ? 'accepted' : 'duplicate', events: 1, duplicates: stored === 'new' ? 0 : 1 });
    }
    const batchHeader = headers['x-pelican-batch'];
    if (batchHeader) {
      const [seen] = await this.ctx.store.query<{ body: SqlValue }>('SELECT body FROM inbox WHERE source = ? AND event_id = ?', [carrier, batchHeader]);
      if (seen) {
        const events = (JSON.parse(String(seen.body)) as { events?: unknown[] }).events?.length ?? 0;
        return json(202, { status: 'duplicate', deliveryId: batchHeader, events, duplicates: events });
      }
    }
    const validate = this.validator('carrier-pelican', 'TrackingBatch');
    if (!validate(body)) return this.invalid('carrier-pelican.yaml webhook trackingBatch', validate.errors, instance, traceId);
    const batchId = String(body.batch_id);
    if (batchHeader && batchHeader !== batchId) return problem(400, 'invalid-request', 'Invalid request', `X-Pelican-Batch is ${batchHeader} but the body is batch ${batchId}.`, { instance, traceId, errors: [{ pointer: '/batch_id', message: `must be ${batchHeader}, as X-Pelican-Batch says` }] });
    const events = body.events as Array<{ event_uid: string }>;
    let duplicates = 0;
    try {
      await this.ctx.store.transaction(async (tx) => {
        duplicates = 0;
        for (const e of events) {
          const n = await tx.execute("INSERT INTO inbox (source, event_id, channel, mkey, headers, body, received_at, published) VALUES (?, ?, 'carrier.tracking', '', '{}', '', ?, 1) ON CONFLICT (source, event_id) DO NOTHING", [
            `${carrier}/event`,
            e.event_uid,
            this.ctx.clock.now(),
          ]);
          if (n === 0) duplicates++;
        }
      });
    } catch (error) {
      this.ctx.log.error({ err: error }, 'could not store a Pelican batch');
      return this.unavailable(instance, traceId);
    }
    if (duplicates === events.length) return json(202, { status: 'duplicate', deliveryId: batchId, events: events.length, duplicates });
    const stored = await this.store(carrier, { id: batchId, channel: 'carrier.tracking', key: batchId, headers: { source: carrier, 'content-type': 'application/json' }, body: raw });
    if (stored === 'unavailable') return this.unavailable(instance, traceId);
    return json(202, { status: 'accepted', deliveryId: batchId, events: events.length, duplicates });
  }

  /** Republishes deliveries stored but not yet published (after a restart). */
  async recover(): Promise<void> {
    const rows = await this.ctx.store.query<Record<string, SqlValue>>("SELECT * FROM inbox WHERE published = 0 AND body <> '' ORDER BY received_at");
    for (const r of rows) {
      await this.publish(String(r.source), { id: String(r.event_id), channel: String(r.channel), key: String(r.mkey), headers: JSON.parse(String(r.headers)) as Record<string, string>, body: String(r.body) });
    }
  }

  private async store(source: string, message: BusMessage): Promise<'new' | 'duplicate' | 'unavailable'> {
    try {
      const inserted = await this.ctx.store.execute('INSERT INTO inbox (source, event_id, channel, mkey, headers, body, received_at, published) VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (source, event_id) DO NOTHING', [
        source,
        message.id,
        message.channel,
        message.key,
        JSON.stringify(message.headers),
        message.body,
        this.ctx.clock.now(),
      ]);
      if (inserted === 0) {
        this.ctx.stats.dedup.hits++;
        this.ctx.stats.dedup.byChannel[message.channel] = (this.ctx.stats.dedup.byChannel[message.channel] ?? 0) + 1;
        this.ctx.metrics.dedupHits.inc({ channel: message.channel });
        return 'duplicate';
      }
    } catch (error) {
      this.ctx.log.error({ err: error, source }, 'could not store a webhook delivery');
      return 'unavailable';
    }
    await this.publish(source, message);
    return 'new';
  }

  private async publish(source: string, message: BusMessage): Promise<void> {
    try {
      await this.ctx.bus.publish(message);
      await this.ctx.store.execute('UPDATE inbox SET published = 1 WHERE source = ? AND event_id = ?', [source, message.id]);
    } catch (error) {
      // Stored: published again at the next start.
      this.ctx.log.warn({ err: error, source, id: message.id }, 'a stored webhook delivery could not be published yet');
    }
  }

  private invalid(what: string, errors: Parameters<typeof toFieldProblems>[0], instance: string, traceId: string): HttpResponse {
    const fields = toFieldProblems(errors, '');
    return problem(400, 'invalid-request', 'Invalid request', `The payload does not match ${what}: ${fields[0]?.pointer || '/'} ${fields[0]?.message ?? ''}`.trim(), { instance, traceId, errors: fields.map((f) => ({ pointer: f.pointer || '/', message: f.message })) });
  }

  private unavailable(instance: string, traceId: string): HttpResponse {
    return problem(503, 'unavailable', 'Service unavailable', 'The event store is unavailable; the delivery was not stored.', { instance, traceId, headers: { 'retry-after': '1' } });
  }
}

function verifySignature(secret: string, raw: string, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
