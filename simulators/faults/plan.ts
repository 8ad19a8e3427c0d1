import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parseDuration, toMillis } from '../../runtime/files/duration.ts';
import {
  formatProblems,
  parseSource,
  pointerToPath,
  readSource,
  sortProblems,
  toPointer,
  type LocatedProblem,
  type SourceDocument,
} from '../../runtime/files/yaml-source.ts';
import { systemOf } from './catalog.ts';
import schema from './fault-plan.schema.json' with { type: 'json' };
import { FAULT_KINDS, KIND_INFO, type FaultKind, type FaultSpec } from './kinds.ts';
import { checkTarget, parseTarget, type FaultTarget } from './target.ts';

// ---------------------------------------------------------------------------------------------
// Compiled faults: what the injectors read
// ---------------------------------------------------------------------------------------------

/** A delay distribution with every value in milliseconds. */
export type Distribution =
  | { type: 'fixed'; ms: number; jitterMs: number }
  | { type: 'uniform'; minMs: number; maxMs: number; jitterMs: number }
  | { type: 'lognormal'; medianMs: number; sigma: number; jitterMs: number };

/** A kind's parameters, normalised (defaults filled in, durations in milliseconds). */
export type FaultParams =
  | { kind: 'downtime'; mode: 'unavailable' | 'refused'; retryAfterMs: number | undefined; retryAfterFormat: 'seconds' | 'http-date' }
  | { kind: 'latency'; delay: Distribution }
  | { kind: 'timeout' }
  | { kind: 'error-rate'; status: number }
  | { kind: 'throttle'; rate: number; burst: number; retryAfterFormat: 'seconds' | 'http-date' }
  | { kind: 'duplicate'; copies: number; spacingMs: number }
  | { kind: 'reorder'; windowMs: number }
  | { kind: 'delay-messages'; delay: Distribution }
  | { kind: 'lost-ack'; mode: 'reset' | 'timeout' }
  | { kind: 'malformed'; variant: 'truncated-json' | 'wrong-content-type' | 'schema-violation'; field: string | undefined }
  | { kind: 'schema-drift'; renames: Record<string, string>; adds: Record<string, unknown> }
  | { kind: 'clock-skew'; offsetMs: number }
  | { kind: 'crash'; downForMs: number }
  | { kind: 'reset'; afterBytes: number | undefined }
  | { kind: 'slow-body'; bytesPerSecond: number };

export interface CompiledFault {
  id: string;
  kind: FaultKind;
  target: FaultTarget;
  /** Window start, milliseconds after scenario time 0. */
  fromMs: number;
  /** Window end (exclusive); Infinity when open. */
  toMs: number;
  probability: number;
  params: FaultParams;
  /** The entry as written (for listing and reports). */
  spec: FaultSpec;
}

/** Which injector a plan is for: kinds and targets the injector cannot carry out are rejected. */
export interface FaultPlanOptions {
  /**
   * `in-process` (simulation, `faultline sim --faults`): rejects `reset` and `slow-body`.
   * `http` (`faultline proxy`): rejects channel targets and message-only kinds.
   * Absent: anything the vocabulary allows (the harness checks per mode later).
   */
  mode?: 'in-process' | 'http';
  /** `http` only: the contract of the service the proxy fronts; targets must name its system. */
  contract?: string;
}

/** A problem at a JSON pointer, not yet located in a file. */
export interface FieldProblem {
  pointer: string;
  message: string;
  /** Point at the member's key (unknown fields) rather than its value. */
  at?: 'key' | 'value';
}

/** A bad fault plan: every problem, located. Its message is one `file:line:col: message` per line. */
export class FaultPlanError extends Error {
  readonly problems: LocatedProblem[];
  constructor(problems: LocatedProblem[]) {
    const sorted = sortProblems(problems);
    super(formatProblems(sorted));
    this.name = 'FaultPlanError';
    this.problems = sorted;
  }
}

