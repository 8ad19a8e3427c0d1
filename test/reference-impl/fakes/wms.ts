// A small stateful WMS for one distribution center, over the real wms.yaml. It publishes its
// webhooks on the bus exactly as docs/world.md says (channel, id, key, headers).
import type { Bus, Clock, Random } from '../../../runtime/ports.ts';
import { json, problem } from '../../../runtime/http/problem.ts';
import { contractServer } from './contract-server.ts';
import type { components, operations } from '../../../contracts/generated/openapi/wms.ts';

type S = components['schemas'];

interface Position {
  uom: S['Uom'];
  onHand: number;
  allocated: number;
  seq: number;
}

export interface FakeWmsOptions {
  /** Ship a released order this long after its release (virtual ms); absent: ship only when told. */
  autoShipAfterMs?: number;
  /** Called when an order ships (the carrier's handover). */
  onShipped?: (order: S['FulfillmentOrderRequest']) => void;
}

export class FakeWms {
  readonly stock = new Map<string, Position>();
  readonly orders = new Map<string, { request: S['FulfillmentOrderRequest']; status: S['FulfillmentOrderStatus']; createdAt: string; shippedAt?: string }>();
  readonly returns = new Map<string, { request: S['ReturnRequest']; status: 'expected' | 'received' }>();
  readonly published: Array<{ channel: string; payload: Record<string, unknown> }> = [];

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly bus: Bus,
    readonly dc: string,
    private readonly options: FakeWmsOptions = {},
  ) {}

  get target(): string {
    return `wms@${this.dc}`;
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** Sets figures silently (as before the world started). */
  setStock(sku: string, onHand: number, uom: S['Uom'] = 'EA', seq = 0): void {
    this.stock.set(sku, { uom, onHand, allocated: this.stock.get(sku)?.allocated ?? 0, seq });
  }

  /** Changes on-hand stock and pushes `inventoryAdjusted` (returned, so a test can redeliver it). */
  async adjust(sku: string, delta: number, reason: S['InventoryAdjusted']['reason'], reference?: string): Promise<S['InventoryAdjusted']> {
    const p = this.stock.get(sku) ?? { uom: 'EA' as const, onHand: 0, allocated: 0, seq: 0 };
    p.onHand += delta;
    p.seq++;
    this.stock.set(sku, p);
    const event: S['InventoryAdjusted'] = { eventId: this.random.uuid(), eventType: 'inventory.adjusted', distributionCenter: this.dc, sku, uom: p.uom, delta, onHand: p.onHand, reason, sequence: p.seq, occurredAt: this.now() };
    if (reference) event.reference = reference;
    await this.publish('wms.inventory', `${sku}@${this.dc}`, event);
    return event;
  }

  async ship(fulfillmentOrderId: string): Promise<S['ShipmentConfirmed']> {
    const order = this.orders.get(fulfillmentOrderId);
    if (!order) throw new Error(`no fulfillment order ${fulfillmentOrderId} at ${this.dc}`);
    order.status = 'shipped';
    order.shippedAt = this.now();
    for (const l of order.request.lines) {
      const p = this.stock.get(l.sku)!;
      p.allocated -= l.quantity.value;
      await this.adjust(l.sku, -l.quantity.value, 'shipment', fulfillmentOrderId);
    }
    const event: S['ShipmentConfirmed'] = {
      eventId: this.random.uuid(),
      eventType: 'shipment.confirmed',
      distributionCenter: this.dc,
      fulfillmentOrderId,
      orderReference: order.request.orderReference,
      carrier: order.request.carrier,
      trackingNumber: order.request.label.trackingNumber,
      lines: order.request.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      shippedAt: order.shippedAt,
    };
    await this.publish('wms.shipment', fulfillmentOrderId, event);
    this.options.onShipped?.(order.request);
    return event;
  }

  async receiveReturn(returnId: string, condition: 'resellable' | 'damaged' = 'resellable'): Promise<S['ReturnReceived']> {
    const r = this.returns.get(returnId);
    if (!r) throw new Error(`no expected return ${returnId} at ${this.dc}`);
    r.status = 'received';
    const event: S['ReturnReceived'] = {
      eventId: this.random.uuid(),
      eventType: 'return.received',
      distributionCenter: this.dc,
      returnId,
      orderReference: r.request.orderReference,
      lines: r.request.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, condition })),
      receivedAt: this.now(),
    };
    await this.publish('wms.return', returnId, event);
    if (condition === 'resellable') for (const l of r.request.lines) await this.adjust(l.sku, l.quantity.value, 'return_restock', returnId);
    return event;
  }

  /** Publishes (or re-publishes: a duplicate delivery) a webhook payload. */
  async publish(channel: string, key: string, payload: { eventId: string; eventType: string }): Promise<void> {
    this.published.push({ channel, payload: payload as unknown as Record<string, unknown> });
    await this.bus.publish({ id: payload.eventId, channel, key, headers: { source: this.target, 'content-type': 'application/json', 'x-wms-event-type': payload.eventType }, body: JSON.stringify(payload) });
  }

  readonly handler = contractServer<operations>('wms', {
    getStockSnapshot: async () =>
      json(200, {
        distributionCenter: this.dc,
        asOf: this.now(),
        items: [...this.stock.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sku, p]) => ({ sku, uom: p.uom, onHand: p.onHand, allocated: p.allocated, available: p.onHand - p.allocated, version: p.seq })),
      }),
    releaseFulfillmentOrder: async ({ body }) => {
      const existing = this.orders.get(body.fulfillmentOrderId);
      if (existing) return json(200, this.view(body.fulfillmentOrderId));
      const short = body.lines.filter((l) => {
        const p = this.stock.get(l.sku);
        return !p || p.onHand - p.allocated < l.quantity.value;
      });
      if (short.length > 0) return problem(409, 'Insufficient stock', 'short', { type: 'https://docs.wms.faultline.test/problems/insufficient-stock', extra: { instance: '/fulfillment-orders' }, errors: short.map((l) => ({ pointer: `/lines/${body.lines.indexOf(l)}`, message: 'short' })) });
      for (const l of body.lines) this.stock.get(l.sku)!.allocated += l.quantity.value;
      this.orders.set(body.fulfillmentOrderId, { request: body, status: 'released', createdAt: this.now() });
      if (this.options.autoShipAfterMs !== undefined) this.clock.setTimer(this.options.autoShipAfterMs, () => void this.ship(body.fulfillmentOrderId));
      return json(201, this.view(body.fulfillmentOrderId));
    },
    getFulfillmentOrder: async ({ params }) => (this.orders.has(params.path.fulfillmentOrderId) ? json(200, this.view(params.path.fulfillmentOrderId)) : problem(404, 'Not found', 'no such order', { extra: { instance: '/' } })),
    cancelFulfillmentOrder: async ({ params }) => {
      const o = this.orders.get(params.path.fulfillmentOrderId);
      if (!o) return problem(404, 'Not found', 'no such order', { extra: { instance: '/' } });
      if (o.status === 'shipped') return problem(409, 'Already shipped', 'shipped', { type: 'https://docs.wms.faultline.test/problems/already-shipped', extra: { instance: '/' } });
      if (o.status !== 'cancelled') for (const l of o.request.lines) this.stock.get(l.sku)!.allocated -= l.quantity.value;
      o.status = 'cancelled';
      return json(200, this.view(params.path.fulfillmentOrderId));
    },
    expectReturn: async ({ body }) => {
      const existing = this.returns.get(body.returnId);
      if (existing) return json(200, { returnId: body.returnId, status: existing.status, createdAt: this.now() });
      this.returns.set(body.returnId, { request: body, status: 'expected' });
      return json(201, { returnId: body.returnId, status: 'expected', createdAt: this.now() });
    },
  });

  private view(id: string): S['FulfillmentOrder'] {
    const o = this.orders.get(id)!;
    const view: S['FulfillmentOrder'] = { fulfillmentOrderId: id, orderReference: o.request.orderReference, distributionCenter: this.dc, status: o.status, lines: o.request.lines, carrier: o.request.carrier, trackingNumber: o.request.label.trackingNumber, createdAt: o.createdAt, updatedAt: this.now() };
    if (o.shippedAt) view.shippedAt = o.shippedAt;
    return view;
  }
}
