import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORTERS, writeReports } from '../../reports/index.ts';
import { renderHtml } from '../../reports/render/html.ts';
import { renderJunit } from '../../reports/render/junit.ts';
import { renderMarkdown } from '../../reports/render/markdown.ts';
import { failingResult, passingResult } from './fixture.ts';

describe('reporters', () => {
  it('junit: one test case per scenario × invariant and per SLO; failures carry anomalies and the replay command; unknown is an error', () => {
    const xml = renderJunit(failingResult(), {});
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="faultline" tests="7" failures="1" errors="1">/);
    expect(xml.match(/<testcase /g)).toHaveLength(7);
    expect(xml).toContain('name="invariant no-lost-orders"><failure message="1 of 120 acknowledged orders lost &lt;&amp;&gt;" type="lost">');
    expect(xml).toContain('Replay: npx faultline run scenarios/duplicate-shipment-events.yaml --seed 7 --defect no-event-dedup');
    expect(xml).toContain('name="slo exception_rate &lt; 1%"><error message="exception_rate &lt; 1%: no orders" type="unknown">');
    expect(xml).toContain('<property name="seed" value="7"/>');
    // An undecided invariant's error says why, not its summary (which reads like a pass).
    const undecided = failingResult();
    undecided.scenarios[0]!.invariants[1] = { ...undecided.scenarios[0]!.invariants[1]!, status: 'unknown', summary: '590 acknowledged order(s): every one booked', reason: 'the layer had not settled when the drain bound (1m) passed; give the scenario a longer `drain`' };
    const xml2 = renderJunit(undecided, {});
    expect(xml2).toContain(`<error message="could not decide: the layer had not settled when the drain bound (1m) passed; give the scenario a longer \`drain\`" type="unknown">590 acknowledged order(s): every one booked`);
  });

  it('markdown: the verdict first, a table of scenarios, details and replay only for what did not pass', () => {
    const md = renderMarkdown(failingResult(), { wallMs: 4200, scenarioWallMs: { 'baseline-steady-state': 2100 } });
    expect(md.split('\n')[0]).toBe('# faultline: ❌ fail');
    expect(md).toContain('2 scenario(s), 1 not passing · faultline 0.1.0 · 4.20 s wall time');
    expect(md).toContain('| scenario | verdict | orders | acked | refused | unanswered | ack p99 |');
    expect(md).toContain('| baseline-steady-state | ✅ pass | 125 | 120 | – | – | 120 ms |'); // a result from before the split existed
    expect(md).toContain('## duplicate-shipment-events: ❌ fail');
    expect(md).toContain('### SLOs not holding (1 of 2)'); // says the passing ones are left out
    expect(md).not.toContain('## baseline-steady-state');
    expect(md).toContain('Replay: `npx faultline run scenarios/duplicate-shipment-events.yaml --seed 7 --defect no-event-dedup`');
    expect(md).toContain('- **lost** at 1:01:40: order 5f0c… was acknowledged but never booked (trace 4bf92f3577b34da6a3ce929d0e0e4736)');
  });

  it('markdown and html: long excerpts end with the violation, counts beyond the kept anomalies say where they are, defects and an unsettled drain are stated', () => {
    const r = failingResult();
    const s = r.scenarios[1]!;
    const inv = s.invariants[0]!;
    const anomaly = inv.anomalies[0]!;
    anomaly.excerpt = Array.from({ length: 9 }, (_, i) => ({ at: 1_000 * (i + 1), actor: 'channel', type: 'event', what: i === 8 ? 'out_for_delivery' : 'in_transit' }));
    inv.anomalies = Array.from({ length: 20 }, () => anomaly);
    inv.anomalyCount = 2616;
    s.settings.still_moving_at_end = '334 fulfillment order(s) still open at DC-EAST';
    s.counts.ordersUnanswered = 1479;
    s.invariants[1] = { ...s.invariants[1]!, status: 'unknown', reason: 'the layer had not settled when the drain bound (20m) passed' };
    const md = renderMarkdown(r, {});
    expect(md).toContain('  - … 3 earlier entries\n  - `0:00:04` channel event in_transit');
    expect(md).toContain('  - `0:00:09` channel event out_for_delivery');
    expect(md).toContain('- … and 2611 more (result.json keeps the first 20; the replay command with --violations all keeps every one)');
    expect(md).toContain('| duplicate-shipment-events (defect no-event-dedup) | ❌ fail | 125 | 120 | – | 1479 |');
    expect(md).toContain('Seeded defect switched on: `no-event-dedup`.');
    expect(md).toContain('The drain bound passed before the world settled: 334 fulfillment order(s) still open at DC-EAST. The layer still had work in hand, so the checks that judge where the world ended could not decide.');
    expect(md).toContain('Could not decide: the layer had not settled when the drain bound (20m) passed');
    const html = renderHtml(r, {});
    expect(html).toContain('… and 2596 more (result.json keeps the first 20; the replay command with --violations all keeps every one)');
    expect(html).toContain('<p class="unsettled">The drain bound passed before the world settled: 334 fulfillment order(s) still open at DC-EAST. The layer still had work in hand, so the checks that judge where the world ended could not decide.</p>');
    // An undecided invariant leads with why; what it saw comes second, so it cannot read like a pass.
    expect(html).toContain('<p class="reason">Could not decide: the layer had not settled when the drain bound (20m) passed</p><p class="found">What it saw: ');
    // The overview separates failed from undecided checks.
    expect(html).toMatch(/<td>fail: [a-z-]+(, [a-z-]+)*<br>unknown: [a-z-]+/);
    // Only parcels still with a carrier: every check stands, and the report says so.
    const carriersOnly = passingResult();
    carriersOnly.scenarios[0]!.settings.still_moving_at_end = '2 parcel(s) on their way with carrier-pelican';
    expect(renderHtml(carriersOnly, {})).toContain('2 parcel(s) on their way with carrier-pelican. The layer itself had settled; what was still moving does not change any check.</p>');
    // Backticks in a reason are code in HTML, not literal backticks.
    const withCode = failingResult();
    withCode.scenarios[0]!.invariants[1] = { ...withCode.scenarios[0]!.invariants[1]!, status: 'unknown', reason: 'give the scenario a longer `drain`' };
    expect(renderHtml(withCode, {})).toContain('give the scenario a longer <code>drain</code>');
    expect(html).toContain('seeded defect <code>no-event-dedup</code> switched on');
    expect(html).toContain('<tr><td>orders left unanswered (the storefront gave up: its retries ran out on 429s, 503s or timeouts)</td><td>1,479</td></tr>'); // a result from before the split existed
  });

  it('charts: counts per sampling interval are drawn per minute, and tick labels are not rounded to other values', () => {
    const r = passingResult();
    const s = r.scenarios[0]!;
    // 1-minute samples during the faults, 5-minute ones while draining: 10 per minute throughout.
    s.timeseries = { intervalMs: 60_000, t: [60_000, 120_000, 420_000], series: { ordersAcknowledged: [10, 10, 50], inventoryAccuracy: [1, 0.5, 1] } };
    const html = renderHtml(r, {});
    expect(html).toContain('aria-label="Orders per minute"');
    expect(html).toContain('>orders / min</text>');
    expect(html).toMatch(/points="[\d.]+,(\d+(\.\d+)?) [\d.]+,\1 [\d.]+,\1"><title>acknowledged/); // a flat line: 10, 10, 10 per minute
    expect(html).toContain('class="tick">0.25</text>');
    expect(html).toContain('class="tick">0.75</text>');
  });

  it('html: self-contained, with the verdict, charts with fault windows shaded, and escaped text', () => {
    const html = renderHtml(failingResult(), {});
    expect(html).toContain('Release verdict: FAIL');
    expect(html).not.toMatch(/<script|<link |src="http/);
    expect(html).toContain('<svg');
    expect(html).toContain('<rect x="'); // a fault band
    expect(html).toContain('>simulated time since the scenario started (h:mm:ss)</text>'); // the x axis is virtual time, not wall time
    expect(html).toContain('<title>downtime on erp</title>');
    expect(html).toContain('1 of 120 acknowledged orders lost &lt;&amp;&gt;');
    expect(html).toContain('<tr><td>orders turned down (refused at intake or rejected later), by reason</td><td>5: credit-refused 2, insufficient&lt;stock&gt; 3</td></tr>');
    expect(html).toContain('<tr><td>orders submitted / acknowledged</td><td>125 / 120</td></tr>'); // a result from before the split existed
    expect(renderHtml(passingResult(), {})).toContain('Release verdict: PASS');
  });

  it('html and markdown: submitted orders split into acknowledged, refused and unanswered, adding up; then what became of the acknowledged', () => {
    const r = failingResult();
    const s = r.scenarios.find((x) => x.verdict === 'fail')!;
    s.counts = { ...s.counts, ordersSubmitted: 7123, ordersAcknowledged: 4190, ordersRefused: 2930, ordersUnanswered: 3, ordersRejectedAfterAck: 17, ordersRejected: 2947, ordersCancelled: 12, ordersBooked: 4160, ordersShipped: 4100, ordersInvoiced: 4090 };
    const html = renderHtml(r, {});
    expect(html).toContain('<td>7,123 = 4,190 + 2,930 + 3</td>');
    expect(html).toContain('<tr><td>of the acknowledged: booked in the ERP / shipped / invoiced / cancelled / rejected later</td><td>4,160 / 4,100 / 4,090 / 12 / 17</td></tr>');
    const md = renderMarkdown(r, {});
    expect(md).toContain('| ❌ fail | 7123 | 4190 | 2930 | 3 |');
    expect(md).toContain('Orders: 7123 submitted, 4190 acknowledged (4160 booked in the ERP, 4100 shipped, 4090 invoiced, 12 cancelled, 17 rejected later), 2930 refused at intake, 3 unanswered.');
  });

  it('writes every requested report atomically, and is deterministic', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-reports-'));
    const outcome = await writeReports(passingResult(), ['json', 'md', 'junit', 'html'], dir);
    expect(outcome.failed).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.html', 'result.json', 'summary.md']);
    const json = await readFile(join(dir, 'result.json'), 'utf8');
    expect(JSON.parse(json)).toEqual(passingResult());
    expect(REPORTERS.json.render(passingResult())).toBe(json);
    expect(renderHtml(passingResult(), {})).toBe(renderHtml(passingResult(), {}));
  });
});
