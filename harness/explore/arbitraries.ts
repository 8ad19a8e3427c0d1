import fc from 'fast-check';
import { parseDuration } from '../../runtime/files/duration.ts';
import type { FaultSpec } from '../../simulators/faults/kinds.ts';

/** What the generated faults may aim at, from the scenario being explored. */
export interface ExploreSpace {
  /** Workload duration: faults start inside it. */
  durationMs: number;
  distributionCenters: string[];
  carriers: string[];
}

/**
 * One survivable fault kind as an arbitrary: numeric knobs (which shrink towards "less fault":
 * earlier, shorter, rarer, gentler) mapped to the YAML entry a person would write, with an
 * unmapper so a plan written by hand (a scenario's own faults) can seed the search and still
 * shrink. Only faults the contracts call survivable are generated, so every violation found is a
 * real bug (the spirit of TigerBeetle's ClusterFaultAtlas).
 */
interface KindGenerator<K> {
  kind: FaultSpec['kind'];
  knobs: (space: ExploreSpace) => fc.Arbitrary<K>;
  toSpec: (k: K, space: ExploreSpace) => FaultSpec;
  /** The knobs that give `spec`, or undefined when this generator cannot produce it. */
  fromSpec: (spec: FaultSpec, space: ExploreSpace) => K | undefined;
}

const minutes = (ms: number) => Math.max(1, Math.floor(ms / 60_000));
const m = (n: number) => `${n}m`;
const mins = (d: string | undefined): number | undefined => {
  if (d === undefined) return undefined;
  const v = parseDuration(d);
  return v === undefined || v % 60_000 !== 0 ? undefined : v / 60_000;
};

interface Window {
  from: number;
  length: number;
}

const windowKnobs = (space: ExploreSpace, maxLength: number): fc.Arbitrary<Window> =>
  fc.record({ from: fc.integer({ min: 0, max: minutes(space.durationMs) - 1 }), length: fc.integer({ min: 1, max: maxLength }) });

const windowOf = (spec: FaultSpec): Window | undefined => {
  const from = mins(spec.from ?? '0');
  const to = mins(spec.to);
  return from === undefined || to === undefined || to <= from ? undefined : { from, length: to - from };
};

/** A choice among a fixed list that shrinks towards the first element. */
const choice = <T>(items: readonly T[]) => fc.integer({ min: 0, max: items.length - 1 }).map((i) => items[i]!, (v) => {
  const i = items.indexOf(v as T);
  if (i < 0) throw new Error('not one of the choices');
  return i;
});

const systemTargets = (s: ExploreSpace) => ['erp', ...s.distributionCenters.map((dc) => `wms@${dc}`), ...s.carriers];
const POSTINGS = ['erp:bookSalesOrder', 'erp:postGoodsIssue', 'erp:postInvoice', 'erp:postCreditMemo', 'layer:createOrder'];
const CHANNELS = ['events:wms.shipment', 'events:wms.inventory', 'events:carrier.tracking', 'events:wms.return'];
const PROBABILITIES = [0.1, 0.25, 0.5, 1]; // shrinks towards rare

type Knobs = Record<string, unknown> & { w: Window };

function generator(
  kind: FaultSpec['kind'],
  targets: (s: ExploreSpace) => string[],
  maxLength: number,
  extra: (s: ExploreSpace) => Record<string, fc.Arbitrary<unknown>>,
  build: (k: Knobs, target: string) => Record<string, unknown>,
  read: (spec: Record<string, unknown>) => Record<string, unknown> | undefined,
): KindGenerator<Knobs & { target: string }> {
  return {
    kind,
    knobs: (s) => fc.record({ w: windowKnobs(s, maxLength), target: choice(targets(s)), ...extra(s) }) as fc.Arbitrary<Knobs & { target: string }>,
    toSpec: (k) => ({ kind, target: k.target, from: m(k.w.from), to: m(k.w.from + k.w.length), ...build(k, k.target) }) as FaultSpec,
    fromSpec: (spec, s) => {
      if (spec.kind !== kind || !targets(s).includes(spec.target)) return undefined;
      const w = windowOf(spec);
      const rest = read(spec as unknown as Record<string, unknown>);
      return w && rest ? ({ w, target: spec.target, ...rest } as Knobs & { target: string }) : undefined;
    },
  };
}

