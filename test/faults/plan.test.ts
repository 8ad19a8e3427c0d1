import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, SIGNED_DURATION_PATTERN } from '../../runtime/files/duration.ts';
import { CHANNELS } from '../../simulators/faults/catalog.ts';
import { FAULT_KINDS } from '../../simulators/faults/kinds.ts';
import { FAULT_PLAN_SCHEMA, FaultPlanError, parseFaultPlan, type FaultPlanOptions } from '../../simulators/faults/plan.ts';
import { TARGET_PATTERN } from '../../simulators/faults/target.ts';

/** The problems of a plan, as printed. */
function problems(text: string, options: FaultPlanOptions = {}, file = 'plan.yaml'): string[] {
  try {
    parseFaultPlan(text, file, options);
  } catch (error) {
    if (error instanceof FaultPlanError) return error.message.split('\n');
    throw error;
  }
  return [];
}

/** A YAML plan from entries written one field per line. */
const plan = (...entries: string[]): string => `faults:\n${entries.map((e) => e.split('\n').map((line, i) => (i === 0 ? '  - ' : '    ') + line).join('\n')).join('\n')}\n`;

describe('a good plan', () => {
  it('compiles with defaults: ids, windows, probability, parameters in milliseconds', () => {
    const { faults } = parseFaultPlan(
      `faults:
  - kind: latency
    target: erp:bookSalesOrder
    distribution: lognormal
    median: 200ms
    sigma: 0.5
    from: 90s
    to: 1h30m
  - id: east-down
    kind: downtime
    target: wms@DC-EAST
    probability: 0.25
  - kind: delay-messages
    target: events:wms
    delay: { ms: 2s, jitter: 500 }
`,
      'plan.yaml',
    );
    expect(faults.map((f) => [f.id, f.fromMs, f.toMs, f.probability])).toEqual([
      ['latency-0', 90_000, 5_400_000, 1],
      ['east-down', 0, Infinity, 0.25],
      ['delay-messages-2', 0, Infinity, 1],
    ]);
    expect(faults[0]!.params).toEqual({ kind: 'latency', delay: { type: 'lognormal', medianMs: 200, sigma: 0.5, jitterMs: 0 } });
    expect(faults[1]!.params).toEqual({ kind: 'downtime', mode: 'unavailable', retryAfterMs: undefined, retryAfterFormat: 'seconds' });
    expect(faults[1]!.target).toEqual({ type: 'system', system: 'wms', instance: 'DC-EAST', text: 'wms@DC-EAST' });
    expect(faults[2]!.params).toEqual({ kind: 'delay-messages', delay: { type: 'fixed', ms: 2000, jitterMs: 500 } });
  });

  it('reads JSON the same way', () => {
    const { faults } = parseFaultPlan(JSON.stringify({ faults: [{ kind: 'throttle', target: 'carrier-pelican', rate: 10 }] }), 'plan.json');
    expect(faults[0]!.params).toEqual({ kind: 'throttle', rate: 10, burst: 10, retryAfterFormat: 'seconds' });
  });

  it('accepts every kind on a target where it means something', () => {
    const { faults } = parseFaultPlan(
      JSON.stringify({
        faults: [
          { kind: 'downtime', target: 'erp', mode: 'refused' },
          { kind: 'latency', target: 'carrier-swift:createShipment', distribution: 'uniform', min: 10, max: 20 },
          { kind: 'timeout', target: 'wms@DC-WEST:releaseFulfillmentOrder' },
          { kind: 'error-rate', target: 'layer', status: 503, probability: 0.1 },
          { kind: 'throttle', target: 'carrier-pelican', rate: 0.5, burst: 2, retryAfterFormat: 'http-date' },
          { kind: 'duplicate', target: 'events:carrier.tracking', copies: 3, spacing: '5s' },
          { kind: 'reorder', target: 'events:wms', window: '1m' },
          { kind: 'delay-messages', target: 'events:wms.shipment', delay: { distribution: 'uniform', min: '1s', max: '2s' } },
          { kind: 'lost-ack', target: 'erp:bookSalesOrder', mode: 'timeout' },
          { kind: 'malformed', target: 'carrier-swift', variant: 'schema-violation', field: '/trackingNumber' },
          { kind: 'schema-drift', target: 'events:carrier.tracking', renames: { status: 'state' }, adds: { version: 2 } },
          { kind: 'clock-skew', target: 'carrier-pelican', offset: '-5m' },
          { kind: 'crash', target: 'layer', from: '10m', downFor: '30s' },
          { kind: 'reset', target: 'erp', afterBytes: 10 },
          { kind: 'slow-body', target: 'erp', bytesPerSecond: 100 },
        ],
      }),
      'all.json',
    );
    expect(faults.map((f) => f.kind)).toEqual([...FAULT_KINDS]);
  });
});

