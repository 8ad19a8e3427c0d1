// Verifying a provider's HTTP pacts against a running service: the Pact verifier (pact-core's
// native library) replays each interaction against the base URL, after setting its provider
// states through a state-change URL; the outcome comes back as data (which interaction passed,
// which failed and why) for the CLI summary, JUnit and tests.
//
//   const report = await verifyProvider({ provider: 'wms', baseUrl: 'http://127.0.0.1:4010', pacts: selectPacts('wms', 'contracts/pacts').files });
//   process.stdout.write(renderSummary(report));
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setLogLevel } from '@pact-foundation/pact-core/src/logger/index.js';
import { getFfiLib } from '@pact-foundation/pact-core/src/ffi/index.js';
import { PactFileError, providerTarget, readPactFile, type PactFile } from '../../contracts/tools/pact-openapi/index.ts';
import { escapeXml } from '../../reports/render/format.ts';

/** A pact set-up that cannot be verified: one sentence naming the file, URL or provider. */
export class VerifyUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyUsageError';
  }
}

export interface SelectedPacts {
  /** The files that name the provider, sorted. */
  files: string[];
  pacts: PactFile[];
  /** Providers the searched files name (for "no pact names X" messages). */
  providers: string[];
}

/** Every provider name faultline verifies over HTTP. */
export const HTTP_PROVIDERS = ['erp', 'wms', 'carrier-swift', 'carrier-pelican', 'integration-layer'] as const;

/**
 * The pact files under `path` (a file or a directory of `*.json`) whose provider is `provider`.
 * Throws VerifyUsageError for an unknown provider, a path that does not exist, a file that is not
 * a pact, or no pact naming the provider.
 */
export function selectPacts(provider: string, path: string): SelectedPacts {
  const target = providerTarget(provider);
  if (!target) throw new VerifyUsageError(`unknown provider "${provider}"; the landscape's providers are ${HTTP_PROVIDERS.join(', ')} (carrier-<name> for another carrier)`);
  if (provider.endsWith('-events')) {
    throw new VerifyUsageError(`"${provider}" is a message provider: its pacts are verified in the provider's own Pact test suite (README, For vendors), not over HTTP; verify "${provider.slice(0, -'-events'.length)}" here`);
  }
  if (!existsSync(path)) throw new VerifyUsageError(`${path} does not exist (--pact takes a pact file or a directory of them)`);
  const directory = statSync(path).isDirectory();
  const candidates = directory
    ? readdirSync(path)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(path, f))
    : [path];
  const pacts: PactFile[] = [];
  const providers = new Set<string>();
  for (const file of candidates) {
    let pact: PactFile;
    try {
      pact = readPactFile(file);
    } catch (error) {
      if (error instanceof PactFileError) throw new VerifyUsageError(error.message);
      throw error;
    }
    providers.add(pact.provider);
    if (pact.provider === provider) pacts.push(pact);
  }
  if (pacts.length === 0) {
    const where = directory ? `no pact in ${path}` : `${path} is not a pact of`;
    const named = providers.size > 0 ? ` (${directory ? 'they name' : 'it names'} ${[...providers].sort().join(', ')})` : directory ? ' (the directory has no .json files)' : '';
    throw new VerifyUsageError(`${where} ${directory ? 'names provider ' : ''}"${provider}"${named}`);
  }
  const http = pacts.filter((p) => p.interactions.some((i) => i.kind === 'http'));
  if (http.length === 0) throw new VerifyUsageError(`the pacts of "${provider}" (${pacts.map((p) => p.file).join(', ')}) hold no HTTP interaction to verify`);
  return { files: http.map((p) => p.file), pacts: http, providers: [...providers].sort() };
}

// ---------------------------------------------------------------------------------------------
// Running the verifier
// ---------------------------------------------------------------------------------------------

