import type { RunResult, ScenarioResult } from '../result.ts';
import { escapeHtml as h, formatClock, formatMs, formatObserved, formatRatio, notHolding, unsettledNote } from './format.ts';

/** `text` in backticks as code (reasons and findings are written for both Markdown and HTML); `text` is escaped already. */
const code = (escaped: string): string => escaped.replace(/`([^`]+)`/g, '<code>$1</code>');
import { lineChart, type ChartBand } from './svg-chart.ts';
import type { RenderContext } from './types.ts';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c'];

/** Charts to draw per scenario: series names (from the result's timeseries) grouped by chart. */
/**
 * `perMinute`: the series counts what happened since the previous sample; samples are further
 * apart while the world drains (5 min) than during the faults, so counts are charted as rates.
 */
const CHARTS: Array<{ title: string; yLabel: string; perMinute?: boolean; series: Array<[key: string, label: string]> }> = [
  { title: 'Orders per minute', yLabel: 'orders / min', perMinute: true, series: [['ordersSubmitted', 'submitted'], ['ordersAcknowledged', 'acknowledged'], ['ordersBooked', 'booked in ERP']] },
  { title: 'Order acknowledgement latency', yLabel: 'ms', series: [['orderAckP99Ms', 'p99'], ['orderAckP50Ms', 'p50']] },
  { title: 'Backlogs', yLabel: 'items', series: [['outboxBacklog', 'outbox backlog'], ['exceptionQueueDepth', 'exception queue']] },
  { title: 'Downstream trouble per minute', yLabel: 'per min', perMinute: true, series: [['retries', 'calls retried'], ['throttled429', '429 responses'], ['unavailable503', '503 responses']] },
  { title: 'Inventory accuracy', yLabel: 'share', series: [['inventoryAccuracy', 'channels see the truth']] },
];

/** The architect's report: verdict, invariants, SLOs, charts with fault windows, and replay commands. */
export function renderHtml(result: RunResult, ctx: RenderContext): string {
  const body = [
    `<header><h1>faultline resilience report</h1><p class="verdict ${result.verdict}">${verdictText(result.verdict)}</p>`,
    `<p>${result.scenarios.length} scenario(s) · faultline ${h(result.faultline.version)}${ctx.wallMs !== undefined ? ` · run took ${formatMs(ctx.wallMs)}` : ''}</p></header>`,
    overview(result),
    ...result.scenarios.map((s) => scenarioSection(s)),
    `<footer><p>Contracts: ${Object.entries(result.contracts)
      .map(([file, hash]) => `<code>${h(file)}</code> ${h(hash.slice(0, 19))}`)
      .join(' · ')}</p></footer>`,
  ];
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>faultline: ${h(result.verdict)}</title><style>${CSS}</style></head><body>${body.join('\n')}</body></html>\n`;
}

function verdictText(v: string): string {
  return v === 'pass' ? 'Release verdict: PASS: every invariant and SLO holds' : v === 'fail' ? 'Release verdict: FAIL: an invariant or SLO does not hold' : 'Release verdict: UNKNOWN: a checker could not decide';
}

