import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { randomBytes } from 'node:crypto';
import { formatProblems, pointerToPath, readSource, type LocatedProblem } from '../../runtime/files/yaml-source.ts';
import { CARRIERS, DISTRIBUTION_CENTERS, initialStock } from '../../simulators/shared/defaults.ts';
import { UsageError } from '../cli/exit-codes.ts';

/**
 * What `faultline serve` runs with, resolved from (highest first) command-line flags, environment
 * variables, the `--config` file, and the defaults: one development API key holding every scope,
 * the default topology and stock (`simulators/shared/defaults.ts`), no downstream system.
 */
export interface ServeSettings {
  host: string;
  port: number;
  store: StoreSpec;
  apiKeys: ApiKeySettings[];
  /** The generated or FAULTLINE_API_KEY development key, when no key was configured. */
  developmentKey: { key: string; source: 'FAULTLINE_API_KEY' | 'generated' } | undefined;
  /** Base URL per Transport target (`erp`, `wms@DC-EAST`, `carrier-swift`); absent = unreachable. */
  downstream: Record<string, string>;
  /** Distribution centers and the stock the layer starts from, per sku. */
  distributionCenters: Array<{ code: string; stock: Record<string, number> }>;
  defects: string[];
}

export type StoreSpec = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

export const SCOPES = ['orders:write', 'orders:read', 'inventory:read', 'exceptions:admin', 'events:write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeySettings {
  key: string;
  /** Who holds it: a sales channel (`b2b-web`), a WMS, a carrier, an operator. */
  partner: string;
  scopes: Scope[];
  /** Token bucket: sustained requests per second and burst; absent = unlimited. */
  rateLimit?: { perSecond: number; burst: number };
}

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
}

/** Environment variables `serve` reads (documented in `faultline serve --help`). */
export const SERVE_ENV = {
  apiKey: 'FAULTLINE_API_KEY',
  erpUrl: 'FAULTLINE_ERP_URL',
  /** `DC-EAST=http://…,DC-WEST=http://…` */
  wmsUrls: 'FAULTLINE_WMS_URLS',
  /** `swift=http://…,pelican=http://…` */
  carrierUrls: 'FAULTLINE_CARRIER_URLS',
} as const;

const DC_PATTERN = /^DC-[A-Z]{2,12}$/;

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
export function resolveServeSettings(flags: ServeFlags, env: NodeJS.ProcessEnv, knownDefects: readonly string[]): ServeSettings {
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65_535) throw new UsageError(`--port ${JSON.stringify(flags.port)}: expected a port number from 0 to 65535 (0 picks a free one)`);
  const store = parseStoreUrl(flags.store);
  const file = flags.config ? loadConfigFile(flags.config, knownDefects) : undefined;

  const distributionCenters = file?.distributionCenters ?? DISTRIBUTION_CENTERS.map((code) => ({ code, stock: defaultStock(code) }));
  const dcCodes = distributionCenters.map((d) => d.code);

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

  const defects = [...new Set([...(file?.defects ?? []), ...flags.defect])];
  for (const name of flags.defect) {
    if (!knownDefects.includes(name)) throw new UsageError(`--defect ${name}: unknown defect; defects: ${knownDefects.join(', ')} (see faultline serve --list-defects)`);
  }

  let apiKeys = file?.apiKeys ?? [];
  let developmentKey: ServeSettings['developmentKey'];
  if (apiKeys.length === 0) {
    const fromEnv = env[SERVE_ENV.apiKey];
    developmentKey = fromEnv ? { key: fromEnv, source: SERVE_ENV.apiKey } : { key: `fl-dev-${randomBytes(12).toString('hex')}`, source: 'generated' };
    apiKeys = [{ key: developmentKey.key, partner: 'development', scopes: [...SCOPES] }];
  }

  return { host: flags.host, port, store, apiKeys, developmentKey, downstream, distributionCenters, defects };
}

