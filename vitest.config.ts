import { configDefaults, defineConfig } from 'vitest/config';

// Three projects, run by `npm test` in two steps: the Pact consumer tests first (they write the
// pact files in contracts/pacts/), then everything else, provider verification included.
const PACT_ENV = { PACT_DO_NOT_TRACK: 'true' };

export default defineConfig({
  test: {
    // `include` lives in each project (a root `include` would be merged into every project).
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/pact/**'], env: PACT_ENV },
      },
      {
        extends: true,
        // retry: the Pact mock server records a matched request asynchronously and can report it
        // "expected but not received" under CPU load (pact-foundation/pact-core-mock-server#13).
        test: { name: 'pact-consumer', include: ['test/pact/consumer/**/*.test.ts'], env: PACT_ENV, retry: 2 },
      },
      {
        extends: true,
        test: { name: 'pact-provider', include: ['test/pact/provider/**/*.test.ts'], env: PACT_ENV },
      },
    ],
  },
});
