// Consumer-side Pact plumbing shared by test/pact/consumer/*: one PactV4 per consumer → provider
// pair, written first to a private temporary directory and published to contracts/pacts/ only
// when every test of the file ran and passed. So a committed pact file is always the complete
// output of one consumer test file (never a merge with a stale copy, never half a file after a
// failure or a `-t` filter), and the same tests always write the same bytes.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import type { V4ResponseBuilder } from '@pact-foundation/pact/src/v4/http/types.js';
import { afterAll } from 'vitest';
import { UndiciTransport } from '../../../runtime/transport/undici.ts';
import { ROOT } from '../../cli/helpers.ts';

export const PACTS_DIR = join(ROOT, 'contracts', 'pacts');
export const LAYER = 'integration-layer';

export { MatchersV3 };
const { regex } = MatchersV3;

/** What a pact file's name is: `<consumer>-<provider>.json`. */
export const pactFileName = (consumer: string, provider: string): string => `${consumer}-${provider}.json`;

interface SuiteTask {
  mode: string;
  result?: { state?: string };
  tasks?: SuiteTask[];
}

const leaves = (task: SuiteTask): SuiteTask[] => (task.tasks ? task.tasks.flatMap(leaves) : [task]);

/**
 * The pact of one consumer → provider pair for the calling test file. Register it at the top of
 * the file (it adds an `afterAll` that publishes the file when the whole file passed).
 */
export function consumerPact(consumer: string, provider: string): PactV4 {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-pact-'));
  const pact = new PactV4({ consumer, provider, dir, logLevel: 'error' });
  // Vitest wants the context destructured; the suite (second argument) says how every test ended.
  // eslint-disable-next-line no-empty-pattern
  afterAll(({}, suite) => {
    const file = join(dir, pactFileName(consumer, provider));
    const tests = leaves(suite as unknown as SuiteTask);
    const complete = tests.length > 0 && tests.every((t) => t.mode === 'run' && t.result?.state === 'pass');
    if (complete && existsSync(file)) {
      mkdirSync(PACTS_DIR, { recursive: true });
      copyFileSync(file, join(PACTS_DIR, pactFileName(consumer, provider)));
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return pact;
}

/** A transport whose `target` is the Pact mock server: the layer's own clients talk to it. */
export function mockServerTransport(target: string, url: string): UndiciTransport {
  return new UndiciTransport({ targets: { [target]: url }, connections: 2 });
}

/**
 * Runs `fn` with a transport to the mock server and closes it afterwards. It then gives the mock
 * server a moment: it books a matched request after answering it, and Pact reads the books as
 * soon as this returns (pact-foundation/pact-core-mock-server#13; the project also retries).
 */
export async function withTransport<T>(target: string, url: string, fn: (transport: UndiciTransport) => Promise<T>): Promise<T> {
  const transport = mockServerTransport(target, url);
  try {
    return await fn(transport);
  } finally {
    await transport.close();
    await delay(25);
  }
}

// ---------------------------------------------------------------------------------------------
// Matchers for the landscape's conventions (docs/landscape.md)
// ---------------------------------------------------------------------------------------------

export const TRACEPARENT_EXAMPLE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
/** The W3C `traceparent` every call of the layer carries. */
export const traceparent = () => regex('^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$', TRACEPARENT_EXAMPLE);
/** A decimal-string money amount (`"1234.50"`). */
export const amount = (example: string) => regex('^-?(0|[1-9][0-9]{0,14})(\\.[0-9]{1,4})?$', example);
/** Money with any amount in `currency`. */
export const money = (example: string, currency = 'EUR') => ({ amount: amount(example), currency });
/** An RFC 3339 timestamp. */
export const timestamp = (example: string) => regex('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$', example);
/** A calendar date. */
export const date = (example: string) => regex('^\\d{4}-\\d{2}-\\d{2}$', example);
/** `Retry-After` in seconds. */
export const retryAfterSeconds = (example = '120') => regex('^[0-9]+$', example);
/** `Retry-After` as an HTTP-date (IMF-fixdate). */
export const retryAfterHttpDate = (example = 'Mon, 05 Jan 2026 08:02:00 GMT') => regex('^[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$', example);
/** A UUID. */
export const uuid = (example: string) => regex('^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', example);

/** A problem+json body: status exact, the rest by type. */
export function problemBody(status: number, example: { type: string; title: string; detail: string; instance: string }, extra: Record<string, unknown> = {}) {
  const { like } = MatchersV3;
  return { type: like(example.type), title: like(example.title), status, detail: like(example.detail), instance: like(example.instance), ...extra };
}

/**
 * Sets a problem+json response body with matchers. Pact JS's `jsonBody` always declares the body
 * `application/json` (whatever Content-Type says), which contradicts the contracts' problem+json
 * and the Pact ⇄ OpenAPI check; the builder's interaction takes any JSON content type (Pact JS
 * 16.5: `ResponseBuilder.interaction.withResponseBody(json, contentType)`, matchers included).
 */
export function problemJson(builder: V4ResponseBuilder, headers: Record<string, unknown>, body: unknown): V4ResponseBuilder {
  builder.headers({ 'Content-Type': 'application/problem+json', ...headers } as never);
  const inner = (builder as unknown as { interaction?: { withResponseBody(body: string, contentType: string): void } }).interaction;
  if (!inner) throw new Error('this Pact JS has no ResponseBuilder.interaction: see test/pact/support/pact.ts problemJson');
  inner.withResponseBody(JSON.stringify(body), 'application/problem+json');
  return builder;
}
