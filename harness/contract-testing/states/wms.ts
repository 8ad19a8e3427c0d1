// Provider states of a distribution center's WMS (provider `wms`), made true on a WmsSimulator
// through its contract handler and its operator methods (cycle counts, receipts).
import type { components } from '../../../contracts/generated/openapi/wms.ts';
import type { WmsSimulator } from '../../../simulators/wms/index.ts';
import { ProviderStateError, type StateDefinition } from '../provider-states.ts';
import { freshReference, maintenanceWindow, SimulatorCaller, type StateTarget } from './support.ts';

type S = components['schemas'];

const OPEN = new Set<S['FulfillmentOrderStatus']>(['released', 'picking', 'packed']);

export function wmsStates(target: StateTarget<WmsSimulator>): StateDefinition[] {
  const wms = target.simulator;
  const call = new SimulatorCaller(target.system, target.call);

  const here = (dc: string | undefined): void => {
    if (dc !== undefined && dc !== wms.dc) throw new ProviderStateError(`this WMS runs ${wms.dc}, not ${dc} (start it with --dc ${dc})`);
  };
  const stocked = (sku: string) => {
    const s = wms.truth().stock.find((x) => x.sku === sku);
    if (!s) throw new ProviderStateError(`${sku} is not stocked at ${wms.dc} in this WMS simulator`);
    return s;
  };
  const orderExists = (id: string) => wms.truth().fulfillmentOrders.some((fo) => fo.fulfillmentOrderId === id);

  /** Frees every unit of `sku` that open fulfillment orders or reservations hold, through the API. */
  const freeAllocations = async (sku: string): Promise<void> => {
    for (const fo of wms.truth().fulfillmentOrders) {
      if (OPEN.has(fo.status) && fo.order.lines.some((l) => l.sku === sku)) {
        await call.expect(200, 'POST', `/fulfillment-orders/${encodeURIComponent(fo.fulfillmentOrderId)}/cancel`);
      }
    }
    for (const r of wms.truth().reservations) {
      if (r.status === 'active' && r.sku === sku) await call.expect(204, 'DELETE', `/reservations/${encodeURIComponent(r.reservationId)}`);
    }
  };

  return [
    {
      name: 'sku {sku} has {onHand} on hand at {distributionCenter}',
      description: 'Exactly that many units on hand, none allocated (open fulfillment orders and reservations holding the sku are cancelled; a cycle count sets the figure).',
      setup: async (v) => {
        here(v.distributionCenter);
        const onHand = Number(v.onHand);
        if (!Number.isInteger(onHand) || onHand < 0) throw new ProviderStateError(`on hand must be a whole number >= 0, got "${v.onHand}"`);
        stocked(v.sku!);
        await freeAllocations(v.sku!);
        wms.cycleCount(v.sku!, onHand);
        const after = stocked(v.sku!);
        if (after.onHand !== onHand || after.allocated !== 0) throw new ProviderStateError(`${v.sku} at ${wms.dc} has ${after.onHand} on hand, ${after.allocated} allocated after the count`);
        return { sku: after.sku, onHand: after.onHand };
      },
    },
    {
      name: 'no fulfillment order {fulfillmentOrderId} exists at {distributionCenter}',
      description: 'The id is unused (returns a fresh `fulfillmentOrderId` when it is taken).',
      setup: (v) => {
        here(v.distributionCenter);
        return { fulfillmentOrderId: freshReference(v.fulfillmentOrderId!, (id) => !orderExists(id)) };
      },
    },
    {
      name: 'fulfillment order {fulfillmentOrderId} is released at {distributionCenter}',
      description: 'A fulfillment order (2 EA BRG-6204, SwiftShip STANDARD) is released and not yet shipped; returns its `fulfillmentOrderId`.',
      setup: async (v) => {
        here(v.distributionCenter);
        const open = wms.truth().fulfillmentOrders.find((fo) => fo.fulfillmentOrderId === v.fulfillmentOrderId && OPEN.has(fo.status));
        if (open) return { fulfillmentOrderId: open.fulfillmentOrderId };
        const id = freshReference(v.fulfillmentOrderId!, (x) => !orderExists(x));
        const sku = v.sku ?? 'BRG-6204';
        const s = stocked(sku);
        if (s.available < 2) wms.receive(sku, 2 - s.available);
        const body: S['FulfillmentOrderRequest'] = {
          fulfillmentOrderId: id,
          orderReference: id,
          lines: [{ lineNumber: 1, sku, quantity: { value: 2, uom: s.uom } }],
          shipTo: { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' },
          carrier: 'carrier-swift',
          serviceLevel: 'STANDARD',
          label: { trackingNumber: 'SW4821900001', labelId: 'shp_provider0state01' },
        };
        const order = await call.expect<S['FulfillmentOrder']>(201, 'POST', '/fulfillment-orders', body);
        return { fulfillmentOrderId: order.fulfillmentOrderId };
      },
    },
    {
      name: 'no return {returnId} is expected at {distributionCenter}',
      description: 'The return id is unused (returns a fresh `returnId` when it is taken).',
      setup: (v) => {
        here(v.distributionCenter);
        return { returnId: freshReference(v.returnId!, (id) => !wms.truth().returns.some((r) => r.expectation.returnId === id)) };
      },
    },
    maintenanceWindow(target, 'the WMS is in a maintenance window', 'wms', { retryAfter: '300s' }),
  ];
}
