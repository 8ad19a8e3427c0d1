import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { formatDuration, parseDuration } from '../../runtime/files/duration.ts';
import { formatProblems, pointerToPath, readSource, sortProblems, type LocatedProblem, type SourceDocument } from '../../runtime/files/yaml-source.ts';
import { checkFaultList, FAULT_PLAN_SCHEMA } from '../../simulators/faults/plan.ts';
import { INVARIANT_IDS, type InvariantId } from '../invariants/checker.ts';
import { parseSlo, type SloSpec } from '../metrics/slo.ts';
import type { Scenario } from './model.ts';
import schema from './scenario.schema.json' with { type: 'json' };

/** A scenario file that cannot run: every problem, as `file:line:col: message`. */
export class ScenarioError extends Error {
  readonly problems: LocatedProblem[];
  constructor(problems: LocatedProblem[]) {
    const sorted = sortProblems(problems);
    super(formatProblems(sorted));
    this.name = 'ScenarioError';
    this.problems = sorted;
  }
}

const SCENARIO_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * Expands files and directories into scenario files, sorted; a directory's `regressions/`
 * subfolder comes first (replays of past failures run before the catalog, as fast-check runs
 * its examples first). A path that does not exist is reported by the loader.
 */
export function listScenarioFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      out.push(path);
      continue;
    }
    if (!isDir) {
      out.push(path);
      continue;
    }
    const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const sub = entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name === 'regressions' ? -1 : b.name === 'regressions' ? 1 : a.name.localeCompare(b.name)));
    for (const dir of sub) out.push(...listScenarioFiles([join(path, dir.name)]));
    for (const e of entries) if (e.isFile() && SCENARIO_EXTENSIONS.has(extname(e.name))) out.push(join(path, e.name));
  }
  return out;
}

let compiled: ReturnType<Ajv2020['compile']> | undefined;
function validator() {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
    ajv.addSchema(FAULT_PLAN_SCHEMA as object);
    compiled = ajv.compile(schema as object);
  }
  return compiled;
}

/** Reads and validates a scenario; throws ScenarioError listing every located problem. */
/**
 * Whether a parsed file is a fault plan (what `sim --faults` and `proxy --faults` read) rather than a
 * scenario: a mapping whose only field is `faults`.
 */
export function isFaultPlan(source: SourceDocument): boolean {
  const root = source.value;
  return source.problems.length === 0 && root !== null && typeof root === 'object' && !Array.isArray(root) && Object.keys(root).join() === 'faults';
}

export function loadScenario(file: string): Scenario {
  return scenarioFromSource(readSource(file));
}

export function scenarioFromSource(source: SourceDocument): Scenario {
  if (source.problems.length > 0) throw new ScenarioError(source.problems);
  const value = source.value;
  const problems: LocatedProblem[] = [];
  const at = (pointer: string, message: string, where: 'key' | 'value' = 'value') => problems.push(source.problem(pointer, message, where));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    at('', 'a scenario is a mapping with title, description, duration, topology, workload, faults, slos…');
    throw new ScenarioError(problems);
  }
  const raw = value as Record<string, unknown>;
  const validate = validator();
  if (!validate(raw)) {
    for (const e of validate.errors ?? []) {
      if (e.instancePath.startsWith('/faults/')) continue; // the fault checker says it better
      if (e.keyword === 'if') continue; // its `then` already said what is missing
      const r = render(e);
      at(r.pointer, r.message, r.at);
    }
  }
  // Semantic checks need a normalised scenario; faults and SLOs that are wrong on their own are
  // left out of it, so their problems and the semantic ones are all reported in one pass.
  const shapeOk = problems.length === 0;
  const faultsResult = Array.isArray(raw.faults) ? checkFaultList(raw.faults, '/faults', { mode: 'in-process' }) : { faults: [], problems: [], valid: [], validIndexes: [] };
  for (const p of faultsResult.problems) at(p.pointer, p.message, p.at);

  const slos: SloSpec[] = [];
  (Array.isArray(raw.slos) ? raw.slos : []).forEach((text, i) => {
    if (typeof text !== 'string') return;
    try {
      const slo = parseSlo(text);
      slos.push(slo);
      // A threshold outside what the metric can take makes the SLO always or never hold.
      if (slo.unit === 'ratio' && (slo.threshold < 0 || slo.threshold > 1)) at(`/slos/${i}`, `slos[${i}]: ${slo.id} is a share between 0 and 100%, so "${slo.expression}" always or never holds`);
      else if (slo.threshold < 0) at(`/slos/${i}`, `slos[${i}]: ${slo.id} is never negative, so "${slo.expression}" always or never holds`);
    } catch (error) {
      at(`/slos/${i}`, `slos[${i}]: ${(error as Error).message}`);
    }
  });

  const scenario = shapeOk ? normalise(source.file, raw, faultsResult.valid, slos) : undefined;
  const note = (pointer: string, message: string) => {
    const p = source.problem(pointer, message);
    scenario?.notes.push(`${p.file}:${p.line}:${p.col}: note: ${p.message}`);
  };
  if (scenario) semanticChecks(scenario, raw, at, note, faultsResult.validIndexes);
  if (problems.length > 0 || !scenario) throw new ScenarioError(problems);
  return scenario;
}