describe('a bad plan: every problem, at file:line:col', () => {
  it('an unknown kind', () => {
    expect(problems(plan('kind: flood\ntarget: erp'))).toEqual([
      'plan.yaml:2:11: faults[0].kind: unknown fault kind "flood"; kinds: downtime, latency, timeout, error-rate, throttle, duplicate, reorder, delay-messages, lost-ack, malformed, schema-drift, clock-skew, crash, reset, slow-body',
    ]);
  });

  it('a bad window: unordered, or not a duration', () => {
    expect(problems(plan('kind: downtime\ntarget: erp\nfrom: 10m\nto: 5m', 'kind: downtime\ntarget: erp\nfrom: 10 minutes'))).toEqual([
      'plan.yaml:5:9: faults[0].to: the window must end after it starts (from 10m, to 5m)',
      'plan.yaml:8:11: faults[1].from: must be a duration such as 90s, 15m, 2h or 1h30m, got "10 minutes"',
    ]);
  });

  it('a probability outside [0, 1]', () => {
    expect(problems(plan('kind: error-rate\ntarget: erp\nprobability: 1.5'))).toEqual(['plan.yaml:4:18: faults[0].probability: a probability is between 0 and 1, got 1.5']);
  });

  it('an unknown system, operation, instance or channel', () => {
    expect(
      problems(
        plan(
          'kind: latency\ntarget: crm\nms: 5',
          'kind: latency\ntarget: erp:bookSalesOrders\nms: 5',
          'kind: latency\ntarget: erp@DC-EAST\nms: 5',
          'kind: duplicate\ntarget: events:shipment',
          'kind: latency\ntarget: ERP\nms: 5',
        ),
      ),
    ).toEqual([
      'plan.yaml:3:13: faults[0].target: unknown system "crm"; systems: layer, erp, wms, carrier-pelican, carrier-swift, or events:<channel> for bus messages',
      expect.stringMatching(/^plan\.yaml:6:13: faults\[1\]\.target: erp has no operation "bookSalesOrders" \(did you mean bookSalesOrder\?\); operations: bookSalesOrder, cancelSalesOrder, checkCredit, /),
      'plan.yaml:9:13: faults[2].target: only wms has instances (one per distribution center); "erp@DC-EAST" names none',
      'plan.yaml:12:13: faults[3].target: no bus channel is named shipment or lies below it; channels: wms.inventory, wms.shipment, wms.return, carrier.tracking, orders, inventory, shipments, invoices, returns, exceptions',
      'plan.yaml:14:13: faults[4].target: "ERP" is not a target such as erp, erp:bookSalesOrder, wms@DC-EAST, carrier-swift or events:wms.shipment',
    ]);
  });

  it('a kind on a target where it means nothing', () => {
    expect(
      problems(plan('kind: reorder\ntarget: erp\nwindow: 5s', 'kind: crash\ntarget: erp', 'kind: latency\ntarget: events:wms\nms: 5', 'kind: throttle\ntarget: events:carrier.tracking\nrate: 1')),
    ).toEqual([
      'plan.yaml:3:13: faults[0].target: reorder holds and shuffles bus messages: target a channel such as events:wms.shipment, not the system erp',
      'plan.yaml:6:13: faults[1].target: a crash restarts the integration layer: its target must be layer, not erp',
      'plan.yaml:8:13: faults[2].target: latency delays calls: target a system or one of its operations (erp, erp:bookSalesOrder, wms@DC-EAST), not the channel events:wms',
      'plan.yaml:11:13: faults[3].target: throttle answers 429 over a rate: target a system or one of its operations (erp, erp:bookSalesOrder, wms@DC-EAST), not the channel events:carrier.tracking',
    ]);
  });

  it('a kind the injector cannot carry out', () => {
    const text = plan('kind: reset\ntarget: erp', 'kind: reorder\ntarget: events:wms\nwindow: 5s');
    expect(problems(text, { mode: 'in-process' })).toEqual(['plan.yaml:2:11: faults[0].kind: reset needs a real socket: the in-process injector has none to break; use it with faultline proxy']);
    expect(problems(text, { mode: 'http' })).toEqual([
      'plan.yaml:5:13: faults[1].target: the proxy sees HTTP calls, not bus messages: events:wms needs the in-process injector (faultline run)',
    ]);
    expect(problems(plan('kind: latency\ntarget: wms:getStockSnapshot\nms: 1'), { mode: 'http', contract: 'erp' })).toEqual([
      'plan.yaml:3:13: faults[0].target: this proxy fronts the erp contract (system erp); wms:getStockSnapshot names another system',
    ]);
  });

  it('missing and unknown fields, wrong types, duplicate ids', () => {
    expect(
      problems(
        plan(
          'kind: latency\ntarget: erp\nmsec: 5',
          'kind: throttle\ntarget: erp\nrate: fast',
          'kind: error-rate\ntarget: erp\nstatus: 404\nid: x',
          'kind: timeout\ntarget: erp\nid: x',
          'target: erp',
        ),
      ),
    ).toEqual([
      'plan.yaml:2:5: faults[0]: missing required field "ms"',
      'plan.yaml:4:5: faults[0].msec: unknown field for a latency fault; its fields: kind, target, id, description, from, to, probability, distribution, ms, min, max, median, sigma, jitter',
      'plan.yaml:7:11: faults[1].rate: must be a number, got "fast"',
      'plan.yaml:10:13: faults[2].status: must be at least 500, got 404',
      'plan.yaml:14:9: faults[3].id: id "x" is already used by faults[2]',
      'plan.yaml:15:5: faults[4]: missing required field "kind"',
    ]);
  });

  it('YAML syntax errors and a plan that is not a mapping', () => {
    expect(problems('faults:\n  - kind: latency\n    kind: timeout\n')).toEqual(['plan.yaml:3:5: duplicate key: a YAML mapping cannot repeat a key']);
    // An unclosed [ is noticed at the end of the file; the problem points at the [ itself.
    expect(problems('faults: [\n')).toEqual([expect.stringMatching(/^plan\.yaml:1:9: invalid YAML: .*end with a \] \(the \[ here is never closed\)$/)]);
    // One bad indent: the first problem, not the parser's consequences of it.
    const indented = problems('faults:\n  - kind: latency\n    target: erp\n   ms: 5\n    from: 1m\n    to: 2m\n');
    expect(indented).toHaveLength(1);
    expect(indented[0]).toMatch(/^plan\.yaml:4:\d+: invalid YAML: .*\(\d+ more problems? after it, most likely caused by it: fix this one first\)$/);
    // In a JSON file, in JSON's words.
    expect(problems('{"faults": [{"kind": "latency"}\n', {}, 'plan.json')).toEqual(['plan.json:1:1: invalid JSON: object must end with a } (the { here is never closed)', 'plan.json:1:12: invalid JSON: array must end with a ] (the [ here is never closed)']);
    expect(problems('')).toEqual(['plan.yaml:1:1: a fault plan is a mapping with a "faults:" list, got null (an empty value)']);
    expect(problems('faults: []\nfault: []\n')).toEqual(['plan.yaml:2:1: fault: unknown field; a fault plan has only "faults:"']);
  });

  it('JSON files get positions too', () => {
    expect(problems('{\n  "faults": [\n    { "kind": "error-rate", "target": "erp", "probability": -1 }\n  ]\n}\n', {}, 'plan.json')).toEqual([
      'plan.json:3:61: faults[0].probability: a probability is between 0 and 1, got -1',
    ]);
  });
});

describe('one vocabulary', () => {
  const schema = FAULT_PLAN_SCHEMA as { $defs: { fault: { properties: { kind: { enum: string[] } }; $defs: Record<string, { pattern?: string }> } } };
  it('the schema, the TypeScript kinds and the patterns agree', () => {
    const fault = schema.$defs.fault;
    expect(fault.properties.kind.enum).toEqual([...FAULT_KINDS]);
    expect(fault.$defs.duration!.pattern).toBe(DURATION_PATTERN);
    expect(fault.$defs.millis!.pattern).toBe(DURATION_PATTERN);
    expect(fault.$defs.signedDuration!.pattern).toBe(SIGNED_DURATION_PATTERN);
    expect(fault.$defs.target!.pattern).toBe(TARGET_PATTERN);
  });

  it('the channels are the AsyncAPI document\'s', () => {
    const asyncapi = parse(readFileSync(new URL('../../contracts/events/asyncapi.yaml', import.meta.url), 'utf8')) as { channels: Record<string, { address: string }> };
    expect([...CHANNELS].sort()).toEqual(Object.values(asyncapi.channels).map((c) => c.address).sort());
  });
});
