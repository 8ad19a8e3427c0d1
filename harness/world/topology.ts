import type { DistributionCenterConfig, InitialStock } from '../../reference-impl/config.ts';
import { DEFAULT_DISTRIBUTION_CENTERS } from '../../reference-impl/config.ts';
import type { Random } from '../../runtime/ports.ts';
import { generatedItems, NAMED_ITEMS, type CatalogItem, type ChannelConfig, type CustomerAccount, type Uom } from '../../simulators/shared/defaults.ts';
import type { Scenario } from '../scenario/model.ts';

/** The concrete landscape of one run: what every system is configured with, derived from the scenario and the seed. */
export interface Landscape {
  catalog: CatalogItem[];
  customers: CustomerAccount[];
  channels: ChannelConfig[];
  /** Opening stock per DC. */
  stock: Map<string, Array<{ sku: string; uom: Uom; onHand: number }>>;
  distributionCenters: DistributionCenterConfig[];
  /** The key an operator uses (every scope): replays exceptions and reads final state. */
  operatorKey: string;
}

const SERVICE_LEVEL = { 'carrier-swift': 'STANDARD', 'carrier-pelican': 'ground' } as const;

export function buildLandscape(scenario: Scenario, random: Random): Landscape {
  const t = scenario.topology;
  const catalog = [...NAMED_ITEMS.slice(0, t.skus.count), ...generatedItems(Math.max(0, t.skus.count - NAMED_ITEMS.length))];
  const stockRandom = random.fork('stock');
  const stock = new Map(
    t.distributionCenters.map((dc) => [dc.code, catalog.map((item) => ({ sku: item.sku, uom: item.uom, onHand: stockRandom.int(t.skus.stock.min, t.skus.stock.max) }))]),
  );
  // C-100 keeps the contract examples' 10000.00 EUR limit; the others the scenario's.
  const customers: CustomerAccount[] = [
    { customerId: 'C-100', name: 'Kessler Maschinenbau GmbH', currency: 'EUR', creditLimit: '10000.00' },
    ...Array.from({ length: Math.max(0, t.customers.count - 1) }, (_, i) => ({ customerId: `C-${101 + i}`, name: `Customer ${101 + i} GmbH`, currency: 'EUR', creditLimit: t.customers.creditLimit })),
  ];
  const channels = t.channels.map((c) => ({ name: c.name, apiKey: `fl-sim-${c.name}`, share: c.share }));
  const distributionCenters = t.distributionCenters.map((dc) => {
    const known = DEFAULT_DISTRIBUTION_CENTERS.find((d) => d.code === dc.code);
    return {
      code: dc.code,
      carrier: dc.carrier,
      serviceLevel: SERVICE_LEVEL[dc.carrier],
      address: known?.address ?? { name: `Faultline Distribution ${dc.code}`, line1: 'Logistikring 1', city: 'Kassel', postalCode: '34123', country: 'DE' },
      parcel: { weightKg: 2 },
    } satisfies DistributionCenterConfig;
  });
  return { catalog, customers, channels, stock, distributionCenters, operatorKey: 'fl-sim-operator' };
}

/** The layer's starting view of stock: what the WMS holds at time 0, as if read from a snapshot. */
export function initialInventory(landscape: Landscape): InitialStock[] {
  const out: InitialStock[] = [];
  for (const [dc, items] of landscape.stock) for (const i of items) out.push({ distributionCenter: dc, sku: i.sku, uom: i.uom, onHand: i.onHand, version: 0 });
  return out;
}