export interface FaultPlan {
  /** The file it came from, if any. */
  file?: string;
  faults: CompiledFault[];
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/** Reads, validates and compiles a fault plan file (YAML or JSON); throws FaultPlanError. */
export function loadFaultPlan(file: string, options: FaultPlanOptions = {}): FaultPlan {
  return planFromSource(readSource(file), options);
}

/** Same, from text (`file` names it in problems). */
export function parseFaultPlan(text: string, file: string, options: FaultPlanOptions = {}): FaultPlan {
  return planFromSource(parseSource(text, file), options);
}

/** Same, from an already-read source document (e.g. one a scenario loader holds). */
export function planFromSource(source: SourceDocument, options: FaultPlanOptions = {}): FaultPlan {
  if (source.problems.length > 0) throw new FaultPlanError(source.problems);
  const { faults, problems } = checkFaultPlanValue(source.value, options);
  if (problems.length > 0) throw new FaultPlanError(problems.map((p) => source.problem(p.pointer, p.message, p.at)));
  return { file: source.file, faults };
}

/** Validates a parsed plan (`{ faults: [...] }`); problems carry JSON pointers. */
export function checkFaultPlanValue(value: unknown, options: FaultPlanOptions = {}): { faults: CompiledFault[]; problems: FieldProblem[] } {
  const validate = validators().plan;
  const problems: FieldProblem[] = [];
  if (!validate(value)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { faults: [], problems: [{ pointer: '', message: `a fault plan is a mapping with a "faults:" list, got ${describe(value)}` }] };
    }
    problems.push(...renderAjvErrors(validate.errors ?? [], value).filter((p) => !p.pointer.startsWith('/faults/')));
  }
  const list = (value as { faults?: unknown }).faults;
  if (!Array.isArray(list)) return { faults: [], problems };
  const result = checkFaultList(list, '/faults', options);
  return { faults: result.faults, problems: [...problems, ...result.problems] };
}

/**
 * Validates and compiles a list of fault entries. `base` is the list's JSON pointer in its
 * document (`/faults`, or wherever a scenario keeps it): problems carry pointers below it.
 */
export function checkFaultList(
  list: readonly unknown[],
  base: string,
  options: FaultPlanOptions & { takenIds?: ReadonlySet<string> } = {},
): { faults: CompiledFault[]; problems: FieldProblem[]; valid: CompiledFault[]; validIndexes: number[] } {
  const problems: FieldProblem[] = [];
  const faults: CompiledFault[] = [];
  const validIndexes: number[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry, index) => {
    const pointer = `${base}/${index}`;
    const result = checkFaultEntry(entry, pointer, index, options);
    problems.push(...result.problems);
    const id = result.id;
    if (id !== undefined) {
      const explicit = typeof (entry as { id?: unknown }).id === 'string';
      const where = explicit ? `${pointer}/id` : pointer;
      if (seen.has(id)) {
        problems.push({ pointer: where, message: `${pointerToPath(where)}: id "${id}" is already used by ${pointerToPath(`${base}/${seen.get(id)}`)}` });
      } else if (options.takenIds?.has(id)) {
        problems.push({ pointer: where, message: `${pointerToPath(where)}: id "${id}" is already in use` });
      } else {
        seen.set(id, index);
      }
    }
    if (result.fault) {
      faults.push(result.fault);
      validIndexes.push(index);
    }
  });
  // `valid`: the entries that are right on their own, for checks that look across a whole file.
  return { faults: problems.length === 0 ? faults : [], problems, valid: faults, validIndexes };
}

/**
 * Validates one entry at `pointer` (index: its place in the plan, for the default id). Returns
 * the compiled fault when the entry is valid, its effective id whenever it can tell.
 */
