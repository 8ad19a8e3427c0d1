import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { randomBytes } from 'node:crypto';
import {
  ALL_SCOPES,
  DEFAULT_DISTRIBUTION_CENTERS,
  LayerConfigError,
  resolveConfig,
  type AddressConfig,
  type ApiKeyConfig,
  type CarrierSystem,
  type DistributionCenterConfig,
  type InitialStock,
  type LayerConfigInput,
} from '../../reference-impl/config.ts';
import { DEFECT_NAMES, type DefectName } from '../../reference-impl/defects.ts';
import { PACT_API_KEYS } from '../contract-testing/states/layer.ts';
import { formatProblems, pointerToPath, readSource, type LocatedProblem, type SourceDocument } from '../../runtime/files/yaml-source.ts';
import { CARRIERS, DEFAULT_CATALOG, DEFAULT_SWIFT_WEBHOOK_SECRET, initialStock } from '../../simulators/shared/defaults.ts';
import { UsageError } from '../cli/exit-codes.ts';

/**
 * What `faultline serve` runs with, resolved from (highest first) command-line flags, environment
 * variables, the `--config` file, and the defaults: one development API key holding every scope,
 * the layer's default distribution centers stocked as the WMS simulator stocks them
 * (`simulators/shared/defaults.ts`), and no downstream system (every call to one fails as
 * unreachable, so orders are accepted as `pending_validation`).
 */
export interface ServeSettings {
  host: string;
  port: number;
  store: StoreSpec;
  /** The generated or FAULTLINE_API_KEY development key, when no key was configured. */
  developmentKey: { key: string; source: 'FAULTLINE_API_KEY' | 'generated' } | undefined;
  /** Base URL per Transport target (`erp`, `wms@DC-EAST`, `carrier-swift`); absent = unreachable. */
  downstream: Record<string, string>;
  /** `--provider-states`: serve the Pact provider states and accept the committed pacts' API keys. */
  providerStates: boolean;
  /** What `createLayer` gets, already accepted by the layer's own `resolveConfig`. */
  layer: LayerConfigInput & { apiKeys: ApiKeyConfig[]; distributionCenters: DistributionCenterConfig[]; initialInventory: InitialStock[]; defects: DefectName[] };
}

export type StoreSpec = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** The flags of `faultline serve` as commander hands them over. */
export interface ServeFlags {
  port: string;
  host: string;
  store: string;
  config?: string;
  erpUrl?: string;
  wmsUrl: string[];
  carrierUrl: string[];
  defect: string[];
  providerStates?: boolean;
}

/** Environment variables `serve` reads. */
export const SERVE_ENV = {
  apiKey: 'FAULTLINE_API_KEY',
  erpUrl: 'FAULTLINE_ERP_URL',
  /** `DC-EAST=http://…,DC-WEST=http://…` */
  wmsUrls: 'FAULTLINE_WMS_URLS',
  /** `swift=http://…,pelican=http://…` */
  carrierUrls: 'FAULTLINE_CARRIER_URLS',
} as const;

const DC_PATTERN = /^DC-[A-Z]{2,12}$/;
const CARRIER_NAMES = [...CARRIERS, ...CARRIERS.map((c) => c.replace(/^carrier-/, ''))];
const DEFAULT_SERVICE_LEVEL: Record<CarrierSystem, string> = { 'carrier-swift': 'STANDARD', 'carrier-pelican': 'ground' };
const UOM = new Map(DEFAULT_CATALOG.map((item) => [item.sku, item.uom]));

export function parseStoreUrl(text: string): StoreSpec {
  if (text === 'sqlite::memory:') return { kind: 'sqlite', file: ':memory:' };
  if (text.startsWith('sqlite:') && text.length > 'sqlite:'.length) return { kind: 'sqlite', file: text.slice('sqlite:'.length) };
  if (/^postgres(ql)?:\/\/./.test(text)) return { kind: 'postgres', url: text };
  throw new UsageError(`--store ${JSON.stringify(text)}: expected sqlite:FILE, sqlite::memory: or postgres://user@host:port/database`);
}

