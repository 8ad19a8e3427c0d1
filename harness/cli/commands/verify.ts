import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { PROVIDER_STATES_PATH } from '../../contract-testing/provider-states.ts';
import { EMPTY_STATE, renderJunit, renderJunitError, renderSummary, selectPacts, verifyProvider, VerifyUsageError } from '../../contract-testing/verify.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { parseUrl } from '../options.ts';

export interface VerifyOptions {
  provider: string;
  baseUrl: string;
  providerStatesUrl?: string;
  pact?: string;
  junit: string;
  header?: string[];
  timeout?: string;
}

/** The pacts faultline ships: what the integration layer expects of each provider. */
const BUNDLED_PACTS = fileURLToPath(new URL('../../../contracts/pacts', import.meta.url));

/**
 * `faultline verify --provider NAME --base-url URL [--provider-states-url URL] [--pact FILE|DIR]
 * [--header 'Name: value'] [--timeout SECONDS] [--junit FILE]`: verifies the provider's HTTP pacts against a running
 * service (the vendor path). Exit 0 when every interaction verifies, 1 on a mismatch, 2 for an
 * unknown provider, a pact that cannot be read, an unreachable URL or another usage error.
 */
export default async function verify(options: VerifyOptions): Promise<number> {
  // faultline does not report usage to Pact's maintainers on the user's behalf.
  process.env.PACT_DO_NOT_TRACK ??= 'true';
  const junit = resolve(options.junit);
  try {
    return await verifyAndReport(options, junit);
  } catch (error) {
    // A CI step that publishes the JUnit file must not show an earlier run's green result.
    if (error instanceof UsageError) writeJunit(junit, options.junit, renderJunitError(options.provider, error.message), false);
    throw error;
  }
}

async function verifyAndReport(options: VerifyOptions, junit: string): Promise<number> {
  const base = parseUrl('--base-url', options.baseUrl);
  const headers = parseHeaders(options.header ?? []);
  const timeoutMs = parseTimeout(options.timeout ?? '10');
  const pactPath = options.pact ?? displayPath(BUNDLED_PACTS);
  let selected;
  try {
    selected = selectPacts(options.provider, pactPath);
  } catch (error) {
    if (error instanceof VerifyUsageError) throw new UsageError(error.message);
    throw error;
  }

  const reached = await probe(base.href, headers, timeoutMs);
  if (!reached.ok) throw new UsageError(`cannot reach the provider at ${base.href}: ${reached.reason}`);
  let statesUrl: string | undefined;
  if (options.providerStatesUrl !== undefined) {
    const url = parseUrl('--provider-states-url', options.providerStatesUrl);
    const states = await probe(url.href, headers, timeoutMs, 'POST');
    if (!states.ok) throw new UsageError(`cannot reach the provider-state endpoint ${url.href}: ${states.reason}`);
    statesUrl = url.href;
  } else {
    // Asked the way the verifier will ask it (the empty state Pact sends for an interaction
    // without one, a no-op), so an endpoint that takes only POST is found.
    const candidate = new URL(PROVIDER_STATES_PATH.slice(1), base.href.endsWith('/') ? base.href : `${base.href}/`).href;
    const states = await probe(candidate, headers, timeoutMs, 'POST');
    if (states.ok && states.status !== 404 && states.status !== 405 && states.status !== 501) statesUrl = candidate;
  }
  if (!statesUrl) process.stderr.write(`faultline: no provider-state endpoint (POST ${PROVIDER_STATES_PATH} answers 404, 405 or 501, or nothing, and --provider-states-url is not given): interactions run without setting their provider states\n`);

  const report = await verifyProvider({ provider: options.provider, baseUrl: base.href.replace(/\/$/, ''), ...(statesUrl ? { providerStatesUrl: statesUrl } : {}), pacts: selected.files, headers, timeoutMs });
  process.stdout.write(`\n${renderSummary(report)}`);
  writeJunit(junit, options.junit, renderJunit(report), true);
  return report.passed ? EXIT.ok : EXIT.failed;
}

function writeJunit(path: string, asGiven: string, xml: string, announce: boolean): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.${process.pid}.tmp`, xml);
    renameSync(`${path}.${process.pid}.tmp`, path);
    if (announce) process.stdout.write(`JUnit: ${displayPath(path)}\n`);
  } catch (error) {
    if (announce) throw new UsageError(`cannot write the JUnit report to ${asGiven}: ${(error as Error).message}`);
    // Reporting why verification could not run: the usage error says more than this would.
  }
}

/** `--timeout 30` (seconds; `30s`, `1m` and `500ms` read as written). */
function parseTimeout(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000) : Number.NaN;
  if (!(ms >= 1) || ms > 3_600_000) throw new UsageError(`--timeout takes seconds per request, such as 10 or 30s (at most 1h), got "${text}"`);
  return ms;
}

/** `--header 'Authorization: Bearer abc'` → `{ Authorization: 'Bearer abc' }`. */
function parseHeaders(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const colon = item.indexOf(':');
    const name = colon > 0 ? item.slice(0, colon).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new UsageError(`--header must look like "Name: value", got "${item}"`);
    out[name] = item.slice(colon + 1).trim();
  }
  return out;
}

/**
 * Whether anything answers HTTP at `url` (any status counts) within the per-request timeout. A
 * POST sends the verifier's own no-op: the empty provider state.
 */
async function probe(url: string, headers: Record<string, string>, timeoutMs: number, method: 'GET' | 'POST' = 'GET'): Promise<{ ok: true; status: number } | { ok: false; reason: string }> {
  const within = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`;
  try {
    const res = await request(url, {
      method,
      headers: method === 'POST' ? { ...headers, 'content-type': 'application/json' } : headers,
      ...(method === 'POST' ? { body: JSON.stringify(EMPTY_STATE) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return { ok: true, status: res.statusCode };
  } catch (error) {
    const e = error as { code?: string; name?: string; message?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code;
    if (code === 'ECONNREFUSED') return { ok: false, reason: 'connection refused (is the service running on that port?)' };
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { ok: false, reason: 'the host name does not resolve' };
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return { ok: false, reason: `no connection within ${within}` };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { ok: false, reason: `it took the connection but sent no answer to ${method} within ${within} (--timeout sets the limit)` };
    return { ok: false, reason: e.message ?? String(error) };
  }
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
