// The integration layer's commerce API verified against the storefront pacts, over real HTTP,
// with its provider states set through /_faultline/provider-states next to the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSummary, selectPacts, verifyProvider } from '../../../harness/contract-testing/verify.ts';
import { PACTS_DIR } from '../support/pact.ts';
import { serveLayer, type ServedLayer } from '../support/served-layer.ts';

let served: ServedLayer;
beforeAll(async () => {
  served = await serveLayer();
});
afterAll(async () => {
  await served?.close();
});

describe('the commerce API honours the storefront pacts', () => {
  it('integration-layer verifies against every pact that names it', async () => {
    const pacts = selectPacts('integration-layer', PACTS_DIR);
    expect(pacts.pacts.map((p) => p.consumer)).toContain('storefront');
    const report = await verifyProvider({ provider: 'integration-layer', baseUrl: served.url, providerStatesUrl: served.statesUrl, pacts: pacts.files });
    expect(report.interactions.length).toBeGreaterThanOrEqual(7);
    expect(report.passed, renderSummary(report)).toBe(true);
  });
});
