import { escapeXml, formatClock } from './format.ts';

export interface ChartSeries {
  name: string;
  values: number[];
  color: string;
}

export interface ChartBand {
  fromMs: number;
  toMs: number;
  label: string;
}

export interface LineChartOptions {
  title: string;
  /** Sample times, ms since scenario start. */
  t: number[];
  series: ChartSeries[];
  /** Fault windows, shaded behind the lines. */
  bands?: ChartBand[];
  yLabel?: string;
  /** End of the x axis, ms (default: the last sample). */
  tMaxMs?: number;
  width?: number;
  height?: number;
}

const r = (x: number) => Math.round(x * 10) / 10;

/** A self-contained SVG line chart: no scripts, deterministic output. */
export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 220;
  const pad = { left: 56, right: 12, top: 28, bottom: 34 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const tMax = Math.max(1, o.tMaxMs ?? o.t.at(-1) ?? 1);
  const yMaxRaw = Math.max(0, ...o.series.flatMap((s) => s.values.filter(Number.isFinite)));
  const yMax = niceCeil(yMaxRaw);
  const x = (t: number) => pad.left + (t / tMax) * plotW;
  const y = (v: number) => pad.top + plotH - (yMax === 0 ? 0 : (v / yMax) * plotH);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(o.title)}">`);
  parts.push(`<text x="${pad.left}" y="16" class="chart-title">${escapeXml(o.title)}</text>`);
  for (const b of o.bands ?? []) {
    const x1 = x(Math.max(0, b.fromMs));
    const x2 = x(Math.min(tMax, b.toMs));
    if (x2 <= x1) continue;
    parts.push(`<rect x="${r(x1)}" y="${pad.top}" width="${r(x2 - x1)}" height="${plotH}" class="band"><title>${escapeXml(b.label)}</title></rect>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${r(y(v))}" y2="${r(y(v))}" class="grid"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${r(y(v) + 4)}" text-anchor="end" class="tick">${formatTick(v)}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const t = (tMax * i) / 4;
    parts.push(`<text x="${r(x(t))}" y="${height - 14}" text-anchor="middle" class="tick">${formatClock(t)}</text>`);
  }
  // Simulated time, not wall time: a reader comparing with a CI log's timestamps should not have to guess.
  parts.push(`<text x="${r(pad.left + plotW / 2)}" y="${height - 1}" text-anchor="middle" class="tick">simulated time since the scenario started (h:mm:ss)</text>`);
  if (o.yLabel) parts.push(`<text x="12" y="${r(pad.top + plotH / 2)}" transform="rotate(-90 12 ${r(pad.top + plotH / 2)})" text-anchor="middle" class="tick">${escapeXml(o.yLabel)}</text>`);
  o.series.forEach((s, i) => {
    const points = s.values.map((v, k) => (Number.isFinite(v) ? `${r(x(o.t[k] ?? 0))},${r(y(v))}` : '')).filter(Boolean);
    if (points.length > 0) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${points.join(' ')}"><title>${escapeXml(s.name)}</title></polyline>`);
    parts.push(`<rect x="${pad.left + 150 * i + 160}" y="8" width="10" height="10" fill="${s.color}"/><text x="${pad.left + 150 * i + 174}" y="17" class="tick">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function formatTick(v: number): string {
  if (v >= 1_000_000) return `${(v / 1_000_000).toFixed(1)}M`;
  if (v >= 10_000) return `${(v / 1000).toFixed(0)}k`;
  // Two decimals at most, never rounded to a different tick (0.25 is not 0.3).
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(2)));
}