const GENERATORS: Array<KindGenerator<Knobs & { target: string }>> = [
  generator('downtime', systemTargets, 60, () => ({ mode: choice(['unavailable', 'refused'] as const) }), (k) => ({ mode: k.mode }), (s) =>
    s.mode === undefined || s.mode === 'unavailable' || s.mode === 'refused' ? { mode: s.mode ?? 'unavailable' } : undefined,
  ),
  generator('latency', systemTargets, 60, () => ({ median: choice([200, 1000, 5000, 20_000]) }), (k) => ({ distribution: 'lognormal', median: k.median, sigma: 0.5 }), (s) =>
    s.distribution === 'lognormal' && typeof s.median === 'number' && s.sigma === 0.5 ? { median: s.median } : undefined,
  ),
  generator('timeout', (s) => [...systemTargets(s), ...POSTINGS], 20, () => ({ p: choice(PROBABILITIES) }), (k) => ({ probability: k.p }), (s) =>
    typeof s.probability === 'number' ? { p: s.probability } : undefined,
  ),
  generator('error-rate', (s) => [...systemTargets(s), ...POSTINGS.filter((t) => t.startsWith('erp:'))], 60, () => ({ p: choice(PROBABILITIES), status: choice([503, 500, 502, 504]) }), (k) => ({ probability: k.p, status: k.status }), (s) =>
    typeof s.probability === 'number' && typeof s.status === 'number' ? { p: s.probability, status: s.status } : undefined,
  ),
  generator('throttle', (s) => ['erp', ...s.carriers], 60, () => ({ rate: choice([20, 5, 1]), burst: choice([20, 5, 1]) }), (k) => ({ rate: k.rate, burst: k.burst }), (s) =>
    typeof s.rate === 'number' && typeof s.burst === 'number' ? { rate: s.rate, burst: s.burst } : undefined,
  ),
  generator('lost-ack', () => POSTINGS, 30, () => ({ p: choice(PROBABILITIES) }), (k) => ({ probability: k.p }), (s) =>
    typeof s.probability === 'number' ? { p: s.probability } : undefined,
  ),
  generator('duplicate', () => CHANNELS, 60, () => ({ p: choice(PROBABILITIES), copies: choice([2, 3]) }), (k) => ({ probability: k.p, copies: k.copies }), (s) =>
    typeof s.probability === 'number' && typeof s.copies === 'number' ? { p: s.probability, copies: s.copies } : undefined,
  ),
  generator('reorder', () => CHANNELS, 60, () => ({ window: choice(['30s', '2m', '10m']) }), (k) => ({ window: k.window }), (s) =>
    typeof s.window === 'string' ? { window: s.window } : undefined,
  ),
  generator('delay-messages', () => CHANNELS, 60, () => ({ median: choice([1000, 60_000, 600_000]) }), (k) => ({ delay: { distribution: 'lognormal', median: k.median, sigma: 0.5 } }), (s) => {
    const d = s.delay as { distribution?: string; median?: unknown; sigma?: unknown } | undefined;
    return d?.distribution === 'lognormal' && typeof d.median === 'number' && d.sigma === 0.5 ? { median: d.median } : undefined;
  }),
  // A truncated inventory message tells the layer nothing: only reconciliation repairs what it missed.
  generator('malformed', () => ['events:wms.inventory'], 30, () => ({ p: choice([0.1, 0.3, 1]) }), (k) => ({ variant: 'truncated-json', probability: k.p }), (s) =>
    s.variant === 'truncated-json' && typeof s.probability === 'number' ? { p: s.probability } : undefined,
  ),
  {
    kind: 'crash',
    knobs: (s) => fc.record({ w: fc.record({ from: fc.integer({ min: 1, max: minutes(s.durationMs) - 1 }), length: fc.constant(0) }), target: fc.constant('layer'), down: choice([0, 1, 5]) }),
    toSpec: (k) => ({ kind: 'crash', target: 'layer', from: m(k.w.from), ...(k.down ? { downFor: m(k.down as number) } : {}) }),
    fromSpec: (spec) => {
      if (spec.kind !== 'crash' || spec.target !== 'layer') return undefined;
      const from = mins(spec.from);
      const down = spec.downFor === undefined ? 0 : mins(spec.downFor);
      return from === undefined || down === undefined ? undefined : { w: { from, length: 0 }, target: 'layer', down };
    },
  },
];

/** One generated fault: which kind (shrinks towards the first kinds) and its knobs. */
export function faultEntry(space: ExploreSpace): fc.Arbitrary<FaultSpec> {
  return fc.oneof(
    ...GENERATORS.map((g) =>
      g.knobs(space).map(
        (k) => g.toSpec(k, space),
        (spec) => {
          const k = g.fromSpec(spec as FaultSpec, space);
          if (k === undefined) throw new Error(`not a ${g.kind} fault this generator makes`);
          return k;
        },
      ),
    ),
  );
}

/** A fault plan of 0…maxFaults entries; shrinking removes faults first, then softens them. */
export function faultPlan(space: ExploreSpace, maxFaults: number): fc.Arbitrary<FaultSpec[]> {
  return fc.array(faultEntry(space), { minLength: 0, maxLength: maxFaults });
}

/** Kinds exploration generates. */
export const EXPLORED_KINDS = GENERATORS.map((g) => g.kind);