const ms = (v: unknown, fallback: number): number => (typeof v === 'string' ? (parseDuration(v) ?? fallback) : fallback);

function normalise(file: string, raw: Record<string, unknown>, faults: Scenario['faults'], slos: SloSpec[]): Scenario {
  const r = raw as Record<string, Record<string, unknown> | undefined>;
  const topology = r.topology ?? {};
  const workload = r.workload ?? {};
  const systems = (r.systems ?? {}) as Record<string, Record<string, unknown>>;
  const durationMs = ms(raw.duration, 0);
  const skus = (topology.skus ?? {}) as Record<string, unknown>;
  const customers = (topology.customers ?? {}) as Record<string, unknown>;
  return {
    id: basename(file, extname(file)),
    file,
    title: String(raw.title),
    description: String(raw.description).trim(),
    seed: typeof raw.seed === 'number' ? raw.seed : 1,
    durationMs,
    drainMs: ms(raw.drain, 6 * 3_600_000),
    sampleEveryMs: ms(raw.sampleEvery, Math.max(10_000, Math.round(durationMs / 120 / 1000) * 1000)),
    topology: {
      distributionCenters: (topology.distributionCenters as Scenario['topology']['distributionCenters'] | undefined) ?? [
        { code: 'DC-EAST', carrier: 'carrier-swift' },
        { code: 'DC-WEST', carrier: 'carrier-pelican' },
      ],
      channels: (topology.channels as Scenario['topology']['channels'] | undefined) ?? [
        { name: 'b2b-web', share: 0.7 },
        { name: 'marketplace-north', share: 0.3 },
      ],
      skus: { count: (skus.count as number | undefined) ?? 40, stock: (skus.stock as { min: number; max: number } | undefined) ?? { min: 800, max: 2500 } },
      customers: { count: (customers.count as number | undefined) ?? 25, creditLimit: (customers.creditLimit as string | undefined) ?? '10000000.00' },
    },
    workload: {
      profile: (workload.profile as Scenario['workload']['profile'] | undefined) ?? 'steady',
      ordersPerSecond: (workload.ordersPerSecond as number | undefined) ?? 1,
      rampFrom: (workload.rampFrom as number | undefined) ?? 0,
      linesPerOrder: (workload.linesPerOrder as { min: number; max: number } | undefined) ?? { min: 1, max: 4 },
      quantityPerLine: (workload.quantityPerLine as { min: number; max: number } | undefined) ?? { min: 1, max: 5 },
      skuSkew: (workload.skuSkew as number | undefined) ?? 1.1,
      doubleSubmitShare: (workload.doubleSubmitShare as number | undefined) ?? 0.01,
      cancelShare: (workload.cancelShare as number | undefined) ?? 0.02,
      returnShare: (workload.returnShare as number | undefined) ?? 0.02,
      availabilityReadShare: (workload.availabilityReadShare as number | undefined) ?? 0.05,
      clientTimeoutMs: ms(workload.clientTimeout, 10_000),
      clientRetries: (workload.clientRetries as number | undefined) ?? 2,
    },
    systems: { erp: systems.erp ?? {}, wms: systems.wms ?? {}, carriers: systems.carriers ?? {} },
    layer: (r.layer as Record<string, unknown> | undefined) ?? {},
    faults,
    slos,
    invariants: (raw.invariants as InvariantId[] | undefined) ?? [...INVARIANT_IDS],
    inventoryConvergenceMs: ms((r.bounds ?? {}).inventoryConvergence, 30 * 60_000),
    raw,
    notes: [],
  };
}

/** Longest simulated duration and drain: longer worlds take hours of wall time and GiBs. */
const MAX_SIMULATED_MS = 7 * 86_400_000;

