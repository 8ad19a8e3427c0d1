// Every pact in contracts/pacts/ must be consistent with the provider's contract: what `npm test`
// and CI run. Passes with no pact files yet, but always says what it checked.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPactFile, checkPacts, formatProblem, listPactFiles, renderReport } from '../../contracts/tools/pact-openapi/index.ts';

const PACTS = join('contracts', 'pacts');
const files = listPactFiles(PACTS);

describe(`Pact ⇄ OpenAPI over ${PACTS}/`, () => {
  it(`checks every pact file (${files.length} found)`, () => {
    const report = checkPacts(files);
    process.stdout.write(`Pact ⇄ OpenAPI, ${PACTS}/:\n${renderReport(report)}`);
    expect(report.checked.map((c) => c.file)).toEqual(files);
    expect(report.problems.map(formatProblem)).toEqual([]);
  });

  for (const file of files) {
    it(`${file} asks only what its provider's contract promises`, () => {
      expect(checkPactFile(file).problems.map(formatProblem)).toEqual([]);
    });
  }
});