export function describeStore(spec: StoreSpec): string {
  if (spec.kind === 'sqlite') return spec.file === ':memory:' ? 'SQLite in memory (nothing kept after exit)' : `SQLite file ${spec.file}`;
  return `PostgreSQL ${spec.url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}`;
}

/**
 * Resolves the settings, or throws a UsageError that says exactly what is wrong
 * (`file:line:col: message` for the config file).
 */
export function resolveServeSettings(flags: ServeFlags, env: NodeJS.ProcessEnv): ServeSettings {
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65_535) throw new UsageError(`--port ${JSON.stringify(flags.port)}: expected a port number from 0 to 65535 (0 picks a free one)`);
  const store = parseStoreUrl(flags.store);
  const file = flags.config ? loadConfigFile(flags.config) : undefined;

  const distributionCenters = file?.distributionCenters ?? DEFAULT_DISTRIBUTION_CENTERS.map((dc) => ({ dc, stock: defaultStock(dc.code) }));
  const dcCodes = distributionCenters.map((d) => d.dc.code);

  const downstream: Record<string, string> = { ...(file?.downstream ?? {}) };
  const erp = flags.erpUrl ?? env[SERVE_ENV.erpUrl];
  if (erp) downstream.erp = checkUrl(erp, flags.erpUrl ? '--erp-url' : SERVE_ENV.erpUrl);
  const wms = flags.wmsUrl.length > 0 ? { list: flags.wmsUrl, from: '--wms-url' } : { list: splitList(env[SERVE_ENV.wmsUrls]), from: SERVE_ENV.wmsUrls };
  for (const entry of wms.list) {
    const [dc, url] = assignment(entry, wms.from, 'DC=URL, e.g. DC-EAST=http://127.0.0.1:4011');
    if (!dcCodes.includes(dc)) throw new UsageError(`${wms.from} ${entry}: unknown distribution center "${dc}"; configured: ${dcCodes.join(', ')}`);
    downstream[`wms@${dc}`] = checkUrl(url, wms.from);
  }
  const carriers = flags.carrierUrl.length > 0 ? { list: flags.carrierUrl, from: '--carrier-url' } : { list: splitList(env[SERVE_ENV.carrierUrls]), from: SERVE_ENV.carrierUrls };
  for (const entry of carriers.list) {
    const [name, url] = assignment(entry, carriers.from, 'NAME=URL, e.g. swift=http://127.0.0.1:4020');
    const target = carrierTarget(name);
    if (!target) throw new UsageError(`${carriers.from} ${entry}: unknown carrier "${name}"; carriers: ${CARRIERS.map((c) => c.replace(/^carrier-/, '')).join(', ')}`);
    downstream[target] = checkUrl(url, carriers.from);
  }

  for (const name of flags.defect) {
    if (!(DEFECT_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`--defect ${name}: unknown defect; defects: ${DEFECT_NAMES.join(', ')} (faultline serve --list-defects describes them)`);
    }
  }
  const defects = [...new Set([...(file?.defects ?? []), ...(flags.defect as DefectName[])])];

  let apiKeys = file?.apiKeys ?? [];
  let developmentKey: ServeSettings['developmentKey'];
  if (apiKeys.length === 0) {
    const fromEnv = env[SERVE_ENV.apiKey];
    if (fromEnv !== undefined && fromEnv !== '' && !API_KEY_PATTERN.test(fromEnv)) {
      throw new UsageError(`${SERVE_ENV.apiKey} ${API_KEY_RULE}; got ${JSON.stringify(fromEnv)}`);
    }
    developmentKey = fromEnv ? { key: fromEnv, source: SERVE_ENV.apiKey } : { key: `fl-dev-${randomBytes(12).toString('hex')}`, source: 'generated' };
    apiKeys = [{ key: developmentKey.key, partner: 'development', scopes: [...ALL_SCOPES] }];
  }
  const providerStates = flags.providerStates === true;
  if (providerStates) apiKeys = [...apiKeys, ...pactKeysFor(apiKeys, dcCodes, flags.config)];

  const layer: ServeSettings['layer'] = {
    apiKeys,
    distributionCenters: distributionCenters.map((d) => d.dc),
    initialInventory: distributionCenters.flatMap(({ dc, stock }) =>
      Object.entries(stock).map(([sku, onHand]) => ({ distributionCenter: dc.code, sku, uom: UOM.get(sku) ?? 'EA', onHand })),
    ),
    defects,
    // The SwiftShip simulator signs its webhooks with the default secret unless told otherwise.
    webhookSecrets: { 'carrier-swift': DEFAULT_SWIFT_WEBHOOK_SECRET, ...file?.webhookSecrets },
    ...(file?.erpCredential ? { erpCredential: file.erpCredential } : {}),
    ...(file?.credentials ? { credentials: file.credentials } : {}),
  };
  try {
    resolveConfig(layer);
  } catch (error) {
    if (error instanceof LayerConfigError) throw new UsageError(flags.config ? `${flags.config}: ${error.message}` : error.message);
    throw error;
  }
  return { host: flags.host, port, store, developmentKey, downstream, layer, providerStates };
}