/** `faultIndexes[k]`: where `s.faults[k]` stands in the file. */
function semanticChecks(s: Scenario, raw: Record<string, unknown>, at: (pointer: string, message: string) => void, note: (pointer: string, message: string) => void, faultIndexes: readonly number[]): void {
  if (s.durationMs <= 0) at('/duration', 'duration: must be longer than 0');
  if (s.durationMs > MAX_SIMULATED_MS) at('/duration', `duration: at most 7d of simulated trade (a 24h peak day of 100,000 orders takes minutes of wall time), got ${raw.duration as string}`);
  if (s.drainMs > MAX_SIMULATED_MS) at('/drain', `drain: at most 7d, got ${raw.drain as string}`);
  if (s.sampleEveryMs < 1000) at('/sampleEvery', `sampleEvery: at least 1s (each sample reads every stock position), got ${raw.sampleEvery as string}`);
  if (s.invariants.length === 0 && s.slos.length === 0 && (!Array.isArray(raw.slos) || raw.slos.length === 0)) {
    at(Array.isArray(raw.invariants) ? '/invariants' : '', 'invariants: the scenario checks nothing (no invariant, no SLO); list at least one, or leave `invariants` out for all of them');
  }
  const dcs = s.topology.distributionCenters.map((d) => d.code);
  dcs.forEach((code, i) => {
    if (dcs.indexOf(code) !== i) at(`/topology/distributionCenters/${i}/code`, `topology.distributionCenters[${i}].code: ${code} is listed twice`);
  });
  const names = s.topology.channels.map((c) => c.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) at(`/topology/channels/${i}/name`, `topology.channels[${i}].name: ${name} is listed twice`);
  });
  const shares = s.topology.channels.reduce((a, c) => a + c.share, 0);
  if (raw.topology && (raw.topology as Record<string, unknown>).channels && Math.abs(shares - 1) > 0.001) {
    at('/topology/channels', `topology.channels: shares must add up to 1, they add up to ${Number(shares.toFixed(4))}`);
  }
  for (const [pointer, range] of [
    ['/workload/linesPerOrder', s.workload.linesPerOrder],
    ['/workload/quantityPerLine', s.workload.quantityPerLine],
    ['/topology/skus/stock', s.topology.skus.stock],
  ] as const) {
    if (range.min > range.max) at(pointer, `${pointerToPath(pointer)}: min (${range.min}) is above max (${range.max})`);
  }
  if (s.workload.linesPerOrder.min < 1) at('/workload/linesPerOrder/min', 'workload.linesPerOrder.min: an order has at least 1 line');
  if (s.workload.quantityPerLine.min < 1) at('/workload/quantityPerLine/min', 'workload.quantityPerLine.min: a line orders at least 1');
  s.faults.forEach((f, k) => {
    const i = faultIndexes[k] ?? k; // faults wrong on their own were left out of s.faults
    const t = f.target as { system?: string; instance?: string };
    if (t.system === 'wms' && t.instance && !dcs.includes(t.instance)) {
      at(`/faults/${i}/target`, `faults[${i}].target: no distribution center ${t.instance} in this scenario's topology (it has ${dcs.join(', ')})`);
    }
    if (t.system?.startsWith('carrier-') && !s.topology.distributionCenters.some((d) => d.carrier === t.system)) {
      at(`/faults/${i}/target`, `faults[${i}].target: no distribution center ships with ${t.system} in this scenario`);
    }
    if (f.fromMs > s.durationMs) at(`/faults/${i}/from`, `faults[${i}].from: starts after the workload ends (duration ${raw.duration as string})`);
    // Faults that outlast the workload are common (events still flow), past the drain's length rarely meant.
    else if (Number.isFinite(f.toMs) && f.toMs - s.durationMs > s.drainMs) {
      note(`/faults/${i}/to`, `faults[${i}].to: ends ${formatDuration(f.toMs - s.durationMs)} after the workload (duration ${raw.duration as string}), longer than the drain (${formatDuration(s.drainMs)}): the fault phase, with no new orders, lasts until then`);
    }
  });
}

function render(e: ErrorObject): { pointer: string; message: string; at?: 'key' } {
  const pointer = e.instancePath;
  const path = pointerToPath(pointer) || 'the scenario';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { pointer, message: `${path}: missing required field "${String(params.missingProperty)}"` };
    case 'additionalProperties': {
      const key = `${pointer}/${String(params.additionalProperty)}`;
      return { pointer: key, at: 'key', message: `${pointerToPath(key)}: unknown field` };
    }
    case 'enum':
      return { pointer, message: `${path}: must be one of ${(params.allowedValues as unknown[]).join(', ')}, got ${JSON.stringify(e.data)}` };
    case 'pattern':
      return {
        pointer,
        message: pointer.match(/(duration|drain|sampleEvery|clientTimeout|inventoryConvergence)$/)
          ? `${path}: ${JSON.stringify(e.data)} is not a duration; write e.g. 90s, 15m, 2h, 1h30m`
          : `${path}: ${JSON.stringify(e.data)} does not match ${String(params.pattern)}`,
      };
    case 'type':
      if (e.schemaPath.startsWith('#/$defs/distribution')) return { pointer, message: `${path}: must be a random duration in ms, such as { distribution: lognormal, median: 1800000, sigma: 0.3 } or { distribution: fixed, ms: 60000 }, got ${JSON.stringify(e.data)}` };
      return { pointer, message: `${path}: must be ${String(params.type)}, got ${JSON.stringify(e.data)}` };
    case 'maximum':
    case 'minimum':
    case 'exclusiveMaximum':
    case 'exclusiveMinimum': {
      // A share is a fraction: 50 most likely meant 50 %.
      const hint = /share$/.test(pointer) && typeof e.data === 'number' && e.data > 1 && e.data <= 100 ? ` (a share is a fraction: ${e.data / 100} for ${e.data}%)` : '';
      return { pointer, message: `${path}: ${e.message ?? 'is out of range'}, got ${JSON.stringify(e.data)}${hint}` };
    }
    default:
      return { pointer, message: `${path}: ${e.message ?? 'is invalid'}` };
  }
}
