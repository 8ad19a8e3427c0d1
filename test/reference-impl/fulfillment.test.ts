import { describe, expect, it } from 'vitest';
import { createWorld, KEYS } from './world.ts';

type W = Awaited<ReturnType<typeof createWorld>>;

/** An order placed, booked, labelled and released (DC-EAST ships with SwiftShip). */
async function released(w: W, lines: Array<[string, number]> = [['BRG-6204', 10]]): Promise<{ orderId: string; trackingNumber: string }> {
  const res = await w.placeOrder(lines);
  await w.advance(1_000);
  const order = await w.getOrder(res.json.orderId);
  expect(order.json.status).toBe('released');
  return { orderId: res.json.orderId, trackingNumber: order.json.shipments[0].trackingNumber };
}

describe('fulfillment, shipments and invoicing', () => {
  it('books, buys one label, releases to the DC; the shipment posts one goods issue and one invoice', async () => {
    const w = await createWorld();
    const { orderId, trackingNumber } = await released(w, [['BRG-6204', 10], ['VLV-100', 2]]);
    expect(w.carriers.labelsFor(orderId)).toEqual([trackingNumber]);
    const fo = w.wms['DC-EAST']!.orders.get(orderId)!;
    expect(fo.request).toMatchObject({ fulfillmentOrderId: orderId, orderReference: orderId, carrier: 'carrier-swift', serviceLevel: 'STANDARD', label: { trackingNumber } });
    const confirmed = await w.wms['DC-EAST']!.ship(orderId);
    await w.wms['DC-EAST']!.publish('wms.shipment', orderId, confirmed); // redelivered
    await w.advance(5_000);
    const order = await w.getOrder(orderId);
    expect(order.json.status).toBe('shipped');
    const so = w.erp.bookedFor(orderId)[0]!;
    expect(w.erp.goodsIssues.filter((g) => g.salesOrderNumber === so.salesOrderNumber)).toHaveLength(1);
    expect(w.erp.callsOf('postGoodsIssue')[0]!.body).toMatchObject({ externalReference: order.json.shipments[0].shipmentId, warehouse: 'DC-EAST', carrier: 'carrier-swift', trackingNumber, lines: [{ itemNumber: 'BRG-6204', qty: 10, uom: 'EA' }, { itemNumber: 'VLV-100', qty: 2, uom: 'EA' }] });
    expect(w.erp.invoices.filter((i) => i.salesOrderNumber === so.salesOrderNumber)).toHaveLength(1);
    expect(order.json.invoice).toMatchObject({ invoiceNumber: w.erp.invoices[0]!.invoiceNumber, total: w.erp.invoices[0]!.total });
    await w.layer.flushEvents();
    expect(w.eventsOf('shipment.dispatched')).toHaveLength(1);
    expect(w.eventsOf('shipment.dispatched')[0]!.data).toMatchObject({ orderId, distributionCenter: 'DC-EAST', carrier: 'swift', trackingNumber, status: 'dispatched' });
    expect(w.eventsOf('invoice.posted').map((e) => e.data)).toEqual([expect.objectContaining({ orderId, salesOrderNumber: so.salesOrderNumber, shipmentId: order.json.shipments[0].shipmentId, customerId: 'C-100' })]);
    expect(w.eventsOf('order.posted')[0]!.data).toMatchObject({ orderId, salesOrderNumber: so.salesOrderNumber, attempts: 1 });
    // The shipped stock settled the reservations.
    const availability = await w.send('GET', '/v1/inventory/BRG-6204/availability');
    expect(availability.json.distributionCenters[0]).toMatchObject({ distributionCenter: 'DC-EAST', onHand: 90, reserved: 0, available: 90 });
  });

  it('normalises SwiftShip and Pelican tracking; duplicates and late events never move a shipment backwards', async () => {
    const w = await createWorld({ stock: { 'DC-EAST': {}, 'DC-WEST': { 'BRG-6204': 50 } } });
    const { orderId, trackingNumber } = await released(w);
    expect(trackingNumber).toMatch(/^PLC-/); // DC-WEST ships with Pelican
    await w.wms['DC-WEST']!.ship(orderId);
    await w.advance(1_000);
    const t = w.clock.now();
    await w.carriers.track(trackingNumber, 'DELIVERED', t + 2_000);
    await w.carriers.track(trackingNumber, 'IN_TRANSIT', t + 1_000); // late
    const batch = await w.carriers.track(trackingNumber, 'OUT_FOR_DELIVERY', t + 1_500);
    await w.carriers.publishPelican(batch as { batch_id: string }); // redelivered batch
    await w.advance(1_000);
    const order = await w.getOrder(orderId);
    expect(order.json.status).toBe('delivered');
    expect(order.json.shipments[0].status).toBe('delivered');
    await w.layer.flushEvents();
    const statuses = w.events.filter((e) => e.type.startsWith('dev.faultline.shipment.')).map((e) => e.data.status);
    expect(statuses).toEqual(['dispatched', 'delivered']);
    expect(w.eventsOf('shipment.delivered')[0]!.data).toMatchObject({ carrier: 'pelican', trackingNumber, orderId });
    expect(w.layer.stats().dedup.hits).toBeGreaterThanOrEqual(2);
  });

  it('delivers from SwiftShip events that overtake the warehouse confirmation, and still posts the goods issue', async () => {
    const w = await createWorld();
    const { orderId, trackingNumber } = await released(w);
    await w.carriers.track(trackingNumber, 'PICKED_UP');
    await w.carriers.track(trackingNumber, 'DELIVERED');
    await w.advance(1_000);
    expect((await w.getOrder(orderId)).json.status).toBe('delivered');
    await w.wms['DC-EAST']!.ship(orderId);
    await w.advance(5_000);
    const order = await w.getOrder(orderId);
    expect(order.json.status).toBe('delivered');
    expect(order.json.timeline.map((e: { status: string }) => e.status)).toEqual(['accepted', 'posted', 'released', 'shipped', 'delivered']);
    expect(w.erp.goodsIssues).toHaveLength(1);
    expect(w.erp.invoices).toHaveLength(1);
  });

  it('reads carrier payloads tolerantly: a v2 event with new fields and a renamed optional block still moves the shipment', async () => {
    const w = await createWorld();
    const { orderId, trackingNumber } = await released(w);
    expect(trackingNumber).toMatch(/^SW/);
    // What the schema-drift fault does to SwiftShip's events: fields added, `location` renamed.
    const v2 = (status: string, at: number) => ({ eventId: w.random.uuid(), trackingNumber, status, occurredAt: new Date(at).toISOString(), schemaVersion: '2', carbonGrams: 412, position: { city: 'Leipzig', countryCode: 'DE' } });
    const t = w.clock.now();
    await w.carriers.publishSwift(v2('PICKED_UP', t));
    await w.carriers.publishSwift(v2('DELIVERED', t + 1_000));
    await w.advance(2_000);
    expect((await w.getOrder(orderId)).json.status).toBe('delivered');
    expect(w.eventsOf('shipment.delivered')[0]!.data).toMatchObject({ orderId, trackingNumber, carrier: 'swift' });
    // What the contract requires is still checked: an event without a status is not applied.
    await w.carriers.publishSwift({ eventId: w.random.uuid(), trackingNumber, occurredAt: new Date(t).toISOString(), carbonGrams: 1 } as never);
    await w.advance(1_000);
    expect(w.eventsOf('shipment.delivered')).toHaveLength(1);
  });

  it('returns: the WMS is told to expect them, the receipt posts a credit memo, return.received then credit.released', async () => {
    const w = await createWorld();
    const { orderId } = await released(w, [['BRG-6204', 10]]);
    const early = await w.send('POST', `/v1/orders/${orderId}/returns`, { lines: [{ sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' } }], reason: 'damaged' });
    expect([early.status, early.json.type]).toEqual([409, 'https://faultline.dev/problems/order-not-shipped']);
    await w.wms['DC-EAST']!.ship(orderId);
    await w.advance(5_000);
    const tooMany = await w.send('POST', `/v1/orders/${orderId}/returns`, { lines: [{ sku: 'BRG-6204', quantity: { value: 11, uom: 'EA' } }], reason: 'damaged' });
    expect([tooMany.status, tooMany.json.type, tooMany.json.errors[0].pointer]).toEqual([422, 'https://faultline.dev/problems/return-exceeds-shipped', '/lines/0/quantity/value']);
    const notOnOrder = await w.send('POST', `/v1/orders/${orderId}/returns`, { lines: [{ sku: 'VLV-100', quantity: { value: 1, uom: 'EA' } }], reason: 'other' });
    expect([notOnOrder.status, notOnOrder.json.errors[0].pointer]).toEqual([422, '/lines/0/sku']);
    const headers = { 'idempotency-key': 'b2b-web:RMA-7731' };
    const ret = await w.send('POST', `/v1/orders/${orderId}/returns`, { lines: [{ sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' } }], reason: 'damaged' }, headers);
    expect(ret.status).toBe(202);
    expect(ret.json).toMatchObject({ orderId, status: 'requested' });
    const replay = await w.send('POST', `/v1/orders/${orderId}/returns`, { lines: [{ sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' } }], reason: 'damaged' }, headers);
    expect(replay.body).toBe(ret.body);
    await w.advance(1_000);
    expect(w.wms['DC-EAST']!.returns.get(ret.json.returnId)!.request).toMatchObject({ orderReference: orderId, lines: [{ sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' } }], reason: 'damaged' });
    const received = await w.wms['DC-EAST']!.receiveReturn(ret.json.returnId);
    await w.wms['DC-EAST']!.publish('wms.return', ret.json.returnId, received); // duplicate
    await w.advance(5_000);
    expect(w.erp.creditMemos).toHaveLength(1);
    expect(w.erp.callsOf('postCreditMemo')[0]!.body).toMatchObject({ externalReference: ret.json.returnId, reason: 'DAMAGED', invoiceNumber: w.erp.invoices[0]!.invoiceNumber, lines: [{ itemNumber: 'BRG-6204', qty: 2, uom: 'EA' }] });
    const order = await w.getOrder(orderId);
    expect(order.json.returns).toEqual([{ returnId: ret.json.returnId, status: 'credited', reason: 'damaged', lines: [{ sku: 'BRG-6204', quantity: { value: 2, uom: 'EA' } }] }]);
    await w.layer.flushEvents();
    expect(w.events.filter((e) => e.subject === ret.json.returnId).map((e) => e.type)).toEqual(['dev.faultline.return.received.v1', 'dev.faultline.credit.released.v1']);
    expect(w.eventsOf('credit.released')[0]!.data).toMatchObject({ returnId: ret.json.returnId, orderId, customerId: 'C-100', creditMemoNumber: w.erp.creditMemos[0]!.creditMemoNumber, amount: { amount: '8.40', currency: 'EUR' } });
  });

  it('cancellation releases the reservation and cancels at the WMS and in the ERP; a shipped order is a 409', async () => {
    const w = await createWorld();
    const { orderId } = await released(w, [['BRG-6204', 10]]);
    const cancel = await w.send('POST', `/v1/orders/${orderId}/cancel`, { reason: 'Customer ordered the wrong valve size.' });
    expect([cancel.status, cancel.json]).toEqual([202, { orderId, status: 'cancelled' }]);
    expect((await w.send('GET', '/v1/inventory/BRG-6204/availability')).json.distributionCenters[0]).toMatchObject({ reserved: 0, available: 100 });
    await w.advance(5_000);
    expect(w.wms['DC-EAST']!.orders.get(orderId)!.status).toBe('cancelled');
    expect(w.erp.bookedFor(orderId)[0]!.status).toBe('cancelled');
    const twice = await w.send('POST', `/v1/orders/${orderId}/cancel`);
    expect([twice.status, twice.json.type]).toEqual([409, 'https://faultline.dev/problems/order-already-cancelled']);

    const shipped = await released(w, [['BRG-6204', 5]]);
    await w.wms['DC-EAST']!.ship(shipped.orderId);
    await w.advance(5_000);
    const late = await w.send('POST', `/v1/orders/${shipped.orderId}/cancel`);
    expect([late.status, late.json.type]).toEqual([409, 'https://faultline.dev/problems/order-not-cancellable']);

    // An order still waiting for the ERP is cancelled without a booking ever reaching it.
    w.transport.inject({ target: 'erp', fault: { kind: 'refused' } });
    const pending = await w.placeOrder();
    expect(pending.json.status).toBe('pending_validation');
    expect((await w.send('POST', `/v1/orders/${pending.json.orderId}/cancel`)).status).toBe(202);
    w.transport.heal('erp');
    await w.advance(120_000);
    expect(w.erp.bookedFor(pending.json.orderId)).toHaveLength(0);
    expect((await w.getOrder(pending.json.orderId)).json.status).toBe('cancelled');
  });

  it('a cancellation that reaches the warehouse after the goods left: the sales order stays booked, the order moves on to shipped and is invoiced, nothing is parked', async () => {
    const w = await createWorld();
    const ops = { 'x-api-key': KEYS.ops };
    const cases = [
      // The WMS API is down while the warehouse keeps picking; it ships before the cancel gets through.
      { downMs: 60_000, exceptions: 0 },
      // Down so long that the cancel exhausts its retries and is parked; an operator replays it later.
      { downMs: 6 * 3_600_000, exceptions: 1 },
    ];
    for (const c of cases) {
      const { orderId } = await released(w);
      w.transport.inject({ target: 'wms@DC-EAST', fault: { kind: 'refused' } });
      expect((await w.send('POST', `/v1/orders/${orderId}/cancel`)).status).toBe(202);
      await w.advance(c.downMs);
      const parked = (await w.send('GET', '/v1/exceptions?status=open', undefined, ops)).json.items;
      expect(parked.map((e: { operation: string }) => e.operation)).toEqual(c.exceptions ? ['cancelFulfillmentOrder'] : []);
      // Until the warehouse answers, the ERP half of the cancellation waits.
      expect(w.erp.bookedFor(orderId)[0]!.status).toBe('booked');
      await w.wms['DC-EAST']!.ship(orderId);
      w.transport.heal('wms@DC-EAST');
      if (c.exceptions) expect((await w.send('POST', '/v1/exceptions/replay', {}, ops)).json.replayed).toBe(1);
      await w.advance(120_000);
      const order = (await w.getOrder(orderId)).json;
      expect(order.status).toBe('shipped');
      expect(order.timeline.at(-1).detail).toMatch(/^The cancellation reached the warehouse too late: Handed to carrier-swift/);
      const so = w.erp.bookedFor(orderId)[0]!;
      expect(so.status).not.toBe('cancelled');
      expect(w.erp.goodsIssues.filter((g) => g.salesOrderNumber === so.salesOrderNumber)).toHaveLength(1);
      expect(w.erp.invoices.filter((i) => i.salesOrderNumber === so.salesOrderNumber)).toHaveLength(1);
      expect((await w.send('GET', '/v1/exceptions?status=open', undefined, ops)).json.items).toEqual([]);
    }
  });

  it('webhooks: validate against the sender contract, deduplicate, and feed the same consumers as the bus', async () => {
    const w = await createWorld();
    const { orderId } = await released(w);
    const fo = w.wms['DC-EAST']!.orders.get(orderId)!;
    const payload = {
      eventId: '0d5a8c3e-6b2f-4a71-9e4d-8f1c2b7a6e35',
      eventType: 'shipment.confirmed',
      distributionCenter: 'DC-EAST',
      fulfillmentOrderId: orderId,
      orderReference: orderId,
      carrier: 'carrier-swift',
      trackingNumber: fo.request.label.trackingNumber,
      lines: [{ sku: 'BRG-6204', quantity: { value: 10, uom: 'EA' } }],
      shippedAt: '2026-01-05T08:10:00Z',
    };
    const headers = { 'x-api-key': KEYS.wmsEast, 'x-wms-event-type': 'shipment.confirmed', 'x-wms-delivery-id': '9e3f1a2b-4c5d-4e6f-8a7b-1c2d3e4f5a6b' };
    const bad = await w.send('POST', '/v1/webhooks/wms/DC-EAST', { ...payload, trackingNumber: undefined }, headers);
    expect([bad.status, bad.json.errors[0].pointer]).toEqual([400, '/trackingNumber']);
    const wrongDc = await w.send('POST', '/v1/webhooks/wms/DC-WEST', { ...payload, distributionCenter: 'DC-WEST' }, headers);
    expect(wrongDc.status).toBe(403);
    const unknownDc = await w.send('POST', '/v1/webhooks/wms/DC-NORTH', payload, { ...headers, 'x-api-key': KEYS.ops });
    expect(unknownDc.status).toBe(404);
    const first = await w.send('POST', '/v1/webhooks/wms/DC-EAST', payload, headers);
    expect([first.status, first.json]).toEqual([202, { status: 'accepted', deliveryId: headers['x-wms-delivery-id'], events: 1, duplicates: 0 }]);
    const again = await w.send('POST', '/v1/webhooks/wms/DC-EAST', payload, { ...headers, 'x-wms-delivery-id': '2b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e' });
    expect(again.json).toMatchObject({ status: 'duplicate', duplicates: 1 });
    expect((await w.send('GET', '/metrics', undefined, {})).body).toContain('faultline_dedup_hits_total{channel="wms.shipment"} 1');
    await w.advance(5_000);
    expect((await w.getOrder(orderId)).json.status).toBe('shipped');
    expect(w.erp.goodsIssues).toHaveLength(1);

    const swift = { eventId: '4e8a2c61-9f3b-4d7e-a1c5-7b2d0e6f9a38', trackingNumber: payload.trackingNumber, status: 'DELIVERED', occurredAt: '2026-01-05T09:00:00Z' };
    const tracked = await w.send('POST', '/v1/webhooks/carriers/carrier-swift', swift, { 'x-api-key': KEYS.ops });
    expect(tracked.json).toEqual({ status: 'accepted', events: 1, duplicates: 0 });
    expect((await w.send('POST', '/v1/webhooks/carriers/carrier-heron', swift, { 'x-api-key': KEYS.ops })).status).toBe(404);
    expect((await w.send('POST', '/v1/webhooks/carriers/carrier-swift', swift, { 'x-api-key': KEYS.wmsEast })).status).toBe(403);
    await w.advance(1_000);
    expect((await w.getOrder(orderId)).json.status).toBe('delivered');
  });
});