export function checkFaultEntry(
  entry: unknown,
  pointer: string,
  index: number,
  options: FaultPlanOptions = {},
): { fault?: CompiledFault; id?: string; problems: FieldProblem[] } {
  const path = (suffix = ''): string => pointerToPath(pointer + suffix) || 'fault';
  const problems: FieldProblem[] = [];
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return { problems: [{ pointer, message: `${path()}: a fault is a mapping with kind and target, got ${describe(entry)}` }] };
  }
  const e = entry as Record<string, unknown>;
  const validate = validators().fault;
  const valid = validate(entry);
  const schemaProblems = valid ? [] : renderAjvErrors(validate.errors ?? [], entry, pointer);
  problems.push(...schemaProblems);
  const bad = new Set(schemaProblems.map((p) => p.pointer));
  const kind = FAULT_KINDS.includes(e.kind as FaultKind) ? (e.kind as FaultKind) : undefined;
  const id = typeof e.id === 'string' ? e.id : kind ? `${kind}-${index}` : undefined;

  // Unknown fields, per kind (the schema's own property lists: one source of truth).
  if (kind) {
    const allowed = allowedFields(kind);
    for (const key of Object.keys(e)) {
      if (!allowed.includes(key)) {
        problems.push({ pointer: `${pointer}/${escape(key)}`, at: 'key', message: `${path(`/${escape(key)}`)}: unknown field for a ${kind} fault; its fields: ${allowed.join(', ')}` });
      }
    }
    if ((kind === 'delay-messages') && e.delay && typeof e.delay === 'object' && !Array.isArray(e.delay)) {
      const allowedDelay = distributionFields();
      for (const key of Object.keys(e.delay)) {
        if (!allowedDelay.includes(key)) {
          problems.push({ pointer: `${pointer}/delay/${escape(key)}`, at: 'key', message: `${path(`/delay/${escape(key)}`)}: unknown field of a delay; its fields: ${allowedDelay.join(', ')}` });
        }
      }
    }
  }

  // Target semantics, then whether this kind means anything on it.
  let target: FaultTarget | undefined;
  if (typeof e.target === 'string' && !bad.has(`${pointer}/target`)) {
    target = parseTarget(e.target);
    const problem = target ? checkTarget(target) : undefined;
    if (problem) {
      problems.push({ pointer: `${pointer}/target`, message: `${path('/target')}: ${problem}` });
      target = undefined;
    }
  }
  if (kind && target) {
    const problem = kindOnTarget(kind, target, options);
    if (problem) problems.push({ pointer: problem.field === 'kind' ? `${pointer}/kind` : `${pointer}/target`, message: `${path(`/${problem.field}`)}: ${problem.message}` });
  }

  // Window.
  const fromMs = typeof e.from === 'string' ? parseDuration(e.from) : 0;
  const toMs = typeof e.to === 'string' ? parseDuration(e.to) : Infinity;
  if (fromMs !== undefined && toMs !== undefined && typeof e.to === 'string' && !bad.has(`${pointer}/to`) && !bad.has(`${pointer}/from`) && toMs <= fromMs) {
    problems.push({ pointer: `${pointer}/to`, message: `${path('/to')}: the window must end after it starts (from ${String(e.from ?? '0')}, to ${e.to})` });
  }
  if (kind === 'crash' && e.to !== undefined) {
    problems.push({ pointer: `${pointer}/to`, message: `${path('/to')}: a crash happens at "from"; say how long the layer stays down with downFor` });
  }

  // Kind-specific semantics the schema cannot express.
  const params = kind && schemaProblems.length === 0 ? compileParams(kind, e, pointer, path, problems) : undefined;

  if (problems.length > 0 || !kind || !target || !params || fromMs === undefined || toMs === undefined || id === undefined) {
    return id === undefined ? { problems } : { id, problems };
  }
  const fault: CompiledFault = {
    id,
    kind,
    target,
    fromMs,
    toMs,
    probability: typeof e.probability === 'number' ? e.probability : 1,
    params,
    spec: structuredClone(entry) as FaultSpec,
  };
  return { fault, id, problems };
}

