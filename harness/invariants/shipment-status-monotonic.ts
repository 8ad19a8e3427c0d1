import { resultOf, type Anomaly, type CheckResult } from './checker.ts';
import type { CheckContext } from './context.ts';
import { shipmentRank } from '../world/recorder.ts';
import { fmt } from './no-lost-orders.ts';

/**
 * `shipment-status-monotonic`: the status a channel sees never moves backwards, neither in the
 * canonical shipment events it consumes nor in the orders it reads (each source on its own: an
 * event pipeline lagging behind a read is not a regression).
 */
export function checkShipmentStatusMonotonic(ctx: CheckContext): CheckResult {
  const anomalies: Anomaly[] = [];
  let shipments = 0;
  for (const [shipmentId, seen] of ctx.obs.recorder.seenStatuses.entries()) {
    shipments++;
    for (const source of ['event', 'read'] as const) {
      let best: (typeof seen)[number] | undefined;
      for (const s of seen) {
        if (s.source !== source) continue;
        if (best && shipmentRank(s.status) < shipmentRank(best.status)) {
          const sf = ctx.storefrontOrder(s.orderId);
          anomalies.push({
            type: 'status-regressed',
            message: `shipment ${shipmentId} of order ${s.orderId} went back from "${best.status}" (seen at ${fmt(best.at)}) to "${s.status}" (seen at ${fmt(s.at)}) in the ${source === 'event' ? 'canonical events' : 'order the channel read'}`,
            subject: { shipmentId, orderId: s.orderId },
            traceIds: sf ? [sf.traceId] : [],
            at: s.at,
            excerpt: seen.map((x) => ({ at: x.at, actor: 'channel', type: x.source, what: x.status })),
          });
          break;
        }
        if (!best || shipmentRank(s.status) >= shipmentRank(best.status)) best = s;
      }
    }
  }
  return resultOf('shipment-status-monotonic', anomalies, `${shipments} shipment(s) followed: no status ever moved backwards`, (n) => `${n} shipment status regression(s) seen by channels`);
}
