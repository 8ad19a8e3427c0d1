import { DEFECT_NAMES, isDefectName, type DefectName } from './defects.ts';

/** Scopes a partner key can hold (commerce.yaml `x-scopes`). */
export type Scope = 'orders:write' | 'orders:read' | 'inventory:read' | 'exceptions:admin' | 'events:write';
export const ALL_SCOPES: readonly Scope[] = ['orders:write', 'orders:read', 'inventory:read', 'exceptions:admin', 'events:write'];

/** One partner's API key (sent as `X-API-Key`). */
export interface ApiKeyConfig {
  /** The secret the partner sends. */
  key: string;
  /** Who holds it: a channel (`b2b-web`), a WMS (`wms@DC-EAST`), a carrier (`carrier-swift`), an operator. */
  partner: string;
  /**
   * Sales channel of the orders this key places (`b2b-web`). Defaults to `partner`. A key sees
   * only its channel's orders, unless it is an operator's: no channel and `exceptions:admin`.
   */
  channel?: string;
  /** What the key may do; each operation lists what it needs in `x-scopes` (403 otherwise). */
  scopes: Scope[];
  /** Token bucket on the Clock; absent means unlimited. Over the limit: 429 with `Retry-After`. */
  rateLimit?: { ratePerSecond: number; burst: number };
}

/** A canonical postal address (commerce.yaml `Address`). */
export interface AddressConfig {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
  phone?: string;
}

export type CarrierSystem = 'carrier-swift' | 'carrier-pelican';

/** A distribution center the layer allocates orders to, in allocation order. */
export interface DistributionCenterConfig {
  /** `DC-EAST`. */
  code: string;
  /** Transport target of its WMS; default `wms@<code>`. */
  wms?: string;
  /** Carrier the DC ships with. */
  carrier: CarrierSystem;
  /** The carrier's own service code (SwiftShip `EXPRESS|STANDARD|ECONOMY`, Pelican `next_day|two_day|ground|pallet_std`). */
  serviceLevel: string;
  /** Ship-from address printed on labels. */
  address: AddressConfig;
  /** The parcel declared when buying a label (the layer knows no item weights). */
  parcel?: { weightKg: number };
}

export interface RetryConfig {
  /** Calls per outbox message before it is parked in the exception queue (429 answers do not count). */
  attempts: number;
  /** First backoff step; attempt n waits a random time in [0, min(max, base·2^n)) (full jitter). */
  baseDelayMs: number;
  /** Cap of one backoff step. */
  maxDelayMs: number;
}

export interface BreakerConfig {
  /** Consecutive failed calls (timeouts, resets, 5xx) that open a system's circuit. */
  consecutiveFailures: number;
  /** How long an open circuit rejects calls before one trial call is let through (half-open). */
  halfOpenAfterMs: number;
}

/** One stock position to seed the layer's view with, as if read from a WMS snapshot. */
export interface InitialStock {
  distributionCenter: string;
  sku: string;
  uom: 'EA' | 'CS' | 'PAL' | 'KG' | 'M';
  onHand: number;
  /** The WMS sequence these figures reflect (default 0). */
  version?: number;
}