function kindOnTarget(kind: FaultKind, target: FaultTarget, options: FaultPlanOptions): { field: 'kind' | 'target'; message: string } | undefined {
  const info = KIND_INFO[kind];
  if (kind === 'crash') {
    return target.type === 'system' && target.system === 'layer' && !target.instance && !target.operationId
      ? undefined
      : { field: 'target', message: `a crash restarts the integration layer: its target must be layer, not ${target.text}` };
  }
  if (target.type === 'events' && !info.messages) {
    return { field: 'target', message: `${kind} ${info.summary}: target a system or one of its operations (erp, erp:bookSalesOrder, wms@DC-EAST), not the channel ${target.text}` };
  }
  if (target.type === 'system' && !info.calls) {
    return { field: 'target', message: `${kind} ${info.summary}: target a channel such as events:wms.shipment, not the system ${target.text}` };
  }
  if (options.mode === 'in-process' && info.socketsOnly) {
    return { field: 'kind', message: `${kind} needs a real socket: the in-process injector has none to break; use it with faultline proxy` };
  }
  if (options.mode === 'http') {
    if (target.type === 'events') {
      return { field: 'target', message: `the proxy sees HTTP calls, not bus messages: ${target.text} needs the in-process injector (faultline run)` };
    }
    if (options.contract && target.system !== systemOf(options.contract)) {
      return { field: 'target', message: `this proxy fronts the ${options.contract} contract (system ${systemOf(options.contract)}); ${target.text} names another system` };
    }
  }
  return undefined;
}

function compileParams(
  kind: FaultKind,
  e: Record<string, unknown>,
  pointer: string,
  path: (suffix?: string) => string,
  problems: FieldProblem[],
): FaultParams | undefined {
  const ms = (v: unknown): number => (v === undefined ? 0 : toMillis(v as number | string)!);
  const dist = (d: Record<string, unknown>, at: string): Distribution | undefined => {
    const jitterMs = ms(d.jitter);
    switch (d.distribution ?? 'fixed') {
      case 'uniform': {
        const minMs = ms(d.min);
        const maxMs = ms(d.max);
        if (maxMs < minMs) {
          problems.push({ pointer: `${pointer}${at}/max`, message: `${path(`${at}/max`)}: must be at least min (${String(d.min)})` });
          return undefined;
        }
        return { type: 'uniform', minMs, maxMs, jitterMs };
      }
      case 'lognormal': {
        const medianMs = ms(d.median);
        if (!(medianMs > 0)) {
          problems.push({ pointer: `${pointer}${at}/median`, message: `${path(`${at}/median`)}: a lognormal median must be above 0` });
          return undefined;
        }
        return { type: 'lognormal', medianMs, sigma: d.sigma as number, jitterMs };
      }
      default:
        return { type: 'fixed', ms: ms(d.ms), jitterMs };
    }
  };
  switch (kind) {
    case 'downtime':
      return {
        kind,
        mode: (e.mode as 'unavailable' | 'refused' | undefined) ?? 'unavailable',
        retryAfterMs: e.retryAfter === undefined ? undefined : ms(e.retryAfter),
        retryAfterFormat: (e.retryAfterFormat as 'seconds' | 'http-date' | undefined) ?? 'seconds',
      };
    case 'latency': {
      const delay = dist(e, '');
      return delay && { kind, delay };
    }
    case 'timeout':
      return { kind };
    case 'error-rate':
      return { kind, status: (e.status as number | undefined) ?? 500 };
    case 'throttle': {
      const rate = e.rate as number;
      return { kind, rate, burst: (e.burst as number | undefined) ?? Math.max(1, Math.ceil(rate)), retryAfterFormat: (e.retryAfterFormat as 'seconds' | 'http-date' | undefined) ?? 'seconds' };
    }
    case 'duplicate':
      return { kind, copies: (e.copies as number | undefined) ?? 2, spacingMs: ms(e.spacing) };
    case 'reorder': {
      const windowMs = ms(e.window);
      if (windowMs <= 0) {
        problems.push({ pointer: `${pointer}/window`, message: `${path('/window')}: the window must be longer than 0` });
        return undefined;
      }
      return { kind, windowMs };
    }
    case 'delay-messages': {
      const delay = dist(e.delay as Record<string, unknown>, '/delay');
      return delay && { kind, delay };
    }
    case 'lost-ack':
      return { kind, mode: (e.mode as 'reset' | 'timeout' | undefined) ?? 'reset' };
    case 'malformed': {
      const variant = e.variant as 'truncated-json' | 'wrong-content-type' | 'schema-violation';
      if (e.field !== undefined && variant !== 'schema-violation') {
        problems.push({ pointer: `${pointer}/field`, at: 'key', message: `${path('/field')}: only a schema-violation breaks a chosen field (this one is ${variant})` });
        return undefined;
      }
      return { kind, variant, field: e.field as string | undefined };
    }
    case 'schema-drift': {
      const renames = (e.renames as Record<string, string> | undefined) ?? {};
      const adds = (e.adds as Record<string, unknown> | undefined) ?? {};
      if (Object.keys(renames).length === 0 && Object.keys(adds).length === 0) {
        problems.push({ pointer, message: `${path()}: a schema-drift needs renames, adds, or both` });
        return undefined;
      }
      return { kind, renames, adds };
    }
    case 'clock-skew':
      return { kind, offsetMs: ms(e.offset) };
    case 'crash':
      return { kind, downForMs: ms(e.downFor) };
    case 'reset':
      return { kind, afterBytes: e.afterBytes as number | undefined };
    case 'slow-body':
      return { kind, bytesPerSecond: e.bytesPerSecond as number };
  }
}

