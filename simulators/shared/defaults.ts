/**
 * The default topology: what `faultline sim` serves with no configuration, and what the scenario
 * engine starts from. Every simulator takes these as its option defaults, so an ERP, the WMS of
 * each distribution center, the carriers and the storefront workload agree out of the box
 * (the same skus, prices, customers and stock).
 *
 * Prices of the named items are the ones in the contract examples (erp.yaml `validatePrices`);
 * generated items are priced by a fixed formula, so the catalog never depends on a seed.
 */

export type Uom = 'EA' | 'CS' | 'PAL' | 'KG' | 'M';

export interface MoneyValue {
  /** Decimal string, e.g. `"4.20"`. */
  amount: string;
  /** ISO 4217. */
  currency: string;
}

export interface CatalogItem {
  sku: string;
  description: string;
  /** Stock-keeping unit in the WMS, and the only sales unit in the ERP. */
  uom: Uom;
  /** List price per `uom`. */
  price: MoneyValue;
  /** Shipping weight per unit, grams (for carrier parcels). */
  weightG: number;
}

export interface CustomerAccount {
  customerId: string;
  name: string;
  /** Credit currency (ISO 4217). */
  currency: string;
  /** Credit limit, decimal string in `currency`. */
  creditLimit: string;
  /** Blocked for sales: credit checks refuse (`CUSTOMER_BLOCKED`), bookings answer 422. */
  blocked?: boolean;
  /** Has overdue items: credit checks refuse (`OVERDUE_ITEMS`). */
  overdue?: boolean;
}

export interface ChannelConfig {
  /** Channel name as the layer knows it (`b2b-web`). */
  name: string;
  /** The channel's API key for the commerce API (`X-API-Key`). */
  apiKey: string;
  /** Share of the order traffic, relative to the other channels' shares. */
  share: number;
}

export interface Site {
  name: string;
  line1: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** Distribution centers; the first is the default of `faultline sim wms`. */
export const DISTRIBUTION_CENTERS = ['DC-EAST', 'DC-WEST'] as const;

/** Where each distribution center ships from (carrier rate and label requests). */
export const DC_SITES: Record<string, Site> = {
  'DC-EAST': { name: 'Faultline Distribution Ost', line1: 'Am Güterbahnhof 4', city: 'Leipzig', postalCode: '04158', country: 'DE' },
  'DC-WEST': { name: 'Faultline Distribution West', line1: 'Hafenstraße 21', city: 'Dortmund', postalCode: '44147', country: 'DE' },
};

/** The three items every contract example uses. */
export const NAMED_ITEMS: readonly CatalogItem[] = [
  { sku: 'BRG-6204', description: 'Deep groove ball bearing 6204-2RS', uom: 'EA', price: { amount: '4.20', currency: 'EUR' }, weightG: 110 },
  { sku: 'VLV-100', description: 'Ball valve DN25 PN40', uom: 'EA', price: { amount: '38.00', currency: 'EUR' }, weightG: 850 },
  { sku: 'HOS-25M', description: 'Hydraulic hose assembly, 25 m', uom: 'EA', price: { amount: '61.90', currency: 'EUR' }, weightG: 4200 },
];

/**
 * `count` generated items `GEN-0001`, `GEN-0002`, … priced between 1.50 and 250.00 EUR by a fixed
 * formula (no randomness), weights between 50 g and 5 kg.
 */
export function generatedItems(count: number): CatalogItem[] {
  const items: CatalogItem[] = [];
  for (let i = 1; i <= count; i++) {
    const cents = 150 + ((i * 7919) % 24851);
    items.push({
      sku: `GEN-${String(i).padStart(4, '0')}`,
      description: `Generated item ${i}`,
      uom: 'EA',
      price: { amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`, currency: 'EUR' },
      weightG: 50 + ((i * 104_729) % 4951),
    });
  }
  return items;
}

/** The default catalog: the named items first (the most popular under Zipf), then 47 generated ones. */
export const DEFAULT_CATALOG: readonly CatalogItem[] = [...NAMED_ITEMS, ...generatedItems(47)];

/**
 * Initial on-hand stock per distribution center and sku (units of the sku's `uom`): the named items
 * are stocked deeper in DC-EAST, and every sku is stocked in both.
 */
export function initialStock(dc: string, catalog: readonly CatalogItem[] = DEFAULT_CATALOG): Array<{ sku: string; uom: Uom; onHand: number }> {
  const east = dc === 'DC-EAST';
  return catalog.map((item, index) => ({
    sku: item.sku,
    uom: item.uom,
    onHand: index < NAMED_ITEMS.length ? (east ? 500 : 300) : east ? 200 : 150,
  }));
}

/** C-100 is the customer of the contract examples (credit limit 10000.00 EUR); C-101…C-120 are larger accounts. */
export const DEFAULT_CUSTOMERS: readonly CustomerAccount[] = [
  { customerId: 'C-100', name: 'Kessler Maschinenbau GmbH', currency: 'EUR', creditLimit: '10000.00' },
  ...Array.from({ length: 20 }, (_, i) => ({
    customerId: `C-${101 + i}`,
    name: `Customer ${101 + i} GmbH`,
    currency: 'EUR',
    creditLimit: '250000.00',
  })),
];

/** Sales channels and their API keys (the layer must be configured with the same keys). */
export const DEFAULT_CHANNELS: readonly ChannelConfig[] = [
  { name: 'b2b-web', apiKey: 'fl-test-b2b-web-7d1c2a', share: 0.5 },
  { name: 'marketplace-north', apiKey: 'fl-test-marketplace-north-93be04', share: 0.3 },
  { name: 'marketplace-south', apiKey: 'fl-test-marketplace-south-5f21c8', share: 0.2 },
];

/** Ship-to addresses the workload picks from (commerce `Address`). */
export const DEFAULT_SHIP_TO: readonly Site[] = [
  { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' },
  { name: 'Brandt Hydraulik KG', line1: 'Am Sandtorkai 40', city: 'Hamburg', postalCode: '20457', country: 'DE' },
  { name: 'Vogel Anlagenbau AG', line1: 'Landsberger Straße 300', city: 'München', postalCode: '80687', country: 'DE' },
  { name: 'Oduya Fluid Systems BV', line1: 'Keizersgracht 62', city: 'Amsterdam', postalCode: '1015 CS', country: 'NL' },
  { name: 'Lindqvist Industri AB', line1: 'Hamngatan 11', city: 'Stockholm', postalCode: '111 47', country: 'SE' },
];

/** The secret SwiftShip signs webhook bodies with (`X-Swift-Signature`), unless configured otherwise. */
export const DEFAULT_SWIFT_WEBHOOK_SECRET = 'faultline-swift-webhook-secret';

/** The carriers on the Transport. */
export const CARRIERS = ['carrier-swift', 'carrier-pelican'] as const;
export type CarrierName = (typeof CARRIERS)[number];