export interface LayerConfig {
  /** Partner keys. Default: none (every authenticated request is 401). */
  apiKeys: ApiKeyConfig[];
  /** Distribution centers in allocation order. Default: DC-EAST (SwiftShip STANDARD), DC-WEST (Pelican ground). */
  distributionCenters: DistributionCenterConfig[];
  /** Customers' credit currency: an order in another currency is a 422 `currency-mismatch`. */
  customerCurrency: { default: string; byCustomer?: Record<string, string> };
  /** Tax rate (decimal string) for the estimated order totals in `order.accepted`; the ERP taxes the invoice. Default `0.19`. */
  taxRate: string;
  timeouts: {
    /** Synchronous credit + price check at intake; past it the order is `pending_validation`. Default 800 ms. */
    erpValidationMs: number;
    /** Any other downstream call. Default 5000 ms. */
    downstreamMs: number;
  };
  /** Outbox retries. Default 8 attempts, 200 ms base, 60 s cap. */
  retry: RetryConfig;
  /** Circuit breaker per downstream system. Default 5 consecutive failures, half-open after 10 s. */
  breaker: BreakerConfig;
  /** Calls in flight per downstream system (a bulkhead). Default 64. */
  concurrencyPerSystem: number;
  /** Safety-net sweep of the outbox and event outbox (work is also kicked right after each commit). Default 1000 ms. */
  relaySweepIntervalMs: number;
  /** Reconciliation against WMS snapshots and ERP balances; 0 disables. Default 60 000 ms. */
  reconciliationIntervalMs: number;
  /** Seed of the stock view (`faultline serve` without a WMS needs it). Applied at start where no figures exist. */
  initialInventory?: InitialStock[];
  /** Idempotency records are kept this long (default 24 h). */
  idempotencyTtlMs: number;
  /**
   * The credential the layer presents to the ERP: sent as `Authorization: Bearer <token>` on every
   * call (erp.yaml requires it). Default `faultline-integration-layer`.
   */
  erpCredential: string;
  /**
   * What the layer presents to the other systems, as their contracts require: every WMS's
   * `X-Api-Key` (wms.yaml), SwiftShip's `Authorization: Bearer` (carrier-swift.yaml) and
   * Pelican's `X-Api-Key` (carrier-pelican.yaml). Default `faultline-integration-layer` each.
   */
  credentials: DownstreamCredentials;
  /**
   * Order intake requests (`POST /v1/orders`) being handled at once. One more is answered `503`
   * with `Retry-After` at once, before any work: an overloaded layer sheds load instead of letting
   * every request wait until its synchronous ERP check times out (which defers the validation and
   * doubles the work exactly when there is least room for it). Default 256.
   */
  maxIntakeInFlight: number;
  /** HMAC secrets of carrier webhooks (`carrier-swift` signs with `X-Swift-Signature`); absent: not verified. */
  webhookSecrets?: Partial<Record<CarrierSystem, string>>;
  /** CloudEvents `source` of the layer's events. */
  eventSource: string;
  /** Reported by `/v1/health`. */
  version: string;
  /** Delay between the 202 and the commit under the `ack-before-commit` defect. Default 50 ms. */
  ackBeforeCommitDelayMs: number;
  /** Known bugs to switch on (see defects.ts). Default none. */
  defects: DefectName[];
}

export type LayerConfigInput = Partial<Omit<LayerConfig, 'timeouts' | 'retry' | 'breaker' | 'customerCurrency' | 'credentials'>> & {
  credentials?: Partial<DownstreamCredentials>;
  timeouts?: Partial<LayerConfig['timeouts']>;
  retry?: Partial<RetryConfig>;
  breaker?: Partial<BreakerConfig>;
  customerCurrency?: Partial<LayerConfig['customerCurrency']>;
};

export const DEFAULT_DISTRIBUTION_CENTERS: DistributionCenterConfig[] = [
  {
    code: 'DC-EAST',
    carrier: 'carrier-swift',
    serviceLevel: 'STANDARD',
    address: { name: 'Faultline Distribution DC-EAST', line1: 'Logistikpark 4', city: 'Leipzig', postalCode: '04158', country: 'DE', phone: '+49 341 555 0100' },
    parcel: { weightKg: 2 },
  },
  {
    code: 'DC-WEST',
    carrier: 'carrier-pelican',
    serviceLevel: 'ground',
    address: { name: 'Faultline Distribution DC-WEST', line1: 'Hafenstrasse 18', city: 'Duisburg', postalCode: '47059', country: 'DE', phone: '+49 203 555 0140' },
    parcel: { weightKg: 2 },
  },
];

/** The credential the layer presents to the ERP, the WMSs and the carriers unless configured otherwise. */
export const DEFAULT_CREDENTIAL = 'faultline-integration-layer';

export interface DownstreamCredentials {
  wms: string;
  'carrier-swift': string;
  'carrier-pelican': string;
}

/** The systems the layer presents a credential to besides the ERP, each with the default one. */
export const DEFAULT_CREDENTIALS: Readonly<DownstreamCredentials> = { wms: DEFAULT_CREDENTIAL, 'carrier-swift': DEFAULT_CREDENTIAL, 'carrier-pelican': DEFAULT_CREDENTIAL };

/** A configuration problem, with the field it is about. */
export class LayerConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`layer config ${field}: ${message}`);
    this.name = 'LayerConfigError';
  }
}

