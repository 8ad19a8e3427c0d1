import type { RunResult } from '../result.ts';
import { escapeXml, formatClock, formatObserved } from './format.ts';
import type { RenderContext } from './types.ts';

/** junit.xml: one test case per scenario × invariant and per SLO; unknown outcomes are errors. */
export function renderJunit(result: RunResult, ctx: RenderContext): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const s of result.scenarios) {
    const cases: string[] = [];
    let f = 0;
    let e = 0;
    const time = ctx.scenarioWallMs?.[s.id] !== undefined ? ` time="${(ctx.scenarioWallMs[s.id]! / 1000).toFixed(3)}"` : '';
    for (const inv of s.invariants) {
      let body = '';
      if (inv.status === 'fail') {
        f++;
        const details = inv.anomalies
          .map((a) => `${a.type}${a.at !== undefined ? ` at ${formatClock(a.at)}` : ''}: ${a.message}${a.traceIds.length ? ` [trace ${a.traceIds.join(', ')}]` : ''}`)
          .join('\n');
        body = `<failure message="${escapeXml(inv.summary)}" type="${escapeXml(inv.anomalyTypes.join(','))}">${escapeXml(`${details}\n\nReplay: ${s.replay}`)}</failure>`;
      } else if (inv.status === 'unknown') {
        e++;
        // The reason is what a CI dashboard must show: the summary alone reads like a pass.
        const message = `could not decide: ${inv.reason ?? inv.summary}`;
        const found = inv.anomalies.map((a) => `${a.type}${a.at !== undefined ? ` at ${formatClock(a.at)}` : ''}: ${a.message}`).join('\n');
        body = `<error message="${escapeXml(message)}" type="unknown">${escapeXml(`${inv.summary}${found ? `\n${found}` : ''}\n\nReplay: ${s.replay}`)}</error>`;
      }
      cases.push(`    <testcase classname="faultline.${escapeXml(s.id)}" name="invariant ${escapeXml(inv.id)}">${body}</testcase>`);
    }
    for (const slo of s.slos) {
      let body = '';
      const observed = formatObserved(slo.observed, slo.unit);
      if (slo.status === 'fail') {
        f++;
        body = `<failure message="${escapeXml(`${slo.expression}: observed ${observed}`)}" type="slo">${escapeXml(`Replay: ${s.replay}`)}</failure>`;
      } else if (slo.status === 'unknown') {
        e++;
        body = `<error message="${escapeXml(`${slo.expression}: ${slo.detail ?? 'not measurable'}`)}" type="unknown"></error>`;
      }
      cases.push(`    <testcase classname="faultline.${escapeXml(s.id)}" name="slo ${escapeXml(slo.expression)}">${body}</testcase>`);
    }
    tests += cases.length;
    failures += f;
    errors += e;
    suites.push(
      `  <testsuite name="${escapeXml(s.id)}" tests="${cases.length}" failures="${f}" errors="${e}"${time}>\n` +
        `    <properties>\n      <property name="seed" value="${s.seed}"/>\n      <property name="replay" value="${escapeXml(s.replay)}"/>\n    </properties>\n` +
        `${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="faultline" tests="${tests}" failures="${failures}" errors="${errors}">\n${suites.join('\n')}\n</testsuites>\n`;
}
