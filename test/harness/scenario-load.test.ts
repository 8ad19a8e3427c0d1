import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSource } from '../../runtime/files/yaml-source.ts';
import { loadScenario, scenarioFromSource, ScenarioError } from '../../harness/scenario/load.ts';
import { faultline } from '../cli/helpers.ts';

const BAD = 'test/harness/fixtures/bad-scenario.yaml';

describe('scenario files', () => {
  it('reports every problem as file:line:col: message', () => {
    let error: ScenarioError | undefined;
    try {
      loadScenario(BAD);
    } catch (e) {
      error = e as ScenarioError;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const lines = error!.message.split('\n');
    expect(lines).toContain(`${BAD}:3:11: duration: "2 hours" is not a duration; write e.g. 90s, 15m, 2h, 1h30m`);
    expect(lines).toContain(`${BAD}:10:12: workload.profile: must be one of steady, ramp, peak-day, got "flat"`);
    expect(lines).toContain(`${BAD}:25:1: colour: unknown field`);
    expect(lines.some((l) => l.startsWith(`${BAD}:17:11: `) && l.includes('earthquake'))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${BAD}:21:18: `) && l.includes('1.5'))).toBe(true);
    expect(lines).toContain(`${BAD}:16:9: faults[0].to: the window must end after it starts (from 30m, to 10m)`);
    expect(lines).toContain(`${BAD}:24:5: slos[1]: unknown SLO metric "order_latency"; known: order_ack_p{50,90,95,99,max}[_ms], erp_posting_lag_p{…}[_ms], invoice_delay_p{…}[_ms], recovery_time, exception_rate, inventory_accuracy, retries, circuit_opens, lost_orders`);
  });

  it('checks what a schema cannot: shares, ranges, targets in the topology', () => {
    const source = parseSource(
      [
        'title: Semantic mistakes',
        'description: Valid shape, impossible meaning.',
        'duration: 1h',
        'topology:',
        '  distributionCenters: [{ code: DC-EAST, carrier: carrier-swift }]',
        '  channels: [{ name: b2b-web, share: 0.5 }]',
        'workload: { linesPerOrder: { min: 4, max: 2 } }',
        'faults:',
        '  - { kind: error-rate, target: wms@DC-NORTH, probability: 0.3 }',
        '  - { kind: throttle, target: carrier-pelican, rate: 5, burst: 5 }',
      ].join('\n'),
      'semantic.yaml',
    );
    expect(() => scenarioFromSource(source)).toThrow(ScenarioError);
    try {
      scenarioFromSource(source);
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toContain('semantic.yaml:6:13: topology.channels: shares must add up to 1, they add up to 0.5');
      expect(message).toContain('semantic.yaml:7:28: workload.linesPerOrder: min (4) is above max (2)');
      expect(message).toContain('semantic.yaml:9:33: faults[0].target: no distribution center DC-NORTH');
      expect(message).toContain('semantic.yaml:10:31: faults[1].target: no distribution center ships with carrier-pelican');
    }
  });

  it('reports a fault that is wrong on its own and the semantic problems of the others in one pass; refuses runaway or vacuous scenarios', () => {
    const problems = (text: string): string => {
      try {
        scenarioFromSource(parseSource(text, 's.yaml'));
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const base = ['title: Many problems', 'description: All reported at once.', 'duration: 1h', 'workload: { ordersPerSecond: 1 }'];
    const all = problems(
      [...base, 'faults:', '  - { id: a, kind: downtime, target: erp, from: 10m, to: 20m, probability: 1.5 }', '  - { id: b, kind: downtime, target: erp, from: 2h, to: 3h }', '  - { id: c, kind: downtime, target: wms@DC-NORTH, from: 5m, to: 6m }', 'slos:', '  - exception_rate < 150%'].join('\n'),
    );
    expect(all).toContain('s.yaml:6:');
    expect(all).toContain('faults[0].probability: a probability is between 0 and 1, got 1.5');
    expect(all).toContain('s.yaml:7:49: faults[1].from: starts after the workload ends (duration 1h)');
    expect(all).toContain('s.yaml:8:38: faults[2].target: no distribution center DC-NORTH');
    expect(all).toContain('s.yaml:10:5: slos[0]: exception_rate is a share between 0 and 100%');
    const runaway = problems(['title: Runaway', 'description: Too long and too fine.', 'duration: 1000000h', 'sampleEvery: 1ms', 'invariants: []', 'workload: { ordersPerSecond: 1 }'].join('\n'));
    expect(runaway).toContain('s.yaml:3:11: duration: at most 7d');
    expect(runaway).toContain('s.yaml:4:14: sampleEvery: at least 1s');
    expect(runaway).toContain('s.yaml:5:13: invariants: the scenario checks nothing');
    expect(problems([...base, 'invariants: []', 'slos: [order_ack_p99_ms < 300]'].join('\n'))).toBe('');
  });

  it('a value out of range says what it got, and a share written as a percentage says how to write it', () => {
    const source = parseSource(
      ['title: Shares', 'description: Percent, not fraction.', 'duration: 1h', 'topology:', '  distributionCenters: [{ code: DC-EAST, carrier: carrier-swift }]', '  channels: [{ name: b2b-web, share: 50 }, { name: edi-retail, share: 50 }]'].join('\n'),
      'shares.yaml',
    );
    expect(() => scenarioFromSource(source)).toThrow('shares.yaml:6:38: topology.channels[0].share: must be <= 1, got 50 (a share is a fraction: 0.5 for 50%)');
  });

  it('checks the systems and layer settings: unknown fields, types, ranges, distributions', () => {
    const source = parseSource(
      [
        'title: Settings mistakes',
        'description: Typos and wrong types in systems and layer.',
        'duration: 1h',
        'topology:',
        '  distributionCenters: [{ code: DC-EAST, carrier: carrier-swift }]',
        '  channels: [{ name: b2b-web, share: 1 }]',
        'systems:',
        '  wms:',
        '    damge: { ratePerHour: 6, maxUnits: 4 }',
        '    damage: { ratePerHour: "six", maxUnits: -4 }',
        '    replenishment: { reorderPoint: 40, quantity: 300, leadTime: 30m }',
        '  erp: { paymentDelay: { distribution: lognormal, median: 5 } }',
        'layer:',
        '  outboxIntervall: 5s',
        '  retry: { attempts: "lots" }',
      ].join('\n'),
      'settings.yaml',
    );
    let message = '';
    try {
      scenarioFromSource(source);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'settings.yaml:9:5: systems.wms.damge: unknown field',
      'settings.yaml:10:28: systems.wms.damage.ratePerHour: must be number, got "six"',
      'settings.yaml:10:45: systems.wms.damage.maxUnits: must be >= 1, got -4',
      'settings.yaml:11:65: systems.wms.replenishment.leadTime: must be a random duration in ms, such as { distribution: lognormal, median: 1800000, sigma: 0.3 } or { distribution: fixed, ms: 60000 }, got "30m"',
      'settings.yaml:12:24: systems.erp.paymentDelay: missing required field "sigma"',
      'settings.yaml:14:3: layer.outboxIntervall: unknown field',
      'settings.yaml:15:22: layer.retry.attempts: must be integer, got "lots"',
    ]);
  });

  it('notes a fault that outlasts the workload by more than the drain (legal, rarely meant), and stays quiet for one within it', () => {
    const yaml = (to: string) =>
      parseSource(['title: Long fault', 'description: A fault window typed in hours.', 'duration: 2h', 'drain: 6h', 'faults:', `  - { kind: downtime, target: erp, from: 30m, to: ${to} }`].join('\n'), 'long.yaml');
    expect(scenarioFromSource(yaml('30h')).notes).toEqual(['long.yaml:6:51: note: faults[0].to: ends 1d4h after the workload (duration 2h), longer than the drain (6h): the fault phase, with no new orders, lasts until then']);
    expect(scenarioFromSource(yaml('5h')).notes).toEqual([]);
  });

  it('fills defaults for a minimal scenario', () => {
    const s = scenarioFromSource(parseSource('title: Minimal\ndescription: The smallest valid scenario.\nduration: 1h\n', 'scenarios/minimal.yaml'));
    expect(s).toMatchObject({ id: 'minimal', seed: 1, durationMs: 3_600_000, drainMs: 21_600_000, sampleEveryMs: 30_000, faults: [], slos: [] });
    expect(s.invariants).toHaveLength(8);
    expect(s.topology.distributionCenters.map((d) => d.code)).toEqual(['DC-EAST', 'DC-WEST']);
  });

  it('faultline validate exits 2 on a bad file and 0 on good ones', async () => {
    const bad = await faultline(['validate', BAD]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${BAD}:3:11: duration`);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const missing = await faultline(['validate', 'scenarios/nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('scenarios/nope.yaml:1:1: ');
  });

  it('faultline validate checks a fault plan (a file with only `faults:`) as one, at file:line:col', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-validate-'));
    const good = join(dir, 'drift.yaml');
    writeFileSync(good, 'faults:\n  - kind: schema-drift\n    target: wms:releaseFulfillmentOrder\n    renames: { status: fulfillmentStatus }\n');
    const bad = join(dir, 'bad-plan.yaml');
    writeFileSync(bad, 'faults:\n  - kind: downtim\n    target: erp\n');
    const ok = await faultline(['validate', good]);
    expect([ok.code, ok.stdout]).toEqual([0, `ok  ${good}: fault plan (1 fault(s))\n`]);
    const r = await faultline(['validate', bad, good]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2:11: faults[0].kind: unknown fault kind "downtim"`);
    expect(r.stderr).toContain('1 of 2 file(s) invalid');
    // What validate takes for a plan, run skips (saying so) instead of refusing the directory.
    const only = await faultline(['run', dir, '--out', join(dir, 'out')]);
    expect(only.code).toBe(2);
    expect(only.stderr).toContain(`faultline: skipping ${good}: a fault plan (for sim or proxy --faults), not a scenario`);
    expect(only.stderr).toContain(`no scenario files (*.yaml, *.yml, *.json) in ${dir} (only fault plans: ${bad}, ${good})`);
  });
});
