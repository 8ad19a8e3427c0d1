import type { RunResult, ScenarioResult } from '../result.ts';
import { cell, formatClock, formatMs, formatObserved, formatRatio, STATUS_MARK, unsettledNote } from './format.ts';
import type { RenderContext } from './types.ts';

/** summary.md: short enough for a CI step summary; the verdict first, then what failed and how to replay it. */
export function renderMarkdown(result: RunResult, ctx: RenderContext): string {
  const lines: string[] = [];
  const failing = result.scenarios.filter((s) => s.verdict !== 'pass');
  lines.push(`# faultline: ${STATUS_MARK[result.verdict]}`, '');
  lines.push(
    `${result.scenarios.length} scenario(s), ${failing.length} not passing · faultline ${result.faultline.version}` +
      (ctx.wallMs !== undefined ? ` · ${formatMs(ctx.wallMs)} wall time` : ''),
    '',
  );
  // submitted = acked + refused + unanswered: each order lands in exactly one of the three.
  lines.push('| scenario | verdict | orders | acked | refused | unanswered | ack p99 | ERP lag p99 | invariants | SLOs | wall |', '|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of result.scenarios) {
    const inv = s.invariants.filter((i) => i.status === 'pass').length;
    const slo = s.slos.filter((i) => i.status === 'pass').length;
    lines.push(
      `| ${cell(s.id)}${s.defects.length ? ` (defect ${cell(s.defects.join(', '))})` : ''} | ${STATUS_MARK[s.verdict]} | ${s.counts.ordersSubmitted} | ${s.counts.ordersAcknowledged} | ${s.counts.ordersRefused ?? '–'} | ${s.counts.ordersUnanswered ?? '–'} | ${formatMs(s.metrics.orderAckLatencyMs.p99)} | ${formatMs(s.metrics.erpPostingLagMs.p99)} | ${inv}/${s.invariants.length} | ${slo}/${s.slos.length} | ${formatMs(ctx.scenarioWallMs?.[s.id])} |`,
    );
  }
  lines.push('');
  for (const s of failing) lines.push(...scenarioDetail(s));
  return lines.join('\n') + '\n';
}

/** What became of the orders, in one line. */
function funnelLine(c: ScenarioResult['counts']): string {
  const later = c.ordersRejectedAfterAck !== undefined ? `, ${c.ordersRejectedAfterAck} rejected later` : '';
  return `Orders: ${c.ordersSubmitted} submitted, ${c.ordersAcknowledged} acknowledged (${c.ordersBooked} booked in the ERP, ${c.ordersShipped} shipped, ${c.ordersInvoiced} invoiced, ${c.ordersCancelled} cancelled${later})${c.ordersRefused !== undefined ? `, ${c.ordersRefused} refused at intake` : ''}${c.ordersUnanswered !== undefined ? `, ${c.ordersUnanswered} unanswered` : ''}.`;
}

/** Anomalies per invariant, and history entries per anomaly, that fit a CI step summary. */
const SHOWN = 5;
const EXCERPT = 6;

function scenarioDetail(s: ScenarioResult): string[] {
  const out: string[] = [`## ${s.id}: ${STATUS_MARK[s.verdict]}`, ''];
  if (s.defects.length) out.push(`Seeded defect switched on: ${s.defects.map((d) => `\`${d}\``).join(', ')}.`, '');
  const unsettled = unsettledNote(s);
  if (unsettled) out.push(unsettled, '');
  out.push(`Replay: \`${s.replay}\``, '');
  out.push(funnelLine(s.counts), '');
  for (const inv of s.invariants.filter((i) => i.status !== 'pass')) {
    out.push(`### ${inv.id}: ${STATUS_MARK[inv.status]}`, '');
    if (inv.status === 'unknown') out.push(`Could not decide: ${inv.reason ?? inv.summary}`, '', `What it saw: ${inv.summary}`, '');
    else out.push(inv.summary, '', ...(inv.reason ? [inv.reason, ''] : []));
    for (const a of inv.anomalies.slice(0, SHOWN)) {
      out.push(`- **${a.type}**${a.at !== undefined ? ` at ${formatClock(a.at)}` : ''}: ${a.message}${a.traceIds.length ? ` (trace ${a.traceIds.slice(0, 2).join(', ')})` : ''}`);
      // The latest entries: an excerpt ends with the operation that broke the invariant.
      const skipped = Math.max(0, a.excerpt.length - EXCERPT);
      if (skipped > 0) out.push(`  - … ${skipped} earlier entr${skipped === 1 ? 'y' : 'ies'}`);
      for (const e of a.excerpt.slice(skipped)) out.push(`  - \`${formatClock(e.at)}\` ${e.actor} ${e.type} ${e.what}${e.detail ? `: ${e.detail}` : ''}`);
    }
    if (inv.anomalyCount > SHOWN) {
      const kept = inv.anomalies.length === inv.anomalyCount ? 'result.json lists every one' : `result.json keeps the first ${inv.anomalies.length}; the replay command with --violations all keeps every one`;
      out.push(`- … and ${inv.anomalyCount - SHOWN} more (${kept})`);
    }
    out.push('');
  }
  const slos = s.slos.filter((x) => x.status !== 'pass');
  if (slos.length > 0) {
    out.push(`### SLOs not holding (${slos.length} of ${s.slos.length})`, '', '| SLO | observed | status |', '|---|---|---|');
    for (const x of slos) out.push(`| \`${cell(x.expression)}\` | ${formatObserved(x.observed, x.unit)} | ${STATUS_MARK[x.status]} |`);
    out.push('');
  }
  out.push(`Exception rate ${formatRatio(s.metrics.exceptionRate)} · retries ${s.metrics.technical.retries} · 429s ${s.metrics.technical.throttled429} · breaker opens ${s.metrics.technical.circuitOpens}`, '');
  return out;
}
