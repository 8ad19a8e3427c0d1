// Prism on the wire: each simulator runs over real HTTP behind `prism proxy --errors` with its own
// contract, a realistic sequence of calls drives it through Prism, and Prism must find nothing
// wrong with any request or answer (no `sl-violations`, no Prism-made error). Then a simulator
// made to drift (a schema-drift or malformed fault from simulators/faults, applied with
// FaultInjector.wrapHandler) is caught by Prism on the same wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WallClock } from '../../runtime/clock/wall-clock.ts';
import { serveHandler, type RunningServer } from '../../runtime/http/serve.ts';
import type { HttpHandler } from '../../runtime/ports.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { PelicanSimulator, SwiftSimulator } from '../../simulators/carriers/index.ts';
import { ErpSimulator } from '../../simulators/erp/index.ts';
import { FaultInjector } from '../../simulators/faults/index.ts';
import { withProblemInstance } from '../../simulators/shared/service.ts';
import { WmsSimulator } from '../../simulators/wms/index.ts';
import { startPrism, stopAllPrisms, type RunningPrism } from './prism.ts';

type System = 'erp' | 'wms' | 'carrier-swift' | 'carrier-pelican';
const CONTRACT: Record<System, string> = {
  erp: 'contracts/openapi/erp.yaml',
  wms: 'contracts/openapi/wms.yaml',
  'carrier-swift': 'contracts/openapi/carrier-swift.yaml',
  'carrier-pelican': 'contracts/openapi/carrier-pelican.yaml',
};
const AUTH: Record<System, Record<string, string>> = {
  erp: { authorization: 'Bearer prism-conformance' },
  wms: { 'x-api-key': 'prism-conformance' },
  'carrier-swift': { authorization: 'Bearer prism-conformance' },
  'carrier-pelican': { 'x-api-key': 'prism-conformance' },
};

interface Wire {
  faults: FaultInjector;
  server: RunningServer;
  prism: RunningPrism;
}
const wires = new Map<System, Wire>();
const servers = new Set<RunningServer>();

beforeAll(async () => {
  const clock = new WallClock();
  const random = new SeededRandom(3);
  const serviceTime = { default: { distribution: 'fixed' as const, ms: 0 } };
  const handlers: Record<System, HttpHandler> = {
    erp: new ErpSimulator({ clock, random: random.fork('erp') }, { serviceTime }).handler,
    wms: new WmsSimulator({ clock, random: random.fork('wms@DC-EAST') }, { serviceTime }).handler,
    'carrier-swift': new SwiftSimulator({ clock, random: random.fork('carrier-swift') }, { serviceTime }).handler,
    'carrier-pelican': new PelicanSimulator({ clock, random: random.fork('carrier-pelican') }, { serviceTime }).handler,
  };
  await Promise.all(
    (Object.keys(handlers) as System[]).map(async (system) => {
      const faults = new FaultInjector([], { clock, random: random.fork(`faults/${system}`) });
      const server = await serveHandler(withProblemInstance(faults.wrapHandler(system === 'wms' ? 'wms@DC-EAST' : system, handlers[system])));
      servers.add(server);
      const prism = await startPrism(CONTRACT[system], server.url);
      wires.set(system, { faults, server, prism });
    }),
  );
}, 90_000);

afterAll(async () => {
  // Only the Prism processes this file started (also those whose start did not finish), by their own handles.
  await stopAllPrisms();
  await Promise.all([...servers].map((s) => s.close()));
});

interface Exchange {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read loosely by the sequences
  json: any;
}

/** A client through Prism that remembers every violation Prism reports. */
function through(system: System) {
  const wire = wires.get(system)!;
  const violations: string[] = [];
  const call = async (method: string, path: string, body?: unknown, expectStatus?: number): Promise<Exchange> => {
    const headers: Record<string, string> = { accept: 'application/json', ...AUTH[system] };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(wire.prism.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => (out[k] = v));
    const json: unknown = text === '' ? undefined : JSON.parse(text);
    const prismMade = typeof (json as { type?: unknown } | undefined)?.type === 'string' && (json as { type: string }).type.startsWith('https://stoplight.io/prism/errors#');
    if (out['sl-violations'] || prismMade) violations.push(`${method} ${path} → ${res.status}: ${out['sl-violations'] ?? text}`);
    else if (expectStatus !== undefined && res.status !== expectStatus) violations.push(`${method} ${path} → ${res.status}, expected ${expectStatus}: ${text.slice(0, 300)}`);
    return { method, path, status: res.status, headers: out, json };
  };
  return { call, violations, wire };
}