/**
 * The keys the committed storefront pacts (and the stock state's WMS events) send, for the
 * distribution centers this layer has. A configured key with the same value would be ambiguous.
 */
function pactKeysFor(configured: readonly ApiKeyConfig[], dcCodes: readonly string[], configFile: string | undefined): ApiKeyConfig[] {
  const keys = PACT_API_KEYS.filter((k) => !k.partner.startsWith('wms@') || dcCodes.includes(k.partner.slice('wms@'.length)));
  for (const k of keys) {
    const i = configured.findIndex((c) => c.key === k.key);
    if (i >= 0) throw new UsageError(`${configFile ?? 'the configuration'}: apiKeys[${i}] uses the key ${k.key}, which --provider-states gives to the pact partner ${k.partner}; choose another key`);
  }
  return keys;
}

function defaultStock(dc: string): Record<string, number> {
  return Object.fromEntries(initialStock(dc).map((s) => [s.sku, s.onHand]));
}

function carrierTarget(name: string): CarrierSystem | undefined {
  const target = name.startsWith('carrier-') ? name : `carrier-${name}`;
  return (CARRIERS as readonly string[]).includes(target) ? (target as CarrierSystem) : undefined;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function assignment(entry: string, from: string, expected: string): [string, string] {
  const eq = entry.indexOf('=');
  if (eq <= 0 || eq === entry.length - 1) throw new UsageError(`${from} ${JSON.stringify(entry)}: expected ${expected}`);
  return [entry.slice(0, eq), entry.slice(eq + 1)];
}

function checkUrl(text: string, from: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new UsageError(`${from} ${JSON.stringify(text)}: expected an http:// or https:// URL`);
  return text.replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------
// The configuration file
// ---------------------------------------------------------------------------------------------

interface ConfigFile {
  apiKeys?: ApiKeyConfig[];
  downstream?: Record<string, string>;
  distributionCenters?: Array<{ dc: DistributionCenterConfig; stock: Record<string, number> }>;
  defects?: DefectName[];
  webhookSecrets?: Partial<Record<CarrierSystem, string>>;
  erpCredential?: string;
  credentials?: LayerConfigInput['credentials'];
}

const URL_SCHEMA = { type: 'string', pattern: '^https?://[^\\s]+$' };
/** An API key a partner sends as X-API-Key: visible ASCII, no spaces (HTTP trims them), 8 or more. */
const API_KEY_PATTERN = /^[\x21-\x7E]{8,}$/;
const API_KEY_RULE = 'must be at least 8 characters long, visible ASCII without spaces (a value a client can send as X-API-Key)';
/** A bearer token or API key: RFC 6750's b64token, as the layer's own config check asks. */
const TOKEN_SCHEMA = { type: 'string', pattern: '^[A-Za-z0-9._~+/-]+=*$' };

/**
 * The `--config` file (YAML or JSON); every part is optional:
 *
 *   apiKeys:                      # replace the development key
 *     - { key: fl-b2b-web-0001, partner: b2b-web, scopes: [orders:write, orders:read], rateLimit: { ratePerSecond: 50, burst: 100 } }
 *     - { key: fl-operator-0001, partner: ops, scopes: [orders:read, exceptions:admin] }
 *   # A key sees the orders of its `channel` (default: its partner) only; an operator's key
 *   # (no channel, exceptions:admin) sees every channel's.
 *   downstream:
 *     erp: http://127.0.0.1:4010
 *     wms: { DC-EAST: http://127.0.0.1:4011 }
 *     carriers: { swift: http://127.0.0.1:4020 }
 *   distributionCenters:          # allocation order; DC-EAST and DC-WEST have defaults
 *     DC-EAST: { stock: { BRG-6204: 500 } }
 *     DC-NORTH: { carrier: pelican, address: { name: …, line1: …, city: …, postalCode: …, country: DE } }
 *   defects: [no-idempotency]
 *   webhookSecrets: { swift: … }
 *   credentials:                  # what the layer presents downstream (default faultline-integration-layer)
 *     erp: …                      # Authorization: Bearer
 *     wms: …                      # X-Api-Key, every DC
 *     carriers: { swift: …, pelican: … }   # SwiftShip bearer, Pelican X-Api-Key
 */
export const SERVE_CONFIG_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties: {
    apiKeys: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'partner', 'scopes'],
        properties: {
          key: { type: 'string', pattern: API_KEY_PATTERN.source },
          partner: { type: 'string', minLength: 1 },
          channel: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,39}$' },
          scopes: { type: 'array', items: { enum: [...ALL_SCOPES] }, uniqueItems: true },
          rateLimit: {
            type: 'object',
            additionalProperties: false,
            required: ['ratePerSecond'],
            properties: { ratePerSecond: { type: 'number', exclusiveMinimum: 0 }, burst: { type: 'integer', minimum: 1 } },
          },
        },
      },
    },
    downstream: {
      type: 'object',
      additionalProperties: false,
      properties: {
        erp: URL_SCHEMA,
        wms: { type: 'object', propertyNames: { pattern: DC_PATTERN.source }, additionalProperties: URL_SCHEMA },
        carriers: { type: 'object', propertyNames: { enum: CARRIER_NAMES }, additionalProperties: URL_SCHEMA },
      },
    },
    distributionCenters: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: DC_PATTERN.source },
      additionalProperties: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: {
          carrier: { enum: CARRIER_NAMES },
          serviceLevel: { type: 'string', minLength: 1 },
          address: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'line1', 'city', 'postalCode', 'country'],
            properties: {
              name: { type: 'string', minLength: 1 },
              line1: { type: 'string', minLength: 1 },
              line2: { type: 'string' },
              city: { type: 'string', minLength: 1 },
              postalCode: { type: 'string', minLength: 1 },
              country: { type: 'string', pattern: '^[A-Z]{2}$' },
              phone: { type: 'string' },
            },
          },
          parcelWeightKg: { type: 'number', exclusiveMinimum: 0 },
          stock: { type: 'object', propertyNames: { pattern: '^[A-Z0-9]+(-[A-Z0-9]+)*$' }, additionalProperties: { type: 'integer', minimum: 0 } },
        },
      },
    },
    defects: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    webhookSecrets: { type: 'object', propertyNames: { enum: CARRIER_NAMES }, additionalProperties: { type: 'string', minLength: 1 } },
    credentials: {
      type: 'object',
      additionalProperties: false,
      properties: {
        erp: TOKEN_SCHEMA,
        wms: TOKEN_SCHEMA,
        carriers: { type: 'object', propertyNames: { enum: CARRIER_NAMES }, additionalProperties: TOKEN_SCHEMA },
      },
    },
  },
} as const;

