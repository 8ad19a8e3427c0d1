import type { ScenarioResult } from '../result.ts';
/** Small formatting helpers shared by the renderers. */

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(2)} h`;
}

export function formatRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '–';
  return `${(r * 100).toFixed(r < 0.01 && r > 0 ? 3 : 2)}%`;
}

export function formatObserved(value: number | null, unit: 'ms' | 'ratio' | 'count'): string {
  if (value === null) return '–';
  return unit === 'ms' ? formatMs(value) : unit === 'ratio' ? formatRatio(value) : String(value);
}

/** Scenario time as h:mm:ss. */
export function formatClock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * What the reports say when the drain bound passed before the world settled: whether that left
 * checks undecided (the layer still had work in hand) or only parcels with a carrier (every check
 * stands). Undefined when the world settled.
 */
export function unsettledNote(s: ScenarioResult): string | undefined {
  if (s.settings.still_moving_at_end === undefined) return undefined;
  const layerBusy = s.invariants.some((i) => i.status === 'unknown' && /had not settled/.test(i.reason ?? ''));
  return `The drain bound passed before the world settled: ${String(s.settings.still_moving_at_end)}. ${
    layerBusy ? 'The layer still had work in hand, so the checks that judge where the world ended could not decide.' : 'The layer itself had settled; what was still moving does not change any check.'
  }`;
}

/** What a scenario's checks say against it: failed and undecided invariants, failed SLOs. */
export function notHolding(s: ScenarioResult): string[] {
  const failed = s.invariants.filter((i) => i.status === 'fail').map((i) => i.id);
  const unknown = s.invariants.filter((i) => i.status === 'unknown').map((i) => i.id);
  const slos = s.slos.filter((x) => x.status !== 'pass').map((x) => `${x.expression} (${x.status})`);
  return [...(failed.length ? [`fail: ${failed.join(', ')}`] : []), ...(unknown.length ? [`unknown: ${unknown.join(', ')}`] : []), ...(slos.length ? [`SLO ${slos.join(', ')}`] : [])];
}

export const STATUS_MARK = { pass: '✅ pass', fail: '❌ fail', unknown: '❔ unknown' } as const;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export const escapeHtml = escapeXml;

/** Markdown table cell: no pipes or newlines. */
export function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