// ---------------------------------------------------------------------------------------------
// JSON Schema: ajv, and its errors in words
// ---------------------------------------------------------------------------------------------

/** The fault plan JSON Schema (ids: fault-plan, faults, fault under https://faultline.dev/schemas/). */
export const FAULT_PLAN_SCHEMA = schema as Record<string, unknown>;
export const FAULT_PLAN_SCHEMA_ID = 'https://faultline.dev/schemas/fault-plan.schema.json';
export const FAULT_SCHEMA_ID = 'https://faultline.dev/schemas/fault.schema.json';
export const FAULTS_SCHEMA_ID = 'https://faultline.dev/schemas/faults.schema.json';

let compiled: { plan: ValidateFunction; fault: ValidateFunction } | undefined;

function validators(): { plan: ValidateFunction; fault: ValidateFunction } {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true });
    ajv.addSchema(FAULT_PLAN_SCHEMA);
    compiled = { plan: ajv.getSchema(FAULT_PLAN_SCHEMA_ID)!, fault: ajv.getSchema(FAULT_SCHEMA_ID)! };
  }
  return compiled;
}

type SchemaNode = { properties?: Record<string, unknown>; $defs?: Record<string, SchemaNode>; allOf?: Array<{ if: { properties: { kind: { const: string } } }; then: { $ref: string } }> };

const faultSchema = (schema as unknown as { $defs: { fault: SchemaNode } }).$defs.fault;

/** Fields a fault of `kind` may have (common ones first, then the kind's). */
export function allowedFields(kind: FaultKind): string[] {
  const common = Object.keys(faultSchema.properties ?? {});
  const rule = faultSchema.allOf?.find((r) => r.if.properties.kind.const === kind);
  const def = rule ? faultSchema.$defs?.[rule.then.$ref.split('/').pop()!] : undefined;
  return [...common, ...Object.keys(def?.properties ?? {})];
}

function distributionFields(): string[] {
  return Object.keys(faultSchema.$defs?.distribution?.properties ?? {});
}

