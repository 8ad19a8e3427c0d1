import { resultOf, type Anomaly, type CheckResult } from './checker.ts';
import type { CheckContext } from './context.ts';
import { fmt } from './no-lost-orders.ts';

type Step =
  | { at: number; kind: 'know'; onHand: number; sequence: number }
  | { at: number; kind: 'release'; orderId: string; qty: number }
  | { at: number; kind: 'promise'; orderId: string; qty: number; order: number };

/**
 * `no-oversell`: reservations never exceed physical stock at a distribution center. Judged on what
 * the layer could know: at every acceptance, the units promised for (sku, DC) — orders acknowledged
 * there, not yet shipped, cancelled or rejected — must not exceed the on-hand figure of the newest
 * WMS inventory message the layer had acknowledged, or stock snapshot it had read, by then (or the
 * opening stock). A shipped order stops counting when the layer learns its stock has left: an
 * inventory message naming it, or a snapshot read after its shipment confirmation. Stock lost in a
 * message still on its way is not the layer's fault; promising stock it was never told of is.
 */
export function checkNoOversell(ctx: CheckContext): CheckResult {
  const steps = new Map<string, Step[]>();
  const add = (key: string, step: Step) => {
    const list = steps.get(key);
    if (list) list.push(step);
    else steps.set(key, [step]);
  };
  const shippedAck = new Map<string, number>();
  const snapshotsByDc = new Map<string, number[]>();
  for (const f of ctx.obs.recorder.stockFacts) {
    if (f.kind === 'shipped') {
      if (!shippedAck.has(f.orderId)) shippedAck.set(f.orderId, f.at);
    } else if (f.kind === 'snapshot-taken') {
      const times = snapshotsByDc.get(f.dc) ?? [];
      times.push(f.at);
      snapshotsByDc.set(f.dc, times);
    } else {
      const key = `${f.sku}@${f.dc}`;
      add(key, { at: f.at, kind: 'know', onHand: f.onHand, sequence: f.sequence });
      if (f.kind === 'adjusted' && f.reason === 'shipment' && f.reference) add(key, { at: f.at, kind: 'release', orderId: f.reference, qty: Number.NaN });
    }
  }
  let promises = 0;
  for (const order of ctx.acknowledged()) {
    for (const orderId of new Set(order.acks.map((a) => a.orderId))) {
      const ack = order.acks.find((a) => a.orderId === orderId)!;
      const view = ctx.obs.finalOrders.get(orderId);
      const dc = ack.distributionCenter ?? view?.distributionCenter;
      if (!dc) continue;
      const ended = ctx.statusAt(orderId, 'cancelled') ?? ctx.statusAt(orderId, 'rejected');
      // A snapshot read after the layer knew the order had shipped reflects the stock it took.
      const shippedAt = shippedAck.get(orderId);
      const snapshots = snapshotsByDc.get(dc) ?? [];
      const settledBySnapshot = shippedAt === undefined ? undefined : snapshots.find((t) => t > shippedAt);
      for (const line of order.lines) {
        const key = `${line.sku}@${dc}`;
        promises++;
        add(key, { at: ack.at, kind: 'promise', orderId, qty: line.quantity, order: order.order });
        if (ended !== undefined) add(key, { at: ended, kind: 'release', orderId, qty: line.quantity });
        if (settledBySnapshot !== undefined) add(key, { at: settledBySnapshot, kind: 'release', orderId, qty: line.quantity });
      }
    }
  }
  const anomalies: Anomaly[] = [];
  const order = { know: 0, release: 1, promise: 2 } as const;
  for (const [key, list] of steps) {
    list.sort((a, b) => a.at - b.at || order[a.kind] - order[b.kind]);
    let known = openingStock(ctx, key);
    let sequence = 0;
    const open = new Map<string, number>();
    let promised = 0;
    for (const s of list) {
      if (s.kind === 'know') {
        if (s.sequence > sequence) {
          sequence = s.sequence;
          known = s.onHand;
        }
      } else if (s.kind === 'release') {
        const qty = open.get(s.orderId);
        if (qty !== undefined) {
          promised -= qty;
          open.delete(s.orderId);
        }
      } else {
        open.set(s.orderId, (open.get(s.orderId) ?? 0) + s.qty);
        promised += s.qty;
        if (promised > known) {
          const [sku, dc] = key.split('@') as [string, string];
          const sf = ctx.storefrontOrder(s.orderId);
          anomalies.push({
            type: 'oversold',
            message: `order ${s.orderId} was accepted at ${fmt(s.at)} for ${s.qty} × ${sku} at ${dc}, bringing open promises to ${promised} against ${known} on hand the layer had been told of`,
            subject: { orderId: s.orderId, sku, distributionCenter: dc },
            traceIds: sf ? [sf.traceId] : [],
            at: s.at,
            excerpt: ctx.excerpt(sf),
          });
        }
      }
    }
  }
  return resultOf('no-oversell', anomalies, `${promises} promised line(s) checked against the stock the layer knew of: never more promised than on hand`, (n) => `${n} accepted order line(s) promised more stock than the distribution center held`);
}

function openingStock(ctx: CheckContext, key: string): number {
  const [sku, dc] = key.split('@') as [string, string];
  return ctx.obs.wms.get(dc)?.opening.find((s) => s.sku === sku)?.onHand ?? 0;
}
