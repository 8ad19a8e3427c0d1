// The runtime contract helpers: generated documents, event schemas, and validators built from them.
import { describe, expect, it } from 'vitest';
import { openApiExamples } from '../../contracts/examples.ts';
import { cloudEventTypes, type CanonicalEvent, type CanonicalEventType } from '../../contracts/generated/events/index.ts';
import { contractValidator, eventValidator, listContracts, loadEventSchemas, loadOpenApi } from '../../contracts/load.ts';

describe('loadOpenApi / listContracts', () => {
  it('lists the generated contracts and loads each once', () => {
    const names = listContracts();
    expect(names).toContain('commerce');
    expect(names).toEqual([...names].sort());
    const doc = loadOpenApi('commerce');
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc['x-generated']).toContain('source: contracts/openapi/commerce.yaml');
    expect(loadOpenApi('commerce')).toBe(doc);
  });

  it('says how to fix an unknown contract name', () => {
    expect(() => loadOpenApi('nope')).toThrow(/no generated contract "nope".*known: .*commerce.*npm run contracts:gen/);
  });
});

describe('contractValidator', () => {
  it('accepts the examples of a generated contract and rejects a broken copy', () => {
    const doc = loadOpenApi('commerce');
    const request = [...openApiExamples('commerce', doc)].find((e) => e.location === 'request' && e.operation === 'createOrder');
    expect(request).toBeDefined();
    const validate = contractValidator('commerce', request!.schemaPointer);
    expect(validate(request!.value)).toBe(true);
    expect(validate({ ...(request!.value as object), unexpected: true })).toBe(false);
  });
});

describe('event schemas', () => {
  it('validates each schema example and rejects a wrong type or missing data', () => {
    const { byType } = loadEventSchemas();
    expect(byType.size).toBe(11);
    for (const [type, schema] of byType) {
      const validate = eventValidator(type);
      const example = (schema.examples as Record<string, unknown>[])[0]!;
      expect(validate(example), type).toBe(true);
      expect(validate({ ...example, type: 'dev.faultline.other.v1' }), type).toBe(false);
      const { data: _, ...noData } = example;
      expect(validate(noData), type).toBe(false);
    }
    expect(() => eventValidator('order.lost')).toThrow(/unknown event type "order.lost"/);
  });

  it('agrees with the generated index: one CloudEvents type per schema', () => {
    const { byType } = loadEventSchemas();
    expect(Object.keys(cloudEventTypes).sort()).toEqual([...byType.keys()]);
    for (const [type, schema] of byType) {
      const properties = schema.properties as { type: { const: string } };
      expect(cloudEventTypes[type as CanonicalEventType]).toBe(properties.type.const);
    }
  });

  it('types a published event by its `type` (compile-time check, run through tsc)', () => {
    const example = loadEventSchemas().byType.get('order.accepted')!.examples as CanonicalEvent[];
    const event = example[0]!;
    const lines = event.type === 'dev.faultline.order.accepted.v1' ? event.data.lines.length : 0;
    expect(lines).toBe(2);
  });
});