const SWIFT_LEVELS = ['EXPRESS', 'STANDARD', 'ECONOMY'];
const PELICAN_LEVELS = ['next_day', 'two_day', 'ground', 'pallet_std'];

/** Defaults merged in, then checked; throws a LayerConfigError naming the field. */
export function resolveConfig(input: LayerConfigInput = {}): LayerConfig {
  const config: LayerConfig = {
    apiKeys: input.apiKeys ?? [],
    distributionCenters: input.distributionCenters ?? DEFAULT_DISTRIBUTION_CENTERS,
    customerCurrency: { default: input.customerCurrency?.default ?? 'EUR', byCustomer: input.customerCurrency?.byCustomer ?? {} },
    taxRate: input.taxRate ?? '0.19',
    timeouts: { erpValidationMs: 800, downstreamMs: 5000, ...input.timeouts },
    retry: { attempts: 8, baseDelayMs: 200, maxDelayMs: 60_000, ...input.retry },
    breaker: { consecutiveFailures: 5, halfOpenAfterMs: 10_000, ...input.breaker },
    concurrencyPerSystem: input.concurrencyPerSystem ?? 64,
    relaySweepIntervalMs: input.relaySweepIntervalMs ?? 1000,
    reconciliationIntervalMs: input.reconciliationIntervalMs ?? 60_000,
    idempotencyTtlMs: input.idempotencyTtlMs ?? 24 * 3600_000,
    eventSource: input.eventSource ?? '/faultline/integration-layer',
    version: input.version ?? '0.1.0',
    ackBeforeCommitDelayMs: input.ackBeforeCommitDelayMs ?? 50,
    erpCredential: input.erpCredential ?? DEFAULT_CREDENTIAL,
    credentials: { ...DEFAULT_CREDENTIALS, ...input.credentials },
    maxIntakeInFlight: input.maxIntakeInFlight ?? 256,
    defects: input.defects ?? [],
  };
  if (input.initialInventory) config.initialInventory = input.initialInventory;
  if (input.webhookSecrets) config.webhookSecrets = input.webhookSecrets;
  check(config);
  return config;
}

// RFC 6750 b64token: what may follow `Bearer ` in an Authorization header (also a safe API key).
const BEARER = /^[A-Za-z0-9\-._~+/]+=*$/;