export interface VerifyOptions {
  provider: string;
  /** Where the provider runs (`http://127.0.0.1:4010`, a path prefix is kept). */
  baseUrl: string;
  /** The state-change URL; without it, interactions run without setting their provider states. */
  providerStatesUrl?: string;
  /** Pact files to verify (see selectPacts). */
  pacts: string[];
  /** Headers added to every request (credentials the pact leaves to the provider: `Authorization`). */
  headers?: Record<string, string>;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
}

export interface InteractionResult {
  consumer: string;
  provider: string;
  file: string;
  description: string;
  /** `POST /sales-orders`. */
  request: string;
  states: string[];
  passed: boolean;
  /** What did not match, one line each (`$.status: Expected 'released' but received 'cancelled'`). */
  mismatches: string[];
  durationMs?: number;
}

export interface VerificationReport {
  provider: string;
  baseUrl: string;
  providerStatesUrl?: string;
  files: string[];
  interactions: InteractionResult[];
  passed: boolean;
  /** The verifier's own report, line by line, without colour codes. */
  output: string[];
  /** Problems not tied to one interaction (a state endpoint that failed, a pact that could not be loaded). */
  errors: string[];
}

interface RawMismatch {
  mismatch?: string;
  path?: string;
  type?: string;
  key?: string;
  expected?: unknown;
  actual?: unknown;
}
interface RawError {
  interaction?: string;
  mismatch?: { type?: string; message?: string; mismatches?: RawMismatch[] };
}
interface RawResults {
  result?: boolean;
  errors?: RawError[];
  pendingErrors?: RawError[];
  interactionResults?: Array<{ description?: string; duration?: string; result?: string; interactionId?: string }>;
  output?: string[];
}

// eslint-disable-next-line no-control-regex -- the verifier colours its output with ANSI escapes
const ANSI = /\u001b\[[0-9;]*m/g;

/** Runs the Pact verifier for `options.pacts` against the provider; never throws for a failed interaction. */
export async function verifyProvider(options: VerifyOptions): Promise<VerificationReport> {
  const base = new URL(options.baseUrl);
  setLogLevel('error');
  const ffi = getFfiLib('error');
  const handle = ffi.pactffiVerifierNewForApplication('faultline', '0.1.0');
  const port = base.port !== '' ? Number(base.port) : base.protocol === 'https:' ? 443 : 80;
  ffi.pactffiVerifierSetProviderInfo(handle, options.provider, base.protocol.replace(':', ''), base.hostname, port, base.pathname.replace(/\/+$/, ''));
  if (options.providerStatesUrl) ffi.pactffiVerifierSetProviderState(handle, options.providerStatesUrl, true, true);
  ffi.pactffiVerifierSetVerificationOptions(handle, false, options.timeoutMs ?? 10_000);
  for (const [name, value] of Object.entries(options.headers ?? {})) ffi.pactffiVerifierAddCustomHeader(handle, name, value);
  for (const file of options.pacts) ffi.pactffiVerifierAddFileSource(handle, file);
  const code = await new Promise<number>((resolve, reject) => {
    ffi.pactffiVerifierExecute(handle, (error, result) => (error ? reject(error) : resolve(result)));
  });
  let raw: RawResults = {};
  try {
    raw = JSON.parse(ffi.pactffiVerifierJson(handle)) as RawResults;
  } catch {
    // no results: reported below
  } finally {
    ffi.pactffiVerifierShutdown(handle);
  }
  if (code !== 0 && code !== 1) throw new Error(`the Pact verifier could not run (code ${code}); its output: ${(raw.output ?? []).join('\n')}`);
  const report = buildReport(options, raw, code === 0);
  if (options.providerStatesUrl) await explainStateFailures(report, options.providerStatesUrl, options.headers ?? {});
  explainTimeouts(report, options.timeoutMs ?? 10_000);
  return report;
}

/** The call Pact makes to the state-change URL for an interaction that names no state: answer 200. */
export const EMPTY_STATE = { state: '', params: {}, action: 'setup' } as const;

const STATE_FAILED = /state change/i;

/**
 * The verifier only says "One or more of the setup state change handlers has failed"; the
 * provider's answer (which state, and why) is what a vendor needs. For each interaction that
 * failed so, ask the state-change URL again, state by state (the empty state for an interaction
 * without one), with the same headers, and add its answer to the mismatches. A state set up only
 * to ask is torn down again, so the question leaves no state behind.
 */
async function explainStateFailures(report: VerificationReport, url: string, headers: Record<string, string>): Promise<void> {
  const failed = report.interactions.filter((i) => !i.passed && i.mismatches.some((m) => STATE_FAILED.test(m)));
  if (failed.length === 0) return;
  const pactStates = new Map<string, Array<{ name: string; params?: unknown }>>();
  for (const file of report.files) {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { interactions?: Array<{ description?: string; providerStates?: Array<{ name?: string; params?: unknown }> }> };
    for (const i of json.interactions ?? []) pactStates.set(`${file}\u0000${i.description}`, (i.providerStates ?? []).filter((s): s is { name: string; params?: unknown } => typeof s.name === 'string'));
  }
  for (const i of failed) {
    const states = pactStates.get(`${i.file}\u0000${i.description}`) ?? [];
    for (const state of states.length > 0 ? states : [{ name: '' }]) {
      const why = await callState(url, headers, state, 'setup');
      if (why === undefined) {
        await callState(url, headers, state, 'teardown');
        continue;
      }
      i.mismatches.push(
        state.name === ''
          ? `provider state endpoint refused the empty state Pact sends for an interaction without one: ${why} (answer 200 to a state of "")`
          : `provider state "${state.name}" could not be set: ${why}`,
      );
    }
  }
}

/** The state-change URL's refusal in one line, or undefined when it accepts the call. */
async function callState(url: string, headers: Record<string, string>, state: { name: string; params?: unknown }, action: 'setup' | 'teardown'): Promise<string | undefined> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ state: state.name, params: state.params ?? {}, action }), signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    if (res.ok) return undefined;
    let detail = text.slice(0, 300);
    try {
      const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
      if (typeof problem.detail === 'string') detail = problem.detail;
      else if (typeof problem.title === 'string') detail = problem.title;
    } catch {
      // not JSON: keep the text
    }
    return `${res.status} ${detail}`.trim();
  } catch (error) {
    return `no answer from ${url} (${(error as Error).message})`;
  }
}

