// Provider states of the integration layer's commerce API (provider `integration-layer`, the
// storefront pacts), made true through the API itself: orders placed with a channel's key, stock
// set by an inventoryAdjusted posted to the WMS webhook, as the WMS of that DC would.
import type { components } from '../../../contracts/generated/openapi/commerce.ts';
import type { ApiKeyConfig } from '../../../reference-impl/config.ts';
import type { HttpHandler, Random } from '../../../runtime/ports.ts';
import { FaultlineRoutes } from '../../../simulators/shared/faultline-routes.ts';
import { PROVIDER_STATES_PATH, ProviderStateError, ProviderStates, type StateDefinition } from '../provider-states.ts';
import { SimulatorCaller } from './support.ts';

export interface LayerStateTarget {
  /** The commerce API handler. */
  call: HttpHandler;
  /** API key per sales channel (`b2b-web` → its key): orders are placed with the channel's own key. */
  channelKeys: Record<string, string>;
  /** API key per distribution center's WMS (`DC-EAST` → key with events:write), to post stock changes. */
  wmsKeys: Record<string, string>;
  /** Fresh idempotency keys and event ids. */
  random: Random;
}

/**
 * The API keys the committed storefront pacts send (`X-API-Key`), and the WMS keys the stock
 * state posts with. A layer verified against those pacts accepts them: the pact-provider tests'
 * layer, and `faultline serve --provider-states`.
 */
export const PACT_KEYS = {
  storefront: 'pact-b2b-web-key-0001',
  wmsEast: 'pact-wms-east-key-0002',
  wmsWest: 'pact-wms-west-key-0003',
  swift: 'pact-swift-key-0004',
  pelican: 'pact-pelican-key-0005',
} as const;

export const PACT_API_KEYS: readonly ApiKeyConfig[] = [
  { key: PACT_KEYS.storefront, partner: 'b2b-web', channel: 'b2b-web', scopes: ['orders:write', 'orders:read', 'inventory:read'] },
  { key: PACT_KEYS.wmsEast, partner: 'wms@DC-EAST', scopes: ['events:write'] },
  { key: PACT_KEYS.wmsWest, partner: 'wms@DC-WEST', scopes: ['events:write'] },
  { key: PACT_KEYS.swift, partner: 'carrier-swift', scopes: ['events:write'] },
  { key: PACT_KEYS.pelican, partner: 'carrier-pelican', scopes: ['events:write'] },
];

/** The keys of PACT_API_KEYS that the states act with (`LayerStateTarget`'s `channelKeys`, `wmsKeys`). */
export const PACT_STATE_KEYS = {
  channelKeys: { 'b2b-web': PACT_KEYS.storefront },
  wmsKeys: { 'DC-EAST': PACT_KEYS.wmsEast, 'DC-WEST': PACT_KEYS.wmsWest },
} as const;

/**
 * The layer's API with its provider states at /_faultline/provider-states, set through the API
 * with the pacts' own keys: what `faultline serve --provider-states` and the pact tests serve.
 */
export function withLayerProviderStates(api: HttpHandler, random: Random): HttpHandler {
  const states = new ProviderStates('integration-layer', layerStates({ call: api, ...PACT_STATE_KEYS, random }));
  return new FaultlineRoutes().add('POST', PROVIDER_STATES_PATH, states.route()).add('GET', PROVIDER_STATES_PATH, states.route()).wrap(api);
}

/** The order a state places when its params give none: the storefront pact's example order. */
export const DEFAULT_ORDER: components['schemas']['CreateOrderRequest'] = {
  customerId: 'C-100',
  currency: 'EUR',
  externalOrderRef: 'b2b-web-58213',
  lines: [{ lineNumber: 1, sku: 'BRG-6204', quantity: { value: 10, uom: 'EA' }, unitPrice: { amount: '4.20', currency: 'EUR' } }],
  shipTo: { name: 'Kessler Maschinenbau GmbH', line1: 'Industriestraße 12', city: 'Leipzig', postalCode: '04109', country: 'DE' },
};

type Json = Record<string, unknown>;

