import { problem } from '../../runtime/http/problem.ts';
import type { HttpResponse, Random } from '../../runtime/ports.ts';
import type { Distribution, FaultParams } from './plan.ts';

/** What the faults do to values: delays drawn, bodies rewritten, problem answers built. Pure. */

/** A delay in milliseconds drawn from `d` (never negative). */
export function sampleDelay(d: Distribution, random: Random): number {
  let ms: number;
  switch (d.type) {
    case 'fixed':
      ms = d.ms;
      break;
    case 'uniform':
      ms = d.minMs + (d.maxMs - d.minMs) * random.next();
      break;
    case 'lognormal':
      ms = d.medianMs * Math.exp(d.sigma * standardNormal(random));
      break;
  }
  if (d.jitterMs > 0) ms += (random.next() * 2 - 1) * d.jitterMs;
  return Math.max(0, ms);
}

/** N(0, 1) by Box–Muller (one value per call, two uniforms). */
function standardNormal(random: Random): number {
  const u1 = 1 - random.next(); // (0, 1]
  const u2 = random.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** A `Retry-After` value: whole seconds (at least 1), or an IMF-fixdate. */
export function retryAfterValue(waitMs: number, nowMs: number, format: 'seconds' | 'http-date'): string {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return format === 'seconds' ? String(seconds) : new Date(nowMs + seconds * 1000).toUTCString();
}

export function unavailableResponse(system: string, faultId: string, retryAfter: string): HttpResponse {
  return problem(503, 'Service unavailable', `${system} is down for maintenance`, {
    type: 'service-unavailable',
    headers: { 'retry-after': retryAfter, 'x-faultline-fault': faultId },
  });
}

export function throttledResponse(system: string, faultId: string, retryAfter: string): HttpResponse {
  return problem(429, 'Too many requests', `${system} is throttling callers; retry after ${retryAfter}`, {
    type: 'rate-limited',
    headers: { 'retry-after': retryAfter, 'x-faultline-fault': faultId },
  });
}

export function errorResponse(system: string, faultId: string, status: number): HttpResponse {
  const titles: Record<number, string> = { 500: 'Internal server error', 502: 'Bad gateway', 503: 'Service unavailable', 504: 'Gateway timeout' };
  return problem(status, titles[status] ?? 'Server error', `${system} failed to handle the request`, {
    type: 'server-error',
    headers: { 'x-faultline-fault': faultId },
  });
}

/** A body and its content type: what a response or a message carries. */
export interface Payload {
  body: string;
  contentType: string | undefined;
}

type Transform = Extract<FaultParams, { kind: 'malformed' | 'schema-drift' | 'clock-skew' }>;

/**
 * Applies body faults in a fixed order whatever the plan's order: drift and skew first (they need
 * the JSON), malformed last (it breaks it). Bodies that are not JSON are left to `malformed` only.
 */
export function transformPayload(payload: Payload, transforms: readonly Transform[]): Payload {
  if (transforms.length === 0) return payload;
  const rank = (t: Transform): number => (t.kind === 'malformed' ? 1 : 0);
  const ordered = [...transforms].sort((a, b) => rank(a) - rank(b));
  let { body, contentType } = payload;
  let parsed: { ok: true; value: unknown } | { ok: false } | undefined;
  const json = (): { ok: true; value: unknown } | { ok: false } => {
    if (!parsed) {
      try {
        parsed = { ok: true, value: JSON.parse(body) as unknown };
      } catch {
        parsed = { ok: false };
      }
    }
    return parsed;
  };
  for (const t of ordered) {
    if (t.kind === 'schema-drift' || t.kind === 'clock-skew') {
      const p = json();
      if (!p.ok) continue;
      const value = t.kind === 'schema-drift' ? drift(p.value, t.renames, t.adds) : skew(p.value, t.offsetMs);
      parsed = { ok: true, value };
      body = JSON.stringify(value);
    } else if (t.variant === 'truncated-json') {
      body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
      parsed = { ok: false };
    } else if (t.variant === 'wrong-content-type') {
      contentType = 'text/html; charset=utf-8';
    } else {
      const p = json();
      if (!p.ok) continue;
      const value = violate(p.value, t.field);
      parsed = { ok: true, value };
      body = JSON.stringify(value);
    }
  }
  return { body, contentType };
}

/** Renames members at every depth; adds members to the top-level object (each element of a top-level list). */
export function drift(value: unknown, renames: Record<string, string>, adds: Record<string, unknown>): unknown {
  const rename = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rename);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[Object.hasOwn(renames, k) ? renames[k]! : k] = rename(v);
    return out;
  };
  const add = (node: unknown): unknown => (node !== null && typeof node === 'object' && !Array.isArray(node) ? { ...(node as object), ...structuredClone(adds) } : node);
  const renamed = rename(value);
  return Array.isArray(renamed) ? renamed.map(add) : add(renamed);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}:\d{2})$/;

