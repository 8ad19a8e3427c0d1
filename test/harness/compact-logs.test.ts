import { describe, expect, it } from 'vitest';
import { HistoryLog, type HistoryOp } from '../../harness/world/history-log.ts';
import { PostingLog } from '../../harness/world/postings.ts';
import { SeenStatusLog, type SeenStatus } from '../../harness/world/seen-statuses.ts';
import { StockFactLog, type StockFact } from '../../harness/world/stock-facts.ts';
import { StorefrontOrderLog, type StorefrontOrder } from '../../harness/world/storefront-orders.ts';
import { Vocabulary } from '../../runtime/columns.ts';
import { FinalViews } from '../../harness/run/final-views.ts';
import type { OrderView } from '../../harness/run/observations.ts';

// The run's long logs are kept in columns; what the checkers read back must be what went in.
describe('compact run logs', () => {
  it('stock facts come back as they were recorded, in order, past a column regrowth', () => {
    const facts: StockFact[] = [];
    for (let i = 0; i < 2500; i++) {
      const at = i * 1000.25;
      if (i % 4 === 0) facts.push({ at, kind: 'adjusted', dc: `DC-${i % 3}`, sku: `SKU-${i % 40}`, onHand: 500 - i, sequence: i, reason: i % 8 === 0 ? 'shipment' : 'count' });
      else if (i % 4 === 1) facts.push({ at, kind: 'adjusted', dc: 'DC-0', sku: 'SKU-1', onHand: 0, sequence: i, reason: 'shipment', reference: `order-${i}` });
      else if (i % 4 === 2) facts.push({ at, kind: 'snapshot', dc: 'DC-1', sku: `SKU-${i}`, onHand: -3, sequence: i });
      else facts.push(i % 8 === 3 ? { at, kind: 'shipped', orderId: `order-${i}` } : { at, kind: 'snapshot-taken', dc: 'DC-2' });
    }
    const log = new StockFactLog();
    for (const f of facts) log.push(f);
    expect(log.length).toBe(2500);
    expect([...log]).toEqual(facts);
  });

  it('shipment sightings keep their times, statuses, sources and order ids per shipment', () => {
    const log = new SeenStatusLog();
    const a: SeenStatus[] = [
      { at: 10.5, status: 'dispatched', source: 'event', orderId: 'o-1' },
      { at: 12, status: 'delivered', source: 'read', orderId: 'o-1' },
      { at: 11, status: 'in_transit', source: 'event', orderId: 'o-1' },
    ];
    // An event without its order id (the harness records '') and an unknown status.
    const b: SeenStatus[] = [
      { at: 5, status: 'label_created', source: 'read', orderId: 'o-2' },
      { at: 6, status: 'lost_in_space', source: 'event', orderId: '' },
      { at: 7, status: 'delivered', source: 'event', orderId: 'o-2' },
    ];
    for (let i = 0; i < 3; i++) {
      log.add('s-a', a[i]!);
      log.add('s-b', b[i]!);
    }
    expect(log.size).toBe(2);
    expect([...log.entries()]).toEqual([
      ['s-a', a],
      ['s-b', b],
    ]);
  });

  it('shipment sightings stay with their shipment when thousands interleave (past a column regrowth)', () => {
    const ids = new Vocabulary();
    const log = new SeenStatusLog(ids);
    const expected = new Map<string, SeenStatus[]>();
    for (let i = 0; i < 12_000; i++) {
      const shipment = `s-${(i * 13) % 5_000}`;
      const seen: SeenStatus = { at: i, status: i % 2 ? 'dispatched' : 'delivered', source: i % 3 ? 'event' : 'read', orderId: `o-${(i * 13) % 5_000}` };
      log.add(shipment, seen);
      expected.set(shipment, [...(expected.get(shipment) ?? []), seen]);
    }
    expect(log.size).toBe(5_000);
    expect([...log.entries()]).toEqual([...expected]);
  });

  it('ERP postings count attempts per reference and keep the first time and the latest answer, in first-attempt order', () => {
    const ids = new Vocabulary();
    ids.id('unrelated-id'); // references need not be the vocabulary's first words
    const log = new PostingLog(new Vocabulary(), ids);
    const expected = new Map<string, { operation: string; firstAt: number; attempts: number; lastStatus: string }>();
    for (let i = 0; i < 10_000; i++) {
      const reference = `ref-${(i * 7) % 4_500}`;
      const operation = i % 3 === 0 ? 'bookSalesOrder' : 'postInvoice';
      const status = i % 5 === 0 ? 'ECONNRESET' : String(200 + (i % 4));
      log.note(reference, operation, i * 10, status);
      const p = expected.get(reference);
      if (p) Object.assign(p, { attempts: p.attempts + 1, lastStatus: status });
      else expected.set(reference, { operation, firstAt: i * 10, attempts: 1, lastStatus: status });
    }
    expect(log.size).toBe(expected.size);
    expect([...log.entries()]).toEqual([...expected.entries()]);
    expect([log.has('ref-0'), log.has('unrelated-id'), log.has('never-seen')]).toEqual([true, false, false]);
    expect(ids.lookup('never-seen')).toBeUndefined();
  });

  it('the history quotes one order, completions only, oldest first, up to the limit', () => {
    const log = new HistoryLog();
    const op = (over: Partial<HistoryOp>): HistoryOp => ({ at: 0, type: 'invoke', op: 1, f: 'createOrder', channel: 'b2b-web', order: 7, attempt: 1, traceId: 't1', ...over });
    log.push(op({ at: 1 }));
    log.push(op({ at: 2, type: 'info', detail: 'timeout' }));
    log.push(op({ at: 3, order: 8, type: 'ok', status: 202 }));
    log.push(op({ at: 4, type: 'ok', op: 2, attempt: 2, status: 202, orderId: 'ord-1', traceId: 't2' }));
    log.push(op({ at: 5.5, type: 'fail', f: 'getOrder', channel: 'marketplace-north', status: 404, orderId: 'ord-1' }));
    expect(log.length).toBe(5);
    expect(log.excerptFor(7, 8)).toEqual([
      { at: 2, actor: 'b2b-web', type: 'info', what: 'createOrder', detail: 'timeout', traceId: 't1' },
      { at: 4, actor: 'b2b-web', type: 'ok', what: 'createOrder', detail: 'HTTP 202, order ord-1, attempt 2', traceId: 't2' },
      { at: 5.5, actor: 'marketplace-north', type: 'fail', what: 'getOrder', detail: 'HTTP 404, order ord-1', traceId: 't1' },
    ]);
    expect(log.excerptFor(7, 1)).toHaveLength(1);
    expect(log.excerptFor(9, 8)).toEqual([]);
  });

  it('storefront orders come back with their keys, lines, acknowledgements, refusals and cancellations', () => {
    const log = new StorefrontOrderLog(new Vocabulary(), new Vocabulary());
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    for (let n = 1; n <= 5000; n++) {
      log.add({
        order: n * 2,
        channel: n % 2 ? 'b2b-web' : 'marketplace-north',
        // The storefront's `channel.uuid`, and keys of any other shape, kept exactly.
        idempotencyKey: n === 3 ? 'hand-made key' : n === 4 ? 'marketplace-north.not-a-uuid' : n === 5 ? '' : `${n % 2 ? 'b2b-web' : 'marketplace-north'}.${uuid}`,
        traceId: `trace-${n}`,
        lines: Array.from({ length: n % 3 }, (_, i) => ({ sku: `SKU-${i}`, quantity: n + i + 0.5 })),
        submittedAt: n * 10.25,
      });
    }
    expect(() => log.add({ order: 2, channel: 'x', idempotencyKey: '', traceId: '', lines: [], submittedAt: 0 })).toThrow(/recorded already/);
    log.acknowledge(2, { orderId: 'o-1', at: 11, status: 'accepted', distributionCenter: 'DC-EAST', latencyMs: 0.75 });
    log.acknowledge(2, { orderId: 'o-1b', at: 30, status: 'pending_validation', latencyMs: 3 }); // a double submission
    log.acknowledge(2, { orderId: 'o-1c', at: 31, status: 'accepted', latencyMs: 4 });
    log.acknowledge(4, { orderId: 'o-2', at: 12, status: 'pending_validation', latencyMs: 2 });
    log.refuse(6, { at: 13, status: 422, type: 'https://faultline.dev/problems/unknown-sku' });
    log.cancel(8, 40);
    log.cancel(8, 50); // the first cancellation counts
    const [first, second, third, fourth] = log.values();
    expect({ ...pick(first!) }).toEqual({
      order: 2,
      channel: 'b2b-web',
      idempotencyKey: `b2b-web.${uuid}`,
      traceId: 'trace-1',
      lines: [{ sku: 'SKU-0', quantity: 1.5 }],
      submittedAt: 10.25,
      acks: [
        { orderId: 'o-1', at: 11, status: 'accepted', distributionCenter: 'DC-EAST', latencyMs: 0.75 },
        { orderId: 'o-1b', at: 30, status: 'pending_validation', latencyMs: 3 },
        { orderId: 'o-1c', at: 31, status: 'accepted', latencyMs: 4 },
      ],
      refusal: undefined,
      cancelledAt: undefined,
    });
    expect(second!.acks).toEqual([{ orderId: 'o-2', at: 12, status: 'pending_validation', latencyMs: 2 }]);
    expect([second!.idempotencyKey, second!.lines]).toEqual([`marketplace-north.${uuid}`, [{ sku: 'SKU-0', quantity: 2.5 }, { sku: 'SKU-1', quantity: 3.5 }]]);
    expect([third!.idempotencyKey, third!.lines, third!.acks, third!.refusal]).toEqual(['hand-made key', [], [], { at: 13, status: 422, type: 'https://faultline.dev/problems/unknown-sku' }]);
    expect([fourth!.idempotencyKey, fourth!.cancelledAt]).toEqual(['marketplace-north.not-a-uuid', 40]);
    expect(log.get(10)!.idempotencyKey).toBe('');
    expect(log.get(10_000)!.lines).toEqual([{ sku: 'SKU-0', quantity: 5000.5 }, { sku: 'SKU-1', quantity: 5001.5 }]);
    expect([log.size, log.has(7), log.get(7)]).toEqual([5000, false, undefined]);
    expect(() => log.acknowledge(7, { orderId: 'x', at: 0, status: 'accepted', latencyMs: 0 })).toThrow(/never submitted/);
  });

  it("the layer's final order views keep what the checkers read, timelines packed and given back exactly", () => {
    const ids = new Vocabulary();
    const views = new FinalViews(ids);
    const parsed: OrderView = {
      orderId: 'o-1 (from the body)',
      status: 'delivered',
      distributionCenter: 'DC-EAST',
      erp: { salesOrderNumber: 'SO-100501' },
      shipments: [{ shipmentId: 's-1', status: 'delivered', trackingNumber: 'SW1' }],
      invoice: { invoiceNumber: 'INV-300489' },
      timeline: [
        { at: '2026-01-05T11:50:09.350Z', status: 'accepted', detail: 'allocated' },
        { at: '2026-01-05T15:01:29.099Z', status: 'delivered' },
      ],
    };
    views.add('o-1', parsed);
    // A timestamp toISOString would not write back the same (no milliseconds, an offset) is kept as it came.
    views.add('o-2', { orderId: 'o-2', status: 'rejected', rejection: { reason: 'credit_refused', detail: 'x' }, shipments: [], timeline: [{ at: '2026-01-05T11:50:09.350Z', status: 'received' }, { at: '2026-01-05T12:50:09+01:00', status: 'rejected' }] });
    views.add('o-3', { orderId: 'o-3', status: 'accepted', shipments: [], timeline: [] });
    views.add('o-4', null);
    const v = views.get('o-1')!;
    expect({ ...v, timeline: v.timeline }).toEqual({
      orderId: 'o-1',
      status: 'delivered',
      distributionCenter: 'DC-EAST',
      timeline: [
        { at: '2026-01-05T11:50:09.350Z', status: 'accepted' },
        { at: '2026-01-05T15:01:29.099Z', status: 'delivered' },
      ],
    });
    expect(v.orderId).toBe(ids.canonical('o-1'));
    const odd = views.get('o-2')!;
    expect(odd.timeline).toEqual([{ at: '2026-01-05T11:50:09.350Z', status: 'received' }, { at: '2026-01-05T12:50:09+01:00', status: 'rejected' }]);
    expect([odd.rejection, odd.distributionCenter]).toEqual([{ reason: 'credit_refused' }, undefined]);
    expect(views.get('o-3')!.timeline).toEqual([]);
    expect([views.get('o-4'), views.get('o-5'), views.has('o-4'), views.has('o-5'), views.size]).toEqual([null, undefined, true, false, 4]);
    expect([...views.values()].map((x) => x && `${x.orderId}:${x.status}:${x.timeline.length}`)).toEqual(['o-1:delivered:2', 'o-2:rejected:2', 'o-3:accepted:0', null]);
  });

  it('final views read back right past a column regrowth, each with its own timeline', () => {
    const views = new FinalViews();
    for (let i = 0; i < 3_000; i++) {
      const timeline = Array.from({ length: 1 + (i % 4) }, (_, k) => ({ at: new Date(1_767_600_000_000 + i * 1000 + k).toISOString(), status: ['accepted', 'posted', 'released', 'shipped'][k]! }));
      views.add(`o-${i}`, { orderId: `o-${i}`, status: timeline.at(-1)!.status, distributionCenter: i % 2 ? 'DC-EAST' : 'DC-WEST', shipments: [], timeline });
    }
    const v = views.get('o-2999')!;
    expect([v.status, v.distributionCenter, v.timeline]).toEqual(['shipped', 'DC-EAST', ['accepted', 'posted', 'released', 'shipped'].map((status, k) => ({ at: new Date(1_767_600_000_000 + 2_999_000 + k).toISOString(), status }))]);
    expect(views.get('o-1234')!.timeline.map((t) => t.status)).toEqual(['accepted', 'posted', 'released']);
  });
});

const pick = (o: StorefrontOrder) => ({ order: o.order, channel: o.channel, idempotencyKey: o.idempotencyKey, traceId: o.traceId, lines: o.lines, submittedAt: o.submittedAt, acks: o.acks, refusal: o.refusal, cancelledAt: o.cancelledAt });
