// contracts/pacts/ holds exactly what the consumer tests write: a pact file whose consumer test
// is gone (or renamed) would otherwise stay committed and keep being verified and shipped.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../cli/helpers.ts';
import { LAYER, pactFileName, PACTS_DIR } from '../support/pact.ts';

const CONSUMER_TESTS = join(ROOT, 'test', 'pact', 'consumer');

describe('contracts/pacts', () => {
  it('holds one pact file per consumerPact(…) of the consumer tests, and nothing else', () => {
    const written = readdirSync(CONSUMER_TESTS)
      .filter((f) => f.endsWith('.test.ts'))
      .flatMap((f) => [...readFileSync(join(CONSUMER_TESTS, f), 'utf8').matchAll(/consumerPact\((LAYER|'[^']+'), '([^']+)'\)/g)])
      .map((m) => pactFileName(m[1] === 'LAYER' ? LAYER : m[1]!.slice(1, -1), m[2]!))
      .sort();
    expect(written.length).toBeGreaterThan(0);
    expect(readdirSync(PACTS_DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(written);
  });
});