/** Shifts RFC 3339 timestamps (strings) and `*_ms` epoch members (numbers) by `offsetMs`, at every depth. */
export function skew(value: unknown, offsetMs: number): unknown {
  const walk = (node: unknown, key: string | undefined): unknown => {
    if (Array.isArray(node)) return node.map((v) => walk(v, undefined));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, k);
      return out;
    }
    if (typeof node === 'number' && key !== undefined && /(^|_)ms$/i.test(key) && Number.isInteger(node)) return node + offsetMs;
    if (typeof node === 'string' && RFC3339.test(node)) return shiftTimestamp(node, offsetMs);
    return node;
  };
  return walk(value, undefined);
}

/** Shifts one RFC 3339 timestamp, keeping its offset and fractional-second precision. */
export function shiftTimestamp(text: string, offsetMs: number): string {
  const m = RFC3339.exec(text);
  if (!m) return text;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return text;
  const zone = m[8]!;
  const zoneMinutes = /^[Zz]$/.test(zone) ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const local = new Date(at + offsetMs + zoneMinutes * 60_000).toISOString(); // wall time in the original zone
  const fraction = m[7];
  const digits = fraction === undefined ? 0 : fraction.length - 1;
  const millis = local.slice(20, 23);
  // Date keeps milliseconds; finer digits (offsets are whole milliseconds) carry over unchanged.
  const frac = digits === 0 ? '' : `.${digits <= 3 ? millis.slice(0, digits) : millis + fraction!.slice(4)}`;
  const base = local.slice(0, 19);
  return `${base}${frac}${zone === 'z' ? 'Z' : zone}`;
}

/** Gives one member a value of the wrong type: the one at `field`, or the first top-level member. */
export function violate(value: unknown, field: string | undefined): unknown {
  const copy = structuredClone(value);
  const tokens = field === undefined ? undefined : field.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  let parent: unknown = copy;
  let key: string | undefined;
  if (tokens === undefined || tokens.length === 0) {
    const target = Array.isArray(copy) ? copy[0] : copy;
    if (target === null || typeof target !== 'object' || Array.isArray(target)) return wrongType(copy);
    parent = target;
    key = Object.keys(target)[0];
    if (key === undefined) return wrongType(copy);
  } else {
    for (const t of tokens.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[t] : undefined;
    key = tokens[tokens.length - 1]!;
    if (parent === null || typeof parent !== 'object') return copy;
  }
  const record = parent as Record<string, unknown>;
  record[key] = wrongType(record[key]);
  return copy;
}

function wrongType(v: unknown): unknown {
  if (typeof v === 'string') return 12345;
  if (typeof v === 'number') return 'not-a-number';
  if (typeof v === 'boolean') return 'maybe';
  if (Array.isArray(v)) return { unexpected: 'object instead of a list' };
  if (v !== null && typeof v === 'object') return 'string instead of an object';
  return { unexpected: true };
}

/** Fisher–Yates with the fault's own stream. */
export function shuffle<T>(items: T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