type RawDc = { carrier?: string; serviceLevel?: string; address?: AddressConfig; parcelWeightKg?: number; stock?: Record<string, number> };

interface RawConfig {
  apiKeys?: Array<{ key: string; partner: string; channel?: string; scopes: ApiKeyConfig['scopes']; rateLimit?: { ratePerSecond: number; burst?: number } }>;
  downstream?: { erp?: string; wms?: Record<string, string>; carriers?: Record<string, string> };
  distributionCenters?: Record<string, RawDc | null>;
  defects?: string[];
  webhookSecrets?: Record<string, string>;
  credentials?: { erp?: string; wms?: string; carriers?: Record<string, string> };
}

let validate: ReturnType<Ajv2020['compile']> | undefined;

function loadConfigFile(file: string): ConfigFile {
  const source = readSource(file);
  const fail = (problems: LocatedProblem[]): never => {
    throw new UsageError(`invalid serve configuration\n${formatProblems(problems)}`);
  };
  if (source.problems.length > 0) fail(source.problems);
  const value = source.value ?? {};
  validate ??= new Ajv2020({ allErrors: true, allowUnionTypes: true }).compile(SERVE_CONFIG_SCHEMA);
  if (!validate(value)) {
    // A bad key yields a propertyNames error and the inner one (same key): keep the first.
    const errors = (validate.errors ?? []).filter((e) => e.keyword === 'propertyNames' || e.propertyName === undefined);
    fail(dedupe(errors.map((e) => renderError(e, source))));
  }

  const raw = value as RawConfig;
  const problems: LocatedProblem[] = [];
  const config: ConfigFile = {};
  if (raw.apiKeys) {
    const seen = new Map<string, number>();
    raw.apiKeys.forEach((k, i) => {
      const first = seen.get(k.key);
      if (first !== undefined) problems.push(source.problem(`/apiKeys/${i}/key`, `apiKeys[${i}].key: the same key as apiKeys[${first}]`));
      seen.set(k.key, i);
    });
    config.apiKeys = raw.apiKeys.map((k) => ({
      key: k.key,
      partner: k.partner,
      ...(k.channel ? { channel: k.channel } : {}),
      scopes: k.scopes,
      ...(k.rateLimit ? { rateLimit: { ratePerSecond: k.rateLimit.ratePerSecond, burst: k.rateLimit.burst ?? Math.max(1, Math.ceil(k.rateLimit.ratePerSecond)) } } : {}),
    }));
  }
  if (raw.distributionCenters) {
    config.distributionCenters = [];
    for (const [code, entry] of Object.entries(raw.distributionCenters)) {
      const dc = distributionCenter(code, entry ?? {}, source, problems);
      if (dc) config.distributionCenters.push({ dc, stock: entry?.stock ?? defaultStock(code) });
    }
  }
  const dcCodes = config.distributionCenters?.map((d) => d.dc.code) ?? DEFAULT_DISTRIBUTION_CENTERS.map((d) => d.code);
  if (raw.downstream) {
    const downstream: Record<string, string> = {};
    if (raw.downstream.erp) downstream.erp = raw.downstream.erp.replace(/\/+$/, '');
    for (const [dc, url] of Object.entries(raw.downstream.wms ?? {})) {
      if (!dcCodes.includes(dc)) problems.push(source.problem(`/downstream/wms/${dc}`, `downstream.wms.${dc}: unknown distribution center; configured: ${dcCodes.join(', ')}`, 'key'));
      downstream[`wms@${dc}`] = url.replace(/\/+$/, '');
    }
    for (const [name, url] of Object.entries(raw.downstream.carriers ?? {})) downstream[carrierTarget(name)!] = url.replace(/\/+$/, '');
    config.downstream = downstream;
  }
  if (raw.defects) {
    raw.defects.forEach((name, i) => {
      if (!(DEFECT_NAMES as readonly string[]).includes(name)) problems.push(source.problem(`/defects/${i}`, `defects[${i}]: unknown defect "${name}"; defects: ${DEFECT_NAMES.join(', ')}`));
    });
    config.defects = raw.defects as DefectName[];
  }
  if (raw.webhookSecrets) {
    config.webhookSecrets = Object.fromEntries(Object.entries(raw.webhookSecrets).map(([name, secret]) => [carrierTarget(name)!, secret]));
  }
  if (raw.credentials) {
    if (raw.credentials.erp) config.erpCredential = raw.credentials.erp;
    const credentials: NonNullable<ConfigFile['credentials']> = {};
    if (raw.credentials.wms) credentials.wms = raw.credentials.wms;
    for (const [name, token] of Object.entries(raw.credentials.carriers ?? {})) credentials[carrierTarget(name)!] = token;
    config.credentials = credentials;
  }
  if (problems.length > 0) fail(problems);
  return config;
}