/** The verifier says "error sending request" for a request that ran out of time; say that it did. */
function explainTimeouts(report: VerificationReport, timeoutMs: number): void {
  for (const i of report.interactions) {
    if (i.passed || i.durationMs === undefined || i.durationMs < timeoutMs * 0.95) continue;
    i.mismatches = i.mismatches.map((m) => (/error sending request/i.test(m) ? `no answer within ${timeoutMs / 1000} s, the limit per request (--timeout raises it): ${m}` : m));
  }
}

function buildReport(options: VerifyOptions, raw: RawResults, ok: boolean): VerificationReport {
  const pacts = options.pacts.map((f) => ({ file: f, pact: readPactFile(f), raw: JSON.parse(readFileSync(f, 'utf8')) as { interactions?: Array<{ description?: string; providerStates?: Array<{ name?: string }> }> } }));
  const errors = [...(raw.errors ?? []), ...(raw.pendingErrors ?? [])];
  const used = new Set<RawError>();
  const interactions: InteractionResult[] = [];
  const results = raw.interactionResults ?? [];
  for (const { file, pact, raw: json } of pacts) {
    for (const i of pact.interactions) {
      if (i.kind !== 'http') continue;
      const states = (json.interactions?.[i.index]?.providerStates ?? []).map((s) => s.name ?? '').filter((s) => s !== '');
      const label = `Verifying a pact between ${pact.consumer} and ${pact.provider}`;
      const mine = errors.filter((e) => !used.has(e) && typeof e.interaction === 'string' && e.interaction.startsWith(label) && e.interaction.endsWith(` - ${i.description}`));
      mine.forEach((e) => used.add(e));
      const result = results.find((r) => r.description === i.description);
      const passed = mine.length === 0 && (result ? result.result === 'OK' : ok);
      const duration = result?.duration ? parseDuration(result.duration) : undefined;
      interactions.push({
        consumer: pact.consumer,
        provider: pact.provider,
        file,
        description: i.description,
        request: `${i.request.method} ${i.request.path}`,
        states,
        passed,
        mismatches: mine.flatMap(describeError),
        ...(duration !== undefined ? { durationMs: duration } : {}),
      });
    }
  }
  const leftover = errors.filter((e) => !used.has(e)).flatMap((e) => describeError(e).map((m) => (e.interaction ? `${e.interaction.replace(ANSI, '')}: ${m}` : m)));
  return {
    provider: options.provider,
    baseUrl: options.baseUrl,
    ...(options.providerStatesUrl ? { providerStatesUrl: options.providerStatesUrl } : {}),
    files: options.pacts,
    interactions,
    passed: ok && interactions.every((i) => i.passed) && leftover.length === 0,
    output: (raw.output ?? []).flatMap((l) => l.replace(ANSI, '').split('\n')),
    errors: leftover,
  };
}