const SHIP_TO_WMS = { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' };

describe('Prism finds nothing wrong with a simulator driven through it', () => {
  it('erp: credit, prices, booking (and its replay), look-ups, goods issue, invoice, credit memo, balances, cancellation, refusals', async () => {
    const { call, violations } = through('erp');
    const line = { lineNumber: 1, itemNumber: 'BRG-6204', qty: 10, uom: 'EA', unitPrice: { amount: '4.20', currency: 'EUR' } };
    const order = (ref: string) => ({ externalReference: ref, soldTo: 'C-100', currency: 'EUR', warehouse: 'DC-EAST', orderDate: '2026-01-05T08:00:00Z', lines: [line] });
    await call('POST', '/customers/C-100/credit-check', { amount: { amount: '42.00', currency: 'EUR' } }, 200);
    await call('POST', '/pricing/validate', { soldTo: 'C-100', currency: 'EUR', lines: [{ itemNumber: 'BRG-6204', qty: 10, uom: 'EA', unitPrice: { amount: '4.20', currency: 'EUR' } }] }, 200);
    const booked = await call('POST', '/sales-orders', order('prism-1'), 201);
    await call('POST', '/sales-orders', order('prism-1'), 200);
    const so = String(booked.json?.salesOrderNumber);
    await call('GET', '/sales-orders?externalReference=prism-1', undefined, 200);
    await call('GET', `/sales-orders/${so}`, undefined, 200);
    await call('POST', '/goods-issues', { externalReference: 'prism-1.gi', salesOrderNumber: so, warehouse: 'DC-EAST', shippedAt: '2026-01-05T12:00:00Z', carrier: 'carrier-swift', trackingNumber: 'SW4821900001', lines: [{ itemNumber: 'BRG-6204', qty: 10, uom: 'EA' }] }, 201);
    await call('GET', '/goods-issues?externalReference=prism-1.gi', undefined, 200);
    const invoice = await call('POST', '/invoices', { externalReference: 'prism-1', salesOrderNumber: so, invoiceDate: '2026-01-05' }, 201);
    await call('GET', `/invoices?salesOrderNumber=${so}`, undefined, 200);
    await call('GET', `/invoices/${String(invoice.json?.invoiceNumber)}`, undefined, 200);
    await call('POST', '/credit-memos', { externalReference: 'prism-ret-1', salesOrderNumber: so, invoiceNumber: invoice.json?.invoiceNumber, reason: 'DAMAGED', lines: [{ itemNumber: 'BRG-6204', qty: 2, uom: 'EA' }] }, 201);
    await call('GET', '/credit-memos?externalReference=prism-ret-1', undefined, 200);
    await call('GET', '/inventory/balances?warehouse=DC-EAST', undefined, 200);
    const other = await call('POST', '/sales-orders', order('prism-2'), 201);
    await call('POST', `/sales-orders/${String(other.json?.salesOrderNumber)}/cancel`, undefined, 200);
    await call('POST', `/sales-orders/${so}/cancel`, undefined, 409);
    await call('GET', '/sales-orders/SO-999999', undefined, 404);
    await call('POST', '/sales-orders', { ...order('prism-3'), lines: [{ ...line, itemNumber: 'NOPE-1' }] }, 422);
    expect(violations).toEqual([]);
  });

  it('wms: stock, reservation and its release, fulfillment order (release, replay, read, cancel), short stock, return, unknown order', async () => {
    const { call, violations } = through('wms');
    const fo = (id: string, qty: number) => ({
      fulfillmentOrderId: id,
      orderReference: id,
      lines: [{ lineNumber: 1, sku: 'BRG-6204', quantity: { value: qty, uom: 'EA' } }],
      shipTo: SHIP_TO_WMS,
      carrier: 'carrier-swift',
      serviceLevel: 'STANDARD',
      label: { trackingNumber: 'SW4821900001', labelId: 'shp_7k2m9q4x1b8d3f6h' },
    });
    await call('GET', '/stock?sku=BRG-6204&sku=VLV-100', undefined, 200);
    await call('POST', '/reservations', { reservationId: 'prism-r-1', sku: 'BRG-6204', quantity: { value: 5, uom: 'EA' }, reference: 'prism-order-1' }, 201);
    await call('DELETE', '/reservations/prism-r-1', undefined, 204);
    await call('POST', '/fulfillment-orders', fo('prism-fo-1', 2), 201);
    await call('POST', '/fulfillment-orders', fo('prism-fo-1', 2), 200);
    await call('GET', '/fulfillment-orders/prism-fo-1', undefined, 200);
    await call('POST', '/fulfillment-orders/prism-fo-1/cancel', undefined, 200);
    await call('POST', '/fulfillment-orders', fo('prism-fo-2', 100_000), 409);
    await call('POST', '/returns', { returnId: 'prism-ret-1', orderReference: 'prism-fo-1', lines: [{ sku: 'BRG-6204', quantity: { value: 1, uom: 'EA' } }], reason: 'damaged' }, 201);
    await call('GET', '/fulfillment-orders/prism-nope', undefined, 404);
    expect(violations).toEqual([]);
  });

  it('carrier-swift: rates, a label, tracking, handover (and again), a route the service does not serve, an unknown shipment', async () => {
    const { call, violations } = through('carrier-swift');
    const address = (city: string, postalCode: string, countryCode: string) => ({ name: 'Kessler Maschinenbau GmbH', street1: 'Industriestraße 12', city, postalCode, countryCode });
    await call('POST', '/v2/rates', { origin: { postalCode: '04158', countryCode: 'DE' }, destination: { postalCode: '04109', countryCode: 'DE' }, parcels: [{ weightKg: 2 }] }, 200);
    const label = await call('POST', '/v2/shipments', { reference: 'prism-1', serviceCode: 'STANDARD', shipFrom: address('Leipzig', '04158', 'DE'), shipTo: address('Leipzig', '04109', 'DE'), parcels: [{ weightKg: 2 }] }, 201);
    const tn = String(label.json?.trackingNumber);
    await call('GET', `/v2/shipments/${tn}`, undefined, 200);
    await call('POST', `/v2/shipments/${tn}/handover`, { handedOverAt: '2026-01-05T12:00:00Z', location: 'DC-EAST dock 2' }, 200);
    await call('POST', `/v2/shipments/${tn}/handover`, { handedOverAt: '2026-01-05T12:00:00Z', location: 'DC-EAST dock 2' }, 409);
    await call('POST', '/v2/shipments', { reference: 'prism-2', serviceCode: 'ECONOMY', shipFrom: address('Leipzig', '04158', 'DE'), shipTo: address('Wien', '1010', 'AT'), parcels: [{ weightKg: 2 }] }, 422);
    await call('GET', '/v2/shipments/SW0000000000', undefined, 404);
    expect(violations).toEqual([]);
  });

  it('carrier-pelican: quotes, a label, tracking, tender (and again), a parcel too heavy, an unknown tracking code', async () => {
    const { call, violations } = through('carrier-pelican');
    const address = { contact_name: 'Brandt Hydraulik KG', address_1: 'Am Hafen 3', city: 'Duisburg', zip: '47051', country_code: 'DE' };
    await call('POST', '/api/rate_quotes', { ship_from: { zip: '47059', country_code: 'DE' }, ship_to: { zip: '47051', country_code: 'DE' }, packages: [{ weight_g: 2000, kind: 'parcel' }] }, 200);
    const label = await call('POST', '/api/labels', { client_reference: 'prism-1', service_level: 'ground', ship_from: address, ship_to: address, packages: [{ weight_g: 2000, kind: 'parcel' }] }, 201);
    await call('GET', `/api/tracking/${String(label.json?.tracking_code)}`, undefined, 200);
    await call('POST', `/api/labels/${String(label.json?.label_id)}/tender`, { tendered_ms: 1767614400000, dock: 'DC-WEST dock 1' }, 200);
    await call('POST', `/api/labels/${String(label.json?.label_id)}/tender`, { tendered_ms: 1767614400000, dock: 'DC-WEST dock 1' }, 409);
    await call('POST', '/api/labels', { client_reference: 'prism-2', service_level: 'ground', ship_from: address, ship_to: address, packages: [{ weight_g: 40_000, kind: 'parcel' }] }, 422);
    await call('GET', '/api/tracking/PLC-000000000000', undefined, 404);
    expect(violations).toEqual([]);
  });
});

describe('Prism catches a simulator that drifts from its contract', () => {
  it('a renamed field (schema-drift on wms:getFulfillmentOrder) is a response violation', async () => {
    const { call, wire } = through('wms');
    await call('POST', '/fulfillment-orders', { fulfillmentOrderId: 'prism-fo-drift', orderReference: 'prism-fo-drift', lines: [{ lineNumber: 1, sku: 'BRG-6204', quantity: { value: 1, uom: 'EA' } }], shipTo: SHIP_TO_WMS, carrier: 'carrier-swift', serviceLevel: 'STANDARD', label: { trackingNumber: 'SW4821900002' } }, 201);
    wire.faults.add({ kind: 'schema-drift', id: 'prism-drift', target: 'wms:getFulfillmentOrder', renames: { status: 'fulfillmentStatus' } });
    try {
      const res = await call('GET', '/fulfillment-orders/prism-fo-drift');
      expect(res.json?.type).toBe('https://stoplight.io/prism/errors#VIOLATIONS');
      expect(JSON.stringify(res.json?.validation)).toMatch(/status/);
      expect(res.headers['sl-violations']).toBeDefined();
    } finally {
      wire.faults.remove('prism-drift');
    }
    // The same call with the fault gone: clean again.
    expect((await call('GET', '/fulfillment-orders/prism-fo-drift')).headers['sl-violations']).toBeUndefined();
  });

  it('a member of the wrong type (malformed schema-violation on carrier-swift:createShipment) is a response violation', async () => {
    const { call, wire } = through('carrier-swift');
    wire.faults.add({ kind: 'malformed', id: 'prism-malformed', target: 'carrier-swift:createShipment', variant: 'schema-violation', field: '/trackingNumber' });
    try {
      const address = { name: 'Kessler Maschinenbau GmbH', street1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', countryCode: 'DE' };
      const res = await call('POST', '/v2/shipments', { reference: 'prism-drift', serviceCode: 'STANDARD', shipFrom: address, shipTo: address, parcels: [{ weightKg: 1 }] });
      expect(res.json?.type).toBe('https://stoplight.io/prism/errors#VIOLATIONS');
      expect(JSON.stringify(res.json?.validation)).toMatch(/trackingNumber/);
    } finally {
      wire.faults.remove('prism-malformed');
    }
  });
});