/** A DC entry of the file, completed from the layer's defaults for DC-EAST and DC-WEST. */
function distributionCenter(code: string, entry: RawDc, source: SourceDocument, problems: LocatedProblem[]): DistributionCenterConfig | undefined {
  const known = DEFAULT_DISTRIBUTION_CENTERS.find((d) => d.code === code);
  const carrier = entry.carrier ? carrierTarget(entry.carrier) : known?.carrier;
  const address = entry.address ?? known?.address;
  const missing = [carrier ? '' : 'carrier', address ? '' : 'address'].filter(Boolean);
  if (!carrier || !address) {
    const defaults = DEFAULT_DISTRIBUTION_CENTERS.map((d) => d.code).join(' and ');
    problems.push(source.problem(`/distributionCenters/${code}`, `distributionCenters.${code}: needs ${missing.join(' and ')} (only ${defaults} have defaults)`, 'key'));
    return undefined;
  }
  const serviceLevel = entry.serviceLevel ?? (known && known.carrier === carrier ? known.serviceLevel : DEFAULT_SERVICE_LEVEL[carrier]);
  const levels = carrier === 'carrier-swift' ? ['EXPRESS', 'STANDARD', 'ECONOMY'] : ['next_day', 'two_day', 'ground', 'pallet_std'];
  if (!levels.includes(serviceLevel)) {
    problems.push(source.problem(`/distributionCenters/${code}/serviceLevel`, `distributionCenters.${code}.serviceLevel: ${carrier} offers ${levels.join(', ')}`));
  }
  const parcel = entry.parcelWeightKg !== undefined ? { weightKg: entry.parcelWeightKg } : (known?.parcel ?? { weightKg: 2 });
  return { code, carrier, serviceLevel, address, parcel };
}

