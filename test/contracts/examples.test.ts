// Every example in every contract validates against its schema (ajv 2020 + formats); and the
// checker does fail, with the file position, on a contract whose example is wrong.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readEventSchemas } from '../../contracts/tools/event-schemas.ts';
import { checkExamples, exampleProblems, loadExampleSources, type ExampleCheck } from '../../contracts/tools/examples.ts';
import { layoutFor, listEventSchemaSources, listOpenApiSources } from '../../contracts/tools/layout.ts';
import { formatProblem } from '../../contracts/tools/problems.ts';

const layout = layoutFor();
const openapi = listOpenApiSources(layout);
const checks = checkExamples(layout, await loadExampleSources(layout, openapi, readEventSchemas(layout)));
const contracts = [...new Set(checks.map((c) => c.example.contract))].sort();

describe('contract examples', () => {
  it('covers every OpenAPI contract and every event schema', () => {
    expect(contracts).toEqual([...openapi.map((s) => s.name), 'events'].sort());
    const eventTypes = new Set(checks.filter((c) => c.example.contract === 'events').map((c) => c.example.operation));
    expect([...eventTypes].sort()).toEqual(listEventSchemaSources(layout).map((s) => s.type));
  });

  describe.each(contracts)('%s', (contract) => {
    const own = checks.filter((c) => c.example.contract === contract);
    it.each(own.map((c) => [c.title, c] as const))('%s', (_, c: ExampleCheck) => {
      expect(c.errors, `${c.file}:${c.position.line}:${c.position.col}`).toEqual([]);
    });
  });
});

describe('the example checker', () => {
  const fixture = layoutFor(fileURLToPath(new URL('./fixtures/bad-example/', import.meta.url)));

  it('fails the one wrong example of a fixture contract, naming it and where it is', async () => {
    const results = checkExamples(fixture, await loadExampleSources(fixture, listOpenApiSources(fixture), readEventSchemas(fixture)));
    const failed = results.filter((r) => r.errors.length > 0);
    expect(results.length).toBeGreaterThan(failed.length); // the valid examples around it pass

    expect(failed.map((f) => f.title).sort()).toEqual(['events thing.happened examples[1]', 'shop getItem 200 application/json "seal"']);
    const seal = failed.find((f) => f.example.contract === 'shop')!;
    expect(seal.errors).toEqual(['/stock/value must be >= 0', '/stock/uom must be equal to one of the allowed values: ["EA","CS","PAL","KG","M"]']);
    // line 36 holds the seal example; the position is that of the first offending value
    expect(seal.position.line).toBe(36);

    const lines = exampleProblems(failed).map(formatProblem);
    expect(lines).toContainEqual(expect.stringMatching(/^contracts\/openapi\/shop\.yaml:36:\d+: example shop getItem 200 application\/json "seal" does not match .* \(example-valid\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^contracts\/events\/schemas\/thing\.happened\.json:\d+:\d+: example events thing\.happened examples\[1\] .*\/time must match format "date-time" \(example-valid\)$/));
  });
});