function describeError(e: RawError): string[] {
  const m = e.mismatch;
  if (!m) return ['failed (the verifier gave no reason)'];
  if (m.type === 'error') return [oneLine(m.message ?? 'failed')];
  const list = m.mismatches ?? [];
  if (list.length === 0) return [oneLine(m.message ?? 'did not match')];
  return list.map((x) => {
    const what = oneLine(x.mismatch ?? `expected ${JSON.stringify(x.expected)}, got ${JSON.stringify(x.actual)}`);
    if (x.type === 'StatusMismatch') return `status: ${what}`;
    if (x.type === 'HeaderMismatch') return `header ${x.key ?? ''}: ${what}`;
    if (x.type === 'BodyTypeMismatch') return `body: ${what}`;
    return x.path ? `${x.path}: ${what}` : what;
  });
}

const oneLine = (s: string): string => s.replace(ANSI, '').replace(/\s*\n\s*/g, ' ').trim();

function parseDuration(text: string): number | undefined {
  const m = /^([\d.]+)(ms|s|µs|us|ns|m)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : unit === 'ms' ? n : n / 1000;
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/** The readable summary: what was verified against what, each interaction, then the totals. */
export function renderSummary(report: VerificationReport): string {
  const lines: string[] = [];
  const failed = report.interactions.filter((i) => !i.passed);
  lines.push(`Pact verification of provider ${report.provider} at ${report.baseUrl}`);
  for (const file of report.files) {
    const n = report.interactions.filter((i) => i.file === file);
    lines.push(`  pact ${file} (${n[0]?.consumer ?? '?'} → ${report.provider}, ${n.length} interaction${n.length === 1 ? '' : 's'})`);
  }
  lines.push(`  provider states: ${report.providerStatesUrl ?? 'none set (no state-change URL)'}`);
  lines.push('');
  for (const i of report.interactions) {
    lines.push(`  ${i.passed ? '✓' : '✗'} ${i.description} (${i.request})${i.states.length > 0 ? ` given ${i.states.map((s) => `"${s}"`).join(' and ')}` : ''}`);
    for (const m of i.mismatches) lines.push(`      ${m}`);
  }
  for (const e of report.errors) lines.push(`  ✗ ${e}`);
  const refused = failed.filter((i) => i.mismatches.some((m) => /^status: expected \d+ but was 40[13]$/.test(m)));
  if (refused.length > 1 && refused.length * 2 >= failed.length) {
    lines.push('');
    lines.push(
      `  hint: ${refused.length} interactions were refused with 401/403. The pacts leave credentials to the provider's own set-up; pass yours with --header, e.g. --header 'Authorization: Bearer TOKEN' or --header 'X-API-Key: KEY'.`,
    );
  }
  const stuck = failed.filter(setUpFailed).length;
  if (failed.length === report.interactions.length && stuck > 1 && stuck * 2 >= failed.length) {
    lines.push('');
    lines.push(`  hint: nothing verified, and ${stuck} of ${failed.length} interactions could not set their provider states. Is ${report.baseUrl} the ${report.provider} service, and does its state endpoint know these states (README, Provider states)?`);
  }
  lines.push('');
  lines.push(
    report.passed
      ? `PASS ${report.interactions.length} interaction${report.interactions.length === 1 ? '' : 's'} verified against ${report.provider}`
      : `FAIL ${failed.length} of ${report.interactions.length} interaction${report.interactions.length === 1 ? '' : 's'} did not verify against ${report.provider}${report.errors.length > 0 ? ` (and ${report.errors.length} other problem${report.errors.length === 1 ? '' : 's'})` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

/** JUnit XML: one test suite per pact file, one test case per interaction. */
export function renderJunit(report: VerificationReport): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let setUpErrors = 0;
  for (const file of report.files) {
    const cases = report.interactions.filter((i) => i.file === file);
    const f = cases.filter((c) => !c.passed && !setUpFailed(c)).length;
    const e = cases.filter((c) => !c.passed && setUpFailed(c)).length;
    tests += cases.length;
    failures += f;
    setUpErrors += e;
    const consumer = cases[0]?.consumer ?? 'unknown';
    const body = cases
      .map((c) => {
        const time = c.durationMs !== undefined ? ` time="${(c.durationMs / 1000).toFixed(3)}"` : '';
        const name = `${c.description} (${c.request})`;
        // A state that could not be set is a set-up problem (error), not a mismatch (failure).
        const element = c.passed ? '' : setUpFailed(c) ? 'error' : 'failure';
        const message = setUpFailed(c) ? (c.mismatches.find((m) => !STATE_FAILED.test(m)) ?? c.mismatches[0]) : c.mismatches[0];
        const failure = c.passed ? '' : `<${element} message="${escapeXml(message ?? 'did not verify')}" type="${element === 'error' ? 'provider-state' : 'pact'}">${escapeXml([...(c.states.length ? [`given ${c.states.join(' and ')}`] : []), ...c.mismatches].join('\n'))}</${element}>`;
        return `    <testcase classname="pact.${escapeXml(consumer)}.${escapeXml(report.provider)}" name="${escapeXml(name)}"${time}>${failure}</testcase>`;
      })
      .join('\n');
    suites.push(
      `  <testsuite name="${escapeXml(`${consumer} → ${report.provider}`)}" tests="${cases.length}" failures="${f}" errors="${e}">\n` +
        `    <properties>\n      <property name="pact" value="${escapeXml(file)}"/>\n      <property name="baseUrl" value="${escapeXml(report.baseUrl)}"/>\n    </properties>\n` +
        `${body}\n  </testsuite>`,
    );
  }
  const errors = report.errors.length;
  const extra = errors > 0 ? `\n  <testsuite name="verifier" tests="${errors}" failures="0" errors="${errors}">\n${report.errors.map((e, n) => `    <testcase classname="pact.verifier" name="problem ${n + 1}"><error message="${escapeXml(e)}"/></testcase>`).join('\n')}\n  </testsuite>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="faultline verify ${escapeXml(report.provider)}" tests="${tests + errors}" failures="${failures}" errors="${errors + setUpErrors}">\n${suites.join('\n')}${extra}\n</testsuites>\n`;
}

const setUpFailed = (c: InteractionResult): boolean => c.mismatches.some((m) => STATE_FAILED.test(m));

/** JUnit for a verification that could not run (unreachable service, unreadable pact): one errored case saying why. */
export function renderJunitError(provider: string, reason: string): string {
  const name = escapeXml(provider);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="faultline verify ${name}" tests="1" failures="0" errors="1">\n  <testsuite name="verifier" tests="1" failures="0" errors="1">\n    <testcase classname="pact.verifier" name="verify ${name}"><error message="${escapeXml(reason)}" type="usage"/></testcase>\n  </testsuite>\n</testsuites>\n`;
}