function defaultStock(dc: string): Record<string, number> {
  return Object.fromEntries(initialStock(dc).map((s) => [s.sku, s.onHand]));
}

function carrierTarget(name: string): string | undefined {
  const target = name.startsWith('carrier-') ? name : `carrier-${name}`;
  return (CARRIERS as readonly string[]).includes(target) ? target : undefined;
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
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${from} ${JSON.stringify(text)}: expected an http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${from} ${JSON.stringify(text)}: expected an http:// or https:// URL`);
  return text.replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------
// The configuration file
// ---------------------------------------------------------------------------------------------

interface ConfigFile {
  apiKeys?: ApiKeySettings[];
  downstream?: Record<string, string>;
  distributionCenters?: Array<{ code: string; stock: Record<string, number> }>;
  defects?: string[];
}

const URL_SCHEMA = { type: 'string', pattern: '^https?://[^\\s]+$' };

/** The `--config` file (YAML or JSON). Example in docs: see `faultline serve --help`. */
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
          key: { type: 'string', minLength: 8 },
          partner: { type: 'string', minLength: 1 },
          scopes: { type: 'array', items: { enum: [...SCOPES] }, uniqueItems: true },
          rateLimit: {
            type: 'object',
            additionalProperties: false,
            required: ['perSecond'],
            properties: { perSecond: { type: 'number', exclusiveMinimum: 0 }, burst: { type: 'integer', minimum: 1 } },
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
        carriers: { type: 'object', propertyNames: { enum: [...CARRIERS, ...CARRIERS.map((c) => c.replace(/^carrier-/, ''))] }, additionalProperties: URL_SCHEMA },
      },
    },
    distributionCenters: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: DC_PATTERN.source },
      additionalProperties: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: { stock: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } } },
      },
    },
    defects: { type: 'array', items: { type: 'string' }, uniqueItems: true },
  },
} as const;

let validate: ReturnType<Ajv2020['compile']> | undefined;

function loadConfigFile(file: string, knownDefects: readonly string[]): ConfigFile {
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

  const raw = value as {
    apiKeys?: Array<{ key: string; partner: string; scopes: Scope[]; rateLimit?: { perSecond: number; burst?: number } }>;
    downstream?: { erp?: string; wms?: Record<string, string>; carriers?: Record<string, string> };
    distributionCenters?: Record<string, { stock?: Record<string, number> } | null>;
    defects?: string[];
  };
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
      scopes: k.scopes,
      ...(k.rateLimit ? { rateLimit: { perSecond: k.rateLimit.perSecond, burst: k.rateLimit.burst ?? Math.max(1, Math.ceil(k.rateLimit.perSecond)) } } : {}),
    }));
  }
  if (raw.distributionCenters) {
    config.distributionCenters = Object.entries(raw.distributionCenters).map(([code, dc]) => ({ code, stock: dc?.stock ?? defaultStock(code) }));
  }
  const dcCodes = (config.distributionCenters ?? DISTRIBUTION_CENTERS.map((code) => ({ code }))).map((d) => d.code);
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
      if (!knownDefects.includes(name)) problems.push(source.problem(`/defects/${i}`, `defects[${i}]: unknown defect "${name}"; defects: ${knownDefects.join(', ')}`));
    });
    config.defects = raw.defects;
  }
  if (problems.length > 0) fail(problems);
  return config;
}

function renderError(error: ErrorObject, source: ReturnType<typeof readSource>): LocatedProblem {
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
      return here(`${path}: ${JSON.stringify(String(params.propertyName))} is not allowed here${pointer.includes('carriers') ? `; carriers: ${CARRIERS.join(', ')}` : '; distribution centers look like DC-EAST'}`, 'key', `${pointer}/${String(params.propertyName)}`);
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
      return here(pointer.includes('downstream') ? `${path}: must be an http:// or https:// URL` : `${path}: must match ${String(params.pattern)}`);
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