function check(c: LayerConfig): void {
  const positive = (field: string, v: number, allowZero = false): void => {
    if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new LayerConfigError(field, `must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${v}`);
  };
  const seenKeys = new Set<string>();
  c.apiKeys.forEach((k, i) => {
    if (!k.key) throw new LayerConfigError(`apiKeys[${i}].key`, 'must not be empty');
    if (seenKeys.has(k.key)) throw new LayerConfigError(`apiKeys[${i}].key`, 'is used by two entries');
    seenKeys.add(k.key);
    if (!k.partner) throw new LayerConfigError(`apiKeys[${i}].partner`, 'must not be empty');
    const channel = k.channel ?? k.partner;
    if (k.channel !== undefined && !/^[a-z][a-z0-9-]{1,39}$/.test(channel)) throw new LayerConfigError(`apiKeys[${i}].channel`, `must match ^[a-z][a-z0-9-]{1,39}$, got "${channel}"`);
    k.scopes.forEach((s, j) => {
      if (!(ALL_SCOPES as readonly string[]).includes(s)) throw new LayerConfigError(`apiKeys[${i}].scopes[${j}]`, `unknown scope "${s}"; known: ${ALL_SCOPES.join(', ')}`);
    });
    if (k.rateLimit) {
      positive(`apiKeys[${i}].rateLimit.ratePerSecond`, k.rateLimit.ratePerSecond);
      positive(`apiKeys[${i}].rateLimit.burst`, k.rateLimit.burst);
    }
  });
  if (c.distributionCenters.length === 0) throw new LayerConfigError('distributionCenters', 'needs at least one distribution center');
  const codes = new Set<string>();
  c.distributionCenters.forEach((dc, i) => {
    if (!/^DC-[A-Z]{2,12}$/.test(dc.code)) throw new LayerConfigError(`distributionCenters[${i}].code`, `must match ^DC-[A-Z]{2,12}$, got "${dc.code}"`);
    if (codes.has(dc.code)) throw new LayerConfigError(`distributionCenters[${i}].code`, `${dc.code} is listed twice`);
    codes.add(dc.code);
    const levels = dc.carrier === 'carrier-swift' ? SWIFT_LEVELS : dc.carrier === 'carrier-pelican' ? PELICAN_LEVELS : undefined;
    if (!levels) throw new LayerConfigError(`distributionCenters[${i}].carrier`, `must be carrier-swift or carrier-pelican, got "${String(dc.carrier)}"`);
    if (!levels.includes(dc.serviceLevel)) throw new LayerConfigError(`distributionCenters[${i}].serviceLevel`, `${dc.carrier} offers ${levels.join(', ')}, not "${dc.serviceLevel}"`);
  });
  if (!/^[A-Z]{3}$/.test(c.customerCurrency.default)) throw new LayerConfigError('customerCurrency.default', `must be an ISO 4217 code, got "${c.customerCurrency.default}"`);
  if (!/^(0|[1-9][0-9]*)(\.[0-9]{1,4})?$/.test(c.taxRate)) throw new LayerConfigError('taxRate', `must be a decimal string like "0.19", got "${c.taxRate}"`);
  positive('timeouts.erpValidationMs', c.timeouts.erpValidationMs);
  positive('timeouts.downstreamMs', c.timeouts.downstreamMs);
  if (!Number.isInteger(c.retry.attempts) || c.retry.attempts < 1) throw new LayerConfigError('retry.attempts', `must be an integer >= 1, got ${c.retry.attempts}`);
  positive('retry.baseDelayMs', c.retry.baseDelayMs);
  positive('retry.maxDelayMs', c.retry.maxDelayMs);
  if (!Number.isInteger(c.breaker.consecutiveFailures) || c.breaker.consecutiveFailures < 1) throw new LayerConfigError('breaker.consecutiveFailures', `must be an integer >= 1, got ${c.breaker.consecutiveFailures}`);
  positive('breaker.halfOpenAfterMs', c.breaker.halfOpenAfterMs);
  if (!Number.isInteger(c.concurrencyPerSystem) || c.concurrencyPerSystem < 1) throw new LayerConfigError('concurrencyPerSystem', `must be an integer >= 1, got ${c.concurrencyPerSystem}`);
  positive('relaySweepIntervalMs', c.relaySweepIntervalMs);
  if (!BEARER.test(c.erpCredential)) throw new LayerConfigError('erpCredential', 'must be a bearer token (letters, digits and -._~+/, then optional =), not empty');
  for (const [system, value] of Object.entries(c.credentials)) {
    if (!(system in DEFAULT_CREDENTIALS)) throw new LayerConfigError(`credentials.${system}`, `unknown system; credentials are for ${Object.keys(DEFAULT_CREDENTIALS).join(', ')}`);
    if (typeof value !== 'string' || !BEARER.test(value)) throw new LayerConfigError(`credentials.${system}`, 'must be a token (letters, digits and -._~+/, then optional =), not empty');
  }
  if (!Number.isInteger(c.maxIntakeInFlight) || c.maxIntakeInFlight < 1) throw new LayerConfigError('maxIntakeInFlight', `must be an integer >= 1, got ${c.maxIntakeInFlight}`);
  positive('reconciliationIntervalMs', c.reconciliationIntervalMs, true);
  c.defects.forEach((d, i) => {
    if (!isDefectName(d)) throw new LayerConfigError(`defects[${i}]`, `unknown defect "${String(d)}"; known: ${DEFECT_NAMES.join(', ')}`);
  });
  c.initialInventory?.forEach((s, i) => {
    if (!codes.has(s.distributionCenter)) throw new LayerConfigError(`initialInventory[${i}].distributionCenter`, `"${s.distributionCenter}" is not a configured distribution center (${[...codes].join(', ')})`);
    if (!/^[A-Z0-9]+(-[A-Z0-9]+)*$/.test(s.sku)) throw new LayerConfigError(`initialInventory[${i}].sku`, `must match ^[A-Z0-9]+(-[A-Z0-9]+)*$, got "${s.sku}"`);
    if (!Number.isInteger(s.onHand) || s.onHand < 0) throw new LayerConfigError(`initialInventory[${i}].onHand`, `must be a whole number >= 0, got ${s.onHand}`);
  });
}

/** The WMS transport target of a distribution center. */
export const wmsTarget = (dc: DistributionCenterConfig): string => dc.wms ?? `wms@${dc.code}`;
