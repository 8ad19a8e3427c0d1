import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../runtime/files/duration.ts';
import { formatProblem, parseSource, pointerToPath, readSource } from '../../runtime/files/yaml-source.ts';

describe('durations', () => {
  it('parses the forms people write', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('-5m')).toBe(-300_000);
    expect(parseDuration('0')).toBe(0);
    for (const bad of ['', '5', 'm', '5 m', '1h-30m', '5mins', '--5m']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('formats back', () => {
    expect([5_400_000, 1500, -300_000, 250, 0].map(formatDuration)).toEqual(['1h30m', '1.5s', '-5m', '250ms', '0']);
  });
});

describe('YAML and JSON with source positions', () => {
  const text = 'faults:\n  - kind: latency\n    target: erp\n  - kind: timeout\n    nested: { a: [1, 2] }\n';
  const source = parseSource(text, 'p.yaml');

  it('locates values, keys, and the nearest node for a missing member', () => {
    expect(source.locate('/faults/1/kind')).toEqual({ line: 4, col: 11 });
    expect(source.locate('/faults/0/target', 'key')).toEqual({ line: 3, col: 5 });
    expect(source.locate('/faults/1/nested/a/1')).toEqual({ line: 5, col: 22 });
    expect(source.locate('/faults/1/missing')).toEqual({ line: 4, col: 5 });
    expect(source.locate('')).toEqual({ line: 1, col: 1 });
  });

  it('refuses an alias inside its own anchor and an alias bomb with a located problem; merge keys work', () => {
    const cyclic = parseSource('title: &a [*a]\n', 'cyc.yaml');
    expect(cyclic.problems).toEqual([expect.objectContaining({ line: 1, col: 12, message: expect.stringContaining('refers to a node that contains it') })]);
    const bomb = ['a0: &a0 [x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 11 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`)].join('\n');
    expect(parseSource(bomb, 'bomb.yaml').problems).toEqual([expect.objectContaining({ line: 2, message: expect.stringContaining('aliases expand to too many nodes') })]);
    expect(parseSource('a: 1\n---\nb: 2\n', 'two.yaml').problems[0]).toMatchObject({ line: 2, message: expect.stringContaining('a second document starts here') });
    expect(parseSource('a: &d { x: 1, y: 2 }\nb: { <<: *d, y: 3 }\n', 'merge.yaml').value).toEqual({ a: { x: 1, y: 2 }, b: { x: 1, y: 3 } });
  });

  it('formats problems as file:line:col: message', () => {
    expect(formatProblem(source.problem('/faults/0/target', 'bad target'))).toBe('p.yaml:3:13: bad target');
    expect(pointerToPath('/faults/2/delay/a~1b')).toBe('faults[2].delay["a/b"]');
  });

  it('reports a missing file as a located problem', () => {
    const missing = readSource('/nonexistent/plan.yaml');
    expect(missing.problems.map(formatProblem)).toEqual(['/nonexistent/plan.yaml:1:1: no such file']);
    const dir = mkdtempSync(join(tmpdir(), 'faultline-src-'));
    writeFileSync(join(dir, 'p.json'), '{"a": [1, {"b": 2}]}');
    expect(readSource(join(dir, 'p.json')).locate('/a/1/b')).toEqual({ line: 1, col: 17 });
  });
});
