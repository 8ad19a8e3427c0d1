import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { PROVIDER_STATES_PATH } from '../../contract-testing/provider-states.ts';
import { renderJunit, renderSummary, selectPacts, verifyProvider, VerifyUsageError } from '../../contract-testing/verify.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { parseUrl } from '../options.ts';

export interface VerifyOptions {
  provider: string;
  baseUrl: string;
  providerStatesUrl?: string;
  pact?: string;
  junit: string;
  header?: string[];
}

/** The pacts faultline ships: what the integration layer expects of each provider. */
const BUNDLED_PACTS = fileURLToPath(new URL('../../../contracts/pacts', import.meta.url));

/**
 * `faultline verify --provider NAME --base-url URL [--provider-states-url URL] [--pact FILE|DIR]
 * [--header 'Name: value'] [--junit FILE]`: verifies the provider's HTTP pacts against a running
 * service (the vendor path). Exit 0 when every interaction verifies, 1 on a mismatch, 2 for an
 * unknown provider, a pact that cannot be read, an unreachable URL or another usage error.
 */
export default async function verify(options: VerifyOptions): Promise<number> {
  // faultline does not report usage to Pact's maintainers on the user's behalf.
  process.env.PACT_DO_NOT_TRACK ??= 'true';
  const base = parseUrl('--base-url', options.baseUrl);
  const headers = parseHeaders(options.header ?? []);
  const pactPath = options.pact ?? displayPath(BUNDLED_PACTS);
  let selected;
  try {
    selected = selectPacts(options.provider, pactPath);
  } catch (error) {
    if (error instanceof VerifyUsageError) throw new UsageError(error.message);
    throw error;
  }

  const reached = await probe(base.href, headers);
  if (!reached.ok) throw new UsageError(`cannot reach the provider at ${base.href}: ${reached.reason}`);
  let statesUrl: string | undefined;
  if (options.providerStatesUrl !== undefined) {
    const url = parseUrl('--provider-states-url', options.providerStatesUrl);
    const states = await probe(url.href, headers);
    if (!states.ok) throw new UsageError(`cannot reach the provider-state endpoint ${url.href}: ${states.reason}`);
    statesUrl = url.href;
  } else {
    const candidate = new URL(PROVIDER_STATES_PATH.slice(1), base.href.endsWith('/') ? base.href : `${base.href}/`).href;
    const states = await probe(candidate, headers);
    if (states.ok && states.status !== 404 && states.status !== 501) statesUrl = candidate;
  }
  if (!statesUrl) process.stderr.write(`faultline: no provider-state endpoint (${PROVIDER_STATES_PATH} does not answer and --provider-states-url is not given): interactions run without setting their provider states\n`);

  const report = await verifyProvider({ provider: options.provider, baseUrl: base.href.replace(/\/$/, ''), ...(statesUrl ? { providerStatesUrl: statesUrl } : {}), pacts: selected.files, headers });
  process.stdout.write(`\n${renderSummary(report)}`);
  const junit = resolve(options.junit);
  try {
    mkdirSync(dirname(junit), { recursive: true });
    writeFileSync(junit, renderJunit(report));
    process.stdout.write(`JUnit: ${displayPath(junit)}\n`);
  } catch (error) {
    throw new UsageError(`cannot write the JUnit report to ${options.junit}: ${(error as Error).message}`);
  }
  return report.passed ? EXIT.ok : EXIT.failed;
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

/** Whether anything answers HTTP at `url` (any status counts), within 5 s. */
async function probe(url: string, headers: Record<string, string>): Promise<{ ok: true; status: number } | { ok: false; reason: string }> {
  try {
    const res = await request(url, { method: 'GET', headers, signal: AbortSignal.timeout(5000) });
    await res.body.dump();
    return { ok: true, status: res.statusCode };
  } catch (error) {
    const e = error as { code?: string; name?: string; message?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code;
    if (code === 'ECONNREFUSED') return { ok: false, reason: 'connection refused (is the service running on that port?)' };
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { ok: false, reason: 'the host name does not resolve' };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'UND_ERR_CONNECT_TIMEOUT') return { ok: false, reason: 'no answer within 5 s' };
    return { ok: false, reason: e.message ?? String(error) };
  }
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
