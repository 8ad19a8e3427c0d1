import type { HistoryExcerpt } from './checker.ts';
import type { Observations } from '../run/observations.ts';
import type { StorefrontOrder } from '../world/recorder.ts';

/** Helpers the checkers share: relative times, who acknowledged what, ERP documents by reference. */
export class CheckContext {
  private salesOrdersByRef: Map<string, Observations['erp']['salesOrders'][number][]> | undefined;
  private storefrontByOrderId: Map<string, StorefrontOrder> | undefined;

  constructor(readonly obs: Observations) {}

  /** ms since scenario start of an absolute RFC 3339 timestamp. */
  rel(iso: string): number {
    return Date.parse(iso) - this.obs.epoch;
  }

  /** Every storefront order that was acknowledged at least once. */
  acknowledged(): StorefrontOrder[] {
    return [...this.obs.recorder.orders.values()].filter((o) => o.acks.length > 0);
  }

  /** The storefront order an order id was acknowledged for. */
  storefrontOrder(orderId: string): StorefrontOrder | undefined {
    if (!this.storefrontByOrderId) {
      this.storefrontByOrderId = new Map();
      for (const o of this.obs.recorder.orders.values()) for (const a of o.acks) this.storefrontByOrderId.set(a.orderId, o);
    }
    return this.storefrontByOrderId.get(orderId);
  }

  salesOrders(orderId: string): Observations['erp']['salesOrders'][number][] {
    if (!this.salesOrdersByRef) {
      this.salesOrdersByRef = new Map();
      for (const so of this.obs.erp.salesOrders) {
        const list = this.salesOrdersByRef.get(so.externalReference);
        if (list) list.push(so);
        else this.salesOrdersByRef.set(so.externalReference, [so]);
      }
    }
    return this.salesOrdersByRef.get(orderId) ?? [];
  }

  /** The storefront's history of one order, plus `extra` truth lines, sorted by time. */
  excerpt(order: StorefrontOrder | undefined, extra: HistoryExcerpt[] = []): HistoryExcerpt[] {
    const base = order ? this.obs.recorder.excerptFor(order.order, 6) : [];
    return [...base, ...extra].sort((a, b) => a.at - b.at).slice(0, 10);
  }

  /** When the order entered `status`, from its timeline (ms since start). */
  statusAt(orderId: string, status: string): number | undefined {
    const view = this.obs.finalOrders.get(orderId);
    const entry = view?.timeline.find((t) => t.status === status);
    return entry ? this.rel(entry.at) : undefined;
  }
}

export const TERMINAL = new Set(['cancelled', 'rejected']);