function renderError(error: ErrorObject, source: SourceDocument): LocatedProblem {
  const pointer = error.instancePath;
  const path = pointerToPath(pointer) || 'the configuration';
  const params = error.params as Record<string, unknown>;
  const here = (message: string, at: 'key' | 'value' = 'value', where = pointer) => source.problem(where, message, at);
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const allowed = Object.keys(propertiesAt(pointer));
      return here(`${pointerToPath(`${pointer}/${extra}`)}: unknown field${allowed.length ? `; expected one of ${allowed.join(', ')}` : ''}`, 'key', `${pointer}/${extra}`);
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      const hint = /carriers|webhookSecrets/.test(pointer) ? `; carriers: ${CARRIERS.join(', ')}` : /stock/.test(pointer) ? '; skus look like BRG-6204' : '; distribution centers look like DC-EAST';
      return here(`${path}: ${JSON.stringify(name)} is not allowed here${hint}`, 'key', `${pointer}/${name}`);
    }
    case 'required':
      return here(`${path}: missing required field "${String(params.missingProperty)}"`);
    case 'enum':
      return here(`${path}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`);
    case 'minLength':
      return here(`${path}: must be at least ${String(params.limit)} characters long`);
    case 'type':
      return here(`${path}: must be ${String(params.type).replace(',', ' or ')}`);
    case 'pattern':
      if (/^\/downstream/.test(pointer)) return here(`${path}: must be an http:// or https:// URL`);
      if (/^\/apiKeys\/\d+\/key$/.test(pointer)) return here(`${path}: ${API_KEY_RULE}`);
      if (/^\/credentials/.test(pointer)) return here(`${path}: must be a token: letters, digits and -._~+/, then optional =, not empty`);
      return here(`${path}: must match ${String(params.pattern)}`);
    default:
      return here(`${path}: ${error.message ?? 'is invalid'}`);
  }
}

/** The `properties` the schema declares for the object at `pointer` (for "expected one of"). */
function propertiesAt(pointer: string): Record<string, unknown> {
  let node: Record<string, unknown> = SERVE_CONFIG_SCHEMA as unknown as Record<string, unknown>;
  for (const token of pointer.split('/').slice(1)) {
    const props = node.properties as Record<string, Record<string, unknown>> | undefined;
    if (props?.[token]) node = props[token]!;
    else if (node.items) node = node.items as Record<string, unknown>;
    else if (typeof node.additionalProperties === 'object') node = node.additionalProperties as Record<string, unknown>;
    else return {};
  }
  return (node.properties as Record<string, unknown>) ?? {};
}

function dedupe(problems: LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.col}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
