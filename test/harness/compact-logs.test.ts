import { describe, expect, it } from 'vitest';
import { HistoryLog, type HistoryOp } from '../../harness/world/history-log.ts';
import { SeenStatusLog, type SeenStatus } from '../../harness/world/seen-statuses.ts';
import { StockFactLog, type StockFact } from '../../harness/world/stock-facts.ts';

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
});