export function layerStates(target: LayerStateTarget): StateDefinition[] {
  const as = (channel: string): SimulatorCaller => {
    const key = target.channelKeys[channel];
    if (!key) throw new ProviderStateError(`no API key of channel ${channel} is configured for provider states (known: ${Object.keys(target.channelKeys).join(', ')})`);
    return new SimulatorCaller('integration-layer', target.call, { 'x-api-key': key });
  };
  const orderOf = (params: Json): Json => (params.order !== null && typeof params.order === 'object' ? (params.order as Json) : (DEFAULT_ORDER as unknown as Json));
  // Each placement carries its own Idempotency-Key header.
  const placeWithKey = async (channel: string, idempotencyKey: string, order: Json): Promise<{ status: number; orderId?: string; body: string }> => {
    const key = target.channelKeys[channel];
    if (!key) throw new ProviderStateError(`no API key of channel ${channel} is configured for provider states`);
    const res = await new SimulatorCaller('integration-layer', target.call, { 'x-api-key': key, 'idempotency-key': idempotencyKey }).send('POST', '/v1/orders', order);
    return { status: res.status, body: res.body, ...(res.status === 202 ? { orderId: String((JSON.parse(res.body) as { orderId: string }).orderId) } : {}) };
  };

  return [
    {
      name: 'sku {sku} has {available} available at {distributionCenter}',
      description: "That many units are available to promise (on hand minus reserved) in the layer's view, set by an inventoryAdjusted the DC's WMS posts.",
      setup: async (v) => {
        const wmsKey = target.wmsKeys[v.distributionCenter!];
        if (!wmsKey) throw new ProviderStateError(`no WMS key of ${v.distributionCenter} is configured for provider states (known: ${Object.keys(target.wmsKeys).join(', ')})`);
        const reader = as(Object.keys(target.channelKeys)[0]!);
        const current = await reader.send('GET', `/v1/inventory/${encodeURIComponent(v.sku!)}/availability`);
        const dc = current.status === 200 ? ((JSON.parse(current.body) as { uom: string; distributionCenters: Json[] }).distributionCenters.find((d) => d.distributionCenter === v.distributionCenter) ?? {}) : {};
        const uom = current.status === 200 ? (JSON.parse(current.body) as { uom: string }).uom : 'EA';
        const onHand = Number(dc.reserved ?? 0) + Number(v.available);
        // Already true (a second verification on the same layer): the WMS contract has no zero adjustment.
        if (current.status === 200 && onHand === Number(dc.onHand)) return { sku: v.sku!, available: Number(v.available) };
        const event = {
          eventId: target.random.uuid(),
          eventType: 'inventory.adjusted',
          distributionCenter: v.distributionCenter,
          sku: v.sku,
          uom,
          delta: onHand - Number(dc.onHand ?? 0),
          onHand,
          reason: 'cycle_count',
          sequence: Number(dc.version ?? 0) + 1,
          occurredAt: new Date(0).toISOString(),
        };
        const posted = await new SimulatorCaller('integration-layer', target.call, { 'x-api-key': wmsKey, 'x-wms-event-type': 'inventory.adjusted', 'x-wms-delivery-id': target.random.uuid() }).send('POST', `/v1/webhooks/wms/${v.distributionCenter}`, event);
        if (posted.status !== 202) throw new ProviderStateError(`posting the stock of ${v.sku} answered ${posted.status}: ${posted.body}`);
        // The bus consumer applies it asynchronously: wait until the figure shows.
        for (let i = 0; i < 200; i++) {
          const now = await reader.send('GET', `/v1/inventory/${encodeURIComponent(v.sku!)}/availability`);
          const figures = now.status === 200 ? (JSON.parse(now.body) as { distributionCenters: Json[] }).distributionCenters.find((d) => d.distributionCenter === v.distributionCenter) : undefined;
          if (figures && Number(figures.available) === Number(v.available)) return { sku: v.sku!, available: Number(v.available) };
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        throw new ProviderStateError(`${v.sku} at ${v.distributionCenter} did not show ${v.available} available within 2 s of the stock event`);
      },
    },
    {
      name: 'an order was placed by {channel} with Idempotency-Key {idempotencyKey}',
      description: 'The order (params.order, else the example order) was accepted under that key; returns its `orderId`.',
      setup: async (v, params) => {
        const placed = await placeWithKey(v.channel!, v.idempotencyKey!, orderOf(params));
        if (!placed.orderId) throw new ProviderStateError(`placing the order under Idempotency-Key ${v.idempotencyKey} answered ${placed.status}: ${placed.body}`);
        return { orderId: placed.orderId };
      },
    },
    {
      name: 'Idempotency-Key {idempotencyKey} was used by {channel} for another order',
      description: 'A different order (one more unit on its first line) was accepted under that key.',
      setup: async (v, params) => {
        const order = structuredClone(orderOf(params)) as { lines: Array<{ quantity: { value: number } }> };
        order.lines[0]!.quantity.value += 1;
        const placed = await placeWithKey(v.channel!, v.idempotencyKey!, order as unknown as Json);
        if (!placed.orderId && placed.status !== 409) throw new ProviderStateError(`placing the other order under Idempotency-Key ${v.idempotencyKey} answered ${placed.status}: ${placed.body}`);
      },
    },
    {
      name: 'an order {orderId} was placed by {channel}',
      description: 'An order (params.order, else the example order) was accepted under a fresh Idempotency-Key and is not shipped; returns its `orderId`.',
      setup: async (v, params) => {
        const placed = await placeWithKey(v.channel!, `provider-state.${target.random.uuid()}`, orderOf(params));
        if (!placed.orderId) throw new ProviderStateError(`placing the order answered ${placed.status}: ${placed.body}`);
        return { orderId: placed.orderId };
      },
    },
  ];
}
