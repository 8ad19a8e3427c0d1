import { Ajv2020 } from 'ajv/dist/2020.js';
import { dirname } from 'node:path';
import { readSource } from '../../../runtime/files/yaml-source.ts';
import { isReporterName, writeReports, type ReporterName } from '../../../reports/index.ts';
import { verdictOf, type RunResult } from '../../../reports/result.ts';
import { evaluateSlo, parseSlo } from '../../metrics/slo.ts';
import schema from '../../../reports/result.schema.json' with { type: 'json' };
import { EXIT, UsageError } from '../exit-codes.ts';
import { prepareOutDir } from '../options.ts';

/**
 * `faultline analyze RESULT`: re-renders a stored result.json (Markdown, JUnit, HTML) and exits
 * with its verdict, so a CI job can publish reports from a run made elsewhere. It checks the file
 * against the result schema and that each verdict follows from the outcomes it sums up. The
 * stored result holds outcomes and metrics, not the raw history: to re-check invariants, replay
 * the run with the command it records.
 */
export default async function analyze(file: string, flags: { out?: string; format: string }): Promise<number> {
  const formats = flags.format.split(',').map((f) => f.trim()).filter(Boolean);
  const bad = formats.filter((f) => !isReporterName(f) || f === 'json');
  if (bad.length > 0 || formats.length === 0) throw new UsageError(`--format ${flags.format}: expected a comma-separated list of md, junit, html`);
  const source = readSource(file);
  if (source.problems.length > 0) throw new UsageError(source.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`).join('\n'));
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  if (!validate(source.value)) {
    const lines = (validate.errors ?? []).slice(0, 10).map((e) => {
      const extra = e.keyword === 'additionalProperties' ? String((e.params as { additionalProperty: string }).additionalProperty) : undefined;
      const pointer = extra === undefined ? e.instancePath : `${e.instancePath}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const where = source.locate(pointer, extra === undefined ? 'value' : 'key');
      const message = extra === undefined ? (e.message ?? 'is invalid') : 'is not a member the schema allows here';
      return `${file}:${where.line}:${where.col}: ${pointer || 'the result'} ${message}`;
    });
    throw new UsageError(`${file} is not a faultline result (schema https://faultline.dev/schemas/result/v1):\n${lines.join('\n')}`);
  }
  const result = source.value as unknown as RunResult;
  const contradiction = verdictContradiction(result);
  if (contradiction) throw new UsageError(`${file}: ${contradiction}; the file was changed after the run, or written by something else`);
  const out = flags.out ?? dirname(file);
  await prepareOutDir(out, flags.out ? '--out' : 'the directory of the result');
  const written = await writeReports(result, formats as ReporterName[], out);
  for (const f of written.failed) process.stderr.write(`faultline: the ${f.reporter} report could not be written: ${f.error}\n`);
  for (const s of result.scenarios) {
    const failing = [...s.invariants.filter((i) => i.status !== 'pass').map((i) => `${i.id}=${i.status}`), ...s.slos.filter((x) => x.status !== 'pass').map((x) => `${x.expression}=${x.status}`)];
    process.stdout.write(`${s.verdict.toUpperCase()} ${s.id}${failing.length ? `: ${failing.join(', ')}\n  replay: ${s.replay}` : ''}\n`);
  }
  process.stdout.write(`${result.verdict.toUpperCase()} · reports: ${written.written.join(', ')}\n`);
  if (written.failed.length > 0) return EXIT.internal;
  return result.verdict === 'pass' ? EXIT.ok : result.verdict === 'fail' ? EXIT.failed : EXIT.unknown;
}

/** Where a stored verdict disagrees with the outcomes it sums up (the verdict a CI job exits with). */
function verdictContradiction(result: RunResult): string | undefined {
  for (const [i, s] of result.scenarios.entries()) {
    // An SLO's status follows from what was observed: re-evaluate it (an edited figure shows here).
    for (const [k, slo] of s.slos.entries()) {
      let expected: string;
      try {
        expected = evaluateSlo(parseSlo(slo.expression), slo.observed).status;
      } catch {
        return `scenarios[${i}].slos[${k}] (${s.id}) has the expression "${slo.expression}", which is not an SLO`;
      }
      if (expected !== slo.status) return `scenarios[${i}].slos[${k}] (${s.id}): "${slo.expression}" with ${slo.observed ?? 'nothing'} observed is ${expected}, but the file says ${slo.status}`;
    }
    const outcomes = [...s.invariants.map((x) => ({ what: `invariant ${x.id}`, status: x.status })), ...s.slos.map((x) => ({ what: `SLO ${x.expression}`, status: x.status }))];
    const expected = verdictOf(outcomes.map((o) => o.status));
    if (s.verdict !== expected) {
      const why = outcomes.filter((o) => o.status === expected).map((o) => `${o.what} ${o.status}`);
      return `scenarios[${i}] (${s.id}) has the verdict ${s.verdict}, but its outcomes make it ${expected}${why.length ? ` (${why.slice(0, 3).join(', ')}${why.length > 3 ? ', …' : ''})` : ''}`;
    }
  }
  const expected = verdictOf(result.scenarios.map((s) => s.verdict));
  return result.verdict === expected ? undefined : `the verdict is ${result.verdict}, but its scenarios make it ${expected}`;
}
