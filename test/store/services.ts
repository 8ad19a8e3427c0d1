import { describe, it } from 'vitest';

/**
 * External services for integration tests (PostgreSQL, NATS): taken from an environment URL, or
 * started with testcontainers when a Docker engine answers, or else skipped with a one-line reason.
 * `FAULTLINE_REQUIRE_SERVICES=1` (CI) turns that skip into a failing test, so a CI run can never
 * pass with the integration tests silently left out.
 */

export type Service = { available: true; url: string; origin: string; stop(): Promise<void> } | { available: false; reason: string };

export interface ServiceSpec {
  /** Human name: `PostgreSQL`, `NATS`. */
  name: string;
  /** Environment variable holding the URL. */
  envVar: string;
  /** URL used when the variable is unset and no container can be started (may be undefined). */
  defaultUrl?: string;
  /** Resolves when something usable answers at `url`; rejects with the reason otherwise. */
  probe(url: string): Promise<void>;
  /** Starts a disposable instance in Docker; resolves to its URL and a stop function. */
  container(): Promise<{ url: string; stop(): Promise<void> }>;
}

export async function resolveService(spec: ServiceSpec): Promise<Service> {
  const configured = process.env[spec.envVar];
  if (configured) {
    try {
      await spec.probe(configured);
      return { available: true, url: configured, origin: spec.envVar, stop: async () => undefined };
    } catch (error) {
      return { available: false, reason: `${spec.envVar}=${redact(configured)} does not answer (${message(error)})` };
    }
  }
  if (spec.defaultUrl) {
    try {
      await spec.probe(spec.defaultUrl);
      return { available: true, url: spec.defaultUrl, origin: 'default URL', stop: async () => undefined };
    } catch {
      // fall through to Docker
    }
  }
  const docker = await dockerAnswers();
  if (!docker.ok) {
    const tried = spec.defaultUrl ? `, nothing answers at ${spec.defaultUrl}` : '';
    return { available: false, reason: `${spec.envVar} is unset${tried} and no Docker engine answers for testcontainers (${docker.reason})` };
  }
  try {
    const started = await spec.container();
    return { available: true, url: started.url, origin: 'testcontainers', stop: started.stop };
  } catch (error) {
    return { available: false, reason: `${spec.envVar} is unset and starting ${spec.name} with testcontainers failed (${message(error)})` };
  }
}

/**
 * Declares the suite when the service is there; otherwise one skipped test whose name carries the
 * reason, or, with FAULTLINE_REQUIRE_SERVICES=1, one failing test that says what is missing.
 */
export function describeWithService(title: string, service: Service, body: (url: string) => void): void {
  if (service.available) {
    describe(title, () => body(service.url));
    return;
  }
  if (process.env.FAULTLINE_REQUIRE_SERVICES === '1') {
    describe(title, () => {
      it('has its service (FAULTLINE_REQUIRE_SERVICES=1)', () => {
        throw new Error(`${title}: ${service.reason}`);
      });
    });
    return;
  }
  describe(title, () => {
    it.skip(`skipped: ${service.reason}`, () => undefined);
  });
  // The reporter only names skipped tests in verbose mode: say why once, on one line, anyway.
  console.warn(`${title}: skipped: ${service.reason}`);
}

async function dockerAnswers(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: message(error) };
  }
}

function message(error: unknown): string {
  const e = error as { message?: string; code?: string; errors?: unknown[] } | null;
  // Node's AggregateError (ECONNREFUSED on ::1 and 127.0.0.1) has an empty message.
  if (e && !e.message && e.code) return e.code;
  return (e?.message ?? String(error)).split('\n')[0]!;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