function overview(result: RunResult): string {
  const rows = result.scenarios
    .map(
      (s) =>
        `<tr><td><a href="#${h(s.id)}">${h(s.id)}</a>${s.defects.length ? ` <small>(defect ${s.defects.map(h).join(', ')})</small>` : ''}</td><td class="${s.verdict}">${s.verdict}</td><td>${s.counts.ordersAcknowledged}</td><td>${formatMs(s.metrics.orderAckLatencyMs.p99)}</td><td>${formatMs(s.metrics.erpPostingLagMs.p99)}</td><td>${formatRatio(s.metrics.exceptionRate)}</td><td>${notHolding(s).map(h).join('<br>') || '–'}</td></tr>`,
    )
    .join('');
  return `<section><h2>Overview</h2><table><thead><tr><th>scenario</th><th>verdict</th><th>orders acknowledged</th><th>ack p99</th><th>ERP lag p99</th><th>exception rate</th><th>not holding</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** Counts per sampling interval as counts per minute (the first interval starts at 0). */
function perMinute(t: readonly number[], values: readonly number[]): number[] {
  return values.map((v, i) => {
    const span = t[i]! - (i === 0 ? 0 : t[i - 1]!);
    return span > 0 ? Math.round((v * 60_000 * 100) / span) / 100 : v;
  });
}

function scenarioSection(s: ScenarioResult): string {
  const bands: ChartBand[] = s.faults.map((f) => ({ fromMs: f.fromMs, toMs: f.toMs ?? s.virtualDurationMs, label: `${f.kind} on ${f.target}` }));
  const charts = CHARTS.map((c) => {
    const series = c.series
      .filter(([key]) => s.timeseries.series[key])
      .map(([key, label], i) => ({ name: label, values: c.perMinute ? perMinute(s.timeseries.t, s.timeseries.series[key]!) : s.timeseries.series[key]!, color: COLORS[i % COLORS.length]! }));
    return series.length === 0 ? '' : `<figure>${lineChart({ title: c.title, yLabel: c.yLabel, t: s.timeseries.t, tMaxMs: s.virtualDurationMs, series, bands })}</figure>`;
  }).join('');
  const invariants = s.invariants
    .map((i) => {
      const anomalies = i.anomalies
        .map(
          (a) =>
            `<li><b>${h(a.type)}</b>${a.at !== undefined ? ` at ${formatClock(a.at)}` : ''}: ${h(a.message)}${a.traceIds.length ? ` <small>trace ${a.traceIds.map(h).join(', ')}</small>` : ''}<ol class="excerpt">${a.excerpt
              .map((e) => `<li><code>${formatClock(e.at)}</code> ${h(e.actor)} <i>${h(e.type)}</i> ${h(e.what)}${e.detail ? `: ${h(e.detail)}` : ''}</li>`)
              .join('')}</ol></li>`,
        )
        .join('');
      const more = i.anomalyCount > i.anomalies.length ? `<p>… and ${i.anomalyCount - i.anomalies.length} more (result.json keeps the first ${i.anomalies.length}; the replay command with --violations all keeps every one)</p>` : '';
      return `<tr><td><code>${h(i.id)}</code></td><td class="${i.status}">${i.status}</td><td>${i.status === 'unknown' ? `<p class="reason">Could not decide: ${code(h(i.reason ?? i.summary))}</p><p class="found">What it saw: ${code(h(i.summary))}</p>` : `${code(h(i.summary))}${i.reason ? `<p class="reason">${code(h(i.reason))}</p>` : ''}`}${anomalies ? `<details><summary>${i.anomalyCount} anomal${i.anomalyCount === 1 ? 'y' : 'ies'}</summary><ul>${anomalies}</ul>${more}</details>` : ''}</td></tr>`;
    })
    .join('');
  const slos = s.slos
    .map((x) => `<tr><td><code>${h(x.expression)}</code></td><td class="${x.status}">${x.status}</td><td>${formatObserved(x.observed, x.unit)}</td><td>${h(x.detail ?? '')}</td></tr>`)
    .join('');
  const faults = s.faults
    .map((f) => `<tr><td><code>${h(f.id)}</code></td><td>${h(f.kind)}</td><td><code>${h(f.target)}</code></td><td>${formatClock(f.fromMs)} – ${f.toMs === null ? 'end' : formatClock(f.toMs)}</td><td>${f.fired}</td><td>${formatMs(f.recoveryMs)}</td></tr>`)
    .join('');
  const m = s.metrics;
  return `<section id="${h(s.id)}"><h2>${h(s.id)} <span class="${s.verdict}">${s.verdict}</span></h2>
${s.defects.length ? `<p class="defects">Run with the reference implementation's seeded defect${s.defects.length > 1 ? 's' : ''} ${s.defects.map((d) => `<code>${h(d)}</code>`).join(', ')} switched on: a failure here is the check catching it.</p>` : ''}
<p>${h(s.description)}</p>
${unsettledNote(s) ? `<p class="unsettled">${code(h(unsettledNote(s)!))}</p>` : ''}
<p class="replay">Replay: <code>${h(s.replay)}</code></p>
<table class="kv">${funnelRows(s.counts)}
<tr><td>ack latency p50 / p99 / max</td><td>${formatMs(m.orderAckLatencyMs.p50)} / ${formatMs(m.orderAckLatencyMs.p99)} / ${formatMs(m.orderAckLatencyMs.max)}</td></tr>
<tr><td>ERP posting lag p50 / p99</td><td>${formatMs(m.erpPostingLagMs.p50)} / ${formatMs(m.erpPostingLagMs.p99)}</td></tr>
<tr><td>invoice delay p50 / p99</td><td>${formatMs(m.invoiceDelayMs.p50)} / ${formatMs(m.invoiceDelayMs.p99)}</td></tr>
<tr><td>inventory accuracy · exception rate</td><td>${formatRatio(m.inventoryAccuracy)} · ${formatRatio(m.exceptionRate)}</td></tr>
<tr><td>retries · 429s · 503s · breaker opens</td><td>${m.technical.retries} · ${m.technical.throttled429} · ${m.technical.unavailable503} · ${m.technical.circuitOpens}</td></tr></table>
<h3>Invariants</h3><table><thead><tr><th>invariant</th><th>status</th><th>finding</th></tr></thead><tbody>${invariants}</tbody></table>
${slos ? `<h3>SLOs</h3><table><thead><tr><th>SLO</th><th>status</th><th>observed</th><th>detail</th></tr></thead><tbody>${slos}</tbody></table>` : ''}
${faults ? `<h3>Faults</h3><table><thead><tr><th>id</th><th>kind</th><th>target</th><th>window</th><th>fired</th><th>recovery</th></tr></thead><tbody>${faults}</tbody></table>` : ''}
<h3>Over time</h3><div class="charts">${charts}</div>
<details><summary>Settings derived from the seed</summary><table class="kv">${Object.entries(s.settings)
    .map(([k, v]) => `<tr><td>${h(k)}</td><td><code>${h(String(v))}</code></td></tr>`)
    .join('')}</table></details></section>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2937;padding:0 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #e5e7eb;padding-bottom:.3rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:.6rem 0;width:100%}th,td{border:1px solid #e5e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f9fafb}.kv td:first-child{color:#6b7280;width:40%}.pass{color:#15803d;font-weight:600}.fail{color:#b91c1c;font-weight:600}.unknown{color:#a16207;font-weight:600}
.verdict{font-size:1.2rem;padding:.5rem .8rem;border-radius:6px;display:inline-block}.verdict.pass{background:#dcfce7}.verdict.fail{background:#fee2e2}.verdict.unknown{background:#fef9c3}
code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}.replay code{user-select:all}.excerpt{font-size:.9em;color:#374151}
.charts{display:grid;grid-template-columns:1fr;gap:.5rem}svg{max-width:100%;height:auto}.chart-title{font-weight:600;font-size:13px}
.tick{font-size:11px;fill:#6b7280}.grid{stroke:#e5e7eb}.band{fill:#fde68a;opacity:.45}footer{margin-top:3rem;color:#6b7280;font-size:.85em}
.unsettled{background:#f9fafb;border-left:3px solid #d1d5db;padding:.3rem .6rem}.reason{margin:.2rem 0}.found{color:#6b7280;margin:.2rem 0}`;

/** The order funnel: how submitted orders split, then what became of the acknowledged ones. Older results lack the split. */
function funnelRows(c: ScenarioResult['counts']): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const split =
    c.ordersRefused !== undefined && c.ordersUnanswered !== undefined
      ? `<tr><td>orders submitted = acknowledged + refused at intake + left unanswered<br><small>unanswered: the storefront gave up, its retries ran out on 429s, 503s or timeouts</small></td><td>${n(c.ordersSubmitted)} = ${n(c.ordersAcknowledged)} + ${n(c.ordersRefused)} + ${n(c.ordersUnanswered)}</td></tr>`
      : `<tr><td>orders submitted / acknowledged</td><td>${n(c.ordersSubmitted)} / ${n(c.ordersAcknowledged)}</td></tr>` +
        (c.ordersUnanswered !== undefined ? `\n<tr><td>orders left unanswered (the storefront gave up: its retries ran out on 429s, 503s or timeouts)</td><td>${n(c.ordersUnanswered)}</td></tr>` : '');
  const later = c.ordersRejectedAfterAck !== undefined;
  return `${split}
<tr><td>of the acknowledged: booked in the ERP / shipped / invoiced / cancelled${later ? ' / rejected later' : ''}</td><td>${[c.ordersBooked, c.ordersShipped, c.ordersInvoiced, c.ordersCancelled, ...(later ? [c.ordersRejectedAfterAck!] : [])].map(n).join(' / ')}</td></tr>
<tr><td>orders turned down (refused at intake or rejected later)${c.rejectionsByReason ? ', by reason' : ''}</td><td>${n(c.ordersRejected)}${rejectionReasons(c.rejectionsByReason)}</td></tr>`;
}

function rejectionReasons(byReason: Record<string, number> | undefined): string {
  const entries = Object.entries(byReason ?? {});
  return entries.length ? `: ${entries.map(([reason, n]) => `${h(reason)} ${n}`).join(', ')}` : '';
}