/** What a pattern means, for people. */
const PATTERN_MEANING: Record<string, string> = {
  target: 'a target such as erp, erp:bookSalesOrder, wms@DC-EAST, carrier-swift or events:wms.shipment',
  duration: 'a duration such as 90s, 15m, 2h or 1h30m',
  signedDuration: 'a signed duration such as -5m or +90s',
  millis: 'milliseconds (a number) or a duration such as 250ms or 2s',
};

function renderAjvErrors(errors: ErrorObject[], root: unknown, base = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  const badKind = new Set(errors.filter((e) => e.keyword === 'enum' && e.instancePath.endsWith('/kind')).map((e) => e.instancePath.slice(0, -'/kind'.length)));
  for (const error of errors) {
    // `if` repeats its `then`'s errors; unknown fields are checked per kind by checkFaultEntry.
    if (error.keyword === 'if' || error.keyword === 'unevaluatedProperties') continue;
    // With an unknown kind, what the kind's parameters would need is noise.
    if (error.schemaPath.startsWith('#/allOf/') && [...badKind].some((p) => error.instancePath.startsWith(p))) continue;
    const problem = renderError(error, root, base);
    const key = `${problem.pointer}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  }
  return out;
}

function renderError(error: ErrorObject, _root: unknown, base: string): FieldProblem {
  const pointer = base + error.instancePath;
  const path = pointerToPath(pointer) || 'the plan';
  const got = describe(error.data);
  const def = /^#\/\$defs\/([^/]+)\//.exec(error.schemaPath)?.[1];
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return { pointer, message: `${path}: missing required field "${missing}"` };
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const where = `${pointer}/${escape(extra)}`;
      return { pointer: where, at: 'key', message: `${pointerToPath(where)}: unknown field; a fault plan has only "faults:"` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      if (pointer.endsWith('/kind')) return { pointer, message: `${path}: unknown fault kind ${got}; kinds: ${allowed.join(', ')}` };
      return { pointer, message: `${path}: must be one of ${allowed.join(', ')}, got ${got}` };
    }
    case 'pattern': {
      const meaning = def ? PATTERN_MEANING[def] : undefined;
      if (def === 'target') return { pointer, message: `${path}: ${got} is not ${meaning}` };
      if (meaning) return { pointer, message: `${path}: must be ${meaning}, got ${got}` };
      if (pointer.endsWith('/id')) return { pointer, message: `${path}: an id is letters, digits, dots, dashes and underscores, got ${got}` };
      if (pointer.endsWith('/field')) return { pointer, message: `${path}: must be a JSON pointer such as /status, got ${got}` };
      return { pointer, message: `${path}: must match ${String(params.pattern)}, got ${got}` };
    }
    case 'type': {
      const meaning = def ? PATTERN_MEANING[def] : undefined;
      if (meaning) return { pointer, message: `${path}: must be ${meaning}, got ${got}` };
      const type = String(params.type).replace('object', 'a mapping').replace('array', 'a list').replace('integer', 'a whole number').replace(/^(number|string|boolean)$/, 'a $1');
      return { pointer, message: `${path}: must be ${type}, got ${got}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      if (def === 'probability') return { pointer, message: `${path}: a probability is between 0 and 1, got ${got}` };
      if (def === 'millis') return { pointer, message: `${path}: must not be negative, got ${got}` };
      const words: Record<string, string> = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'above', exclusiveMaximum: 'below' };
      return { pointer, message: `${path}: must be ${words[error.keyword]} ${String(params.limit)}, got ${got}` };
    }
    case 'minLength':
      return { pointer, message: `${path}: must not be empty` };
    case 'maxLength':
      return { pointer, message: `${path}: must be at most ${String(params.limit)} characters` };
    default:
      return { pointer, message: `${path}: ${error.message ?? 'is invalid'}` };
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function escape(token: string): string {
  return toPointer([token]).slice(1);
}

/** Every kind, with what it does: for help texts. */
export function describeKinds(): string {
  return FAULT_KINDS.map((k) => `${k}: ${KIND_INFO[k].summary}`).join('\n');
}
