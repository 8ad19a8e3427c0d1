// Provider verification of every simulator against the pacts that name it, over real HTTP: each
// simulator runs as `faultline sim <system>` would for a user, and the Pact verifier sets each
// interaction's provider states through the simulator's own /_faultline/provider-states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_STATES_PATH } from '../../../harness/contract-testing/provider-states.ts';
import { renderSummary, selectPacts, verifyProvider } from '../../../harness/contract-testing/verify.ts';
import { PACTS_DIR } from '../support/pact.ts';
import { startSim, type RunningSim } from '../support/sim.ts';

/** The ERP facade wants a bearer token; the pacts leave credentials to the provider (README, For vendors). */
const HEADERS: Record<string, Record<string, string>> = { erp: { Authorization: 'Bearer pact-verification' } };
const PROVIDERS = ['erp', 'wms', 'carrier-swift', 'carrier-pelican'] as const;
const sims = new Map<string, RunningSim>();

beforeAll(async () => {
  const started = await Promise.all(PROVIDERS.map((p) => startSim([p, '--port', '0', '--seed', '7'])));
  PROVIDERS.forEach((p, i) => sims.set(p, started[i]!));
}, 60_000);

afterAll(async () => {
  await Promise.all([...sims.values()].map((s) => s.stop()));
});

describe('every simulator honours the pacts that name it', () => {
  for (const provider of PROVIDERS) {
    it(`${provider}: faultline sim ${provider} verifies against ${selectPacts(provider, PACTS_DIR).files.map((f) => f.split('/').pop()).join(', ')}`, async () => {
      const sim = sims.get(provider)!;
      const report = await verifyProvider({ provider, baseUrl: sim.url, providerStatesUrl: sim.url + PROVIDER_STATES_PATH, pacts: selectPacts(provider, PACTS_DIR).files, ...(HEADERS[provider] ? { headers: HEADERS[provider] } : {}) });
      expect(report.interactions.length).toBeGreaterThan(0);
      expect(report.passed, renderSummary(report)).toBe(true);
    });
  }
});
