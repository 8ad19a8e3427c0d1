import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualClock } from '../../runtime/clock/virtual-clock.ts';
import { SeededRandom } from '../../runtime/random/seeded-random.ts';
import { applyRate, fromMinor, lineAmount, sameAmount, toMinor } from '../../reference-impl/domain/money.ts';
import { cancellability, ORDER_STATUSES, transition, type OrderStatus } from '../../reference-impl/domain/order-state.ts';
import { mergeShipmentStatus, normaliseCarrierStatus, SHIPMENT_RANK, type ShipmentStatus } from '../../reference-impl/domain/shipment-status.ts';
import { applyAdjustment, availableToPromise, reconcilePosition } from '../../reference-impl/domain/inventory.ts';
import { chooseDistributionCenter, demandBySku, shortfalls } from '../../reference-impl/domain/allocation.ts';
import { orderTotals } from '../../reference-impl/domain/order.ts';
import { retryAfterMs } from '../../reference-impl/resilience/retry-after.ts';
import { JitteredBackoff } from '../../reference-impl/resilience/backoff.ts';
import { Circuit } from '../../reference-impl/resilience/circuit.ts';
import { resolveConfig } from '../../reference-impl/config.ts';

describe('money', () => {
  it('computes in integer minor units and formats decimal strings', () => {
    expect(toMinor('4.20')).toBe(42000n);
    expect(toMinor('-0.0001')).toBe(-1n);
    expect(fromMinor(toMinor('1234.505'))).toBe('1234.51');
    expect(fromMinor(toMinor('-2.345'))).toBe('-2.35');
    expect(lineAmount(toMinor('0.10'), 3)).toBe(toMinor('0.30')); // 0.1 × 3 in floating point is 0.30000000000000004
    expect(fromMinor(lineAmount(toMinor('61.90'), 2.5))).toBe('154.75');
    expect(fromMinor(applyRate(toMinor('179.90'), '0.19'))).toBe('34.18');
    expect(sameAmount('4.2', '4.2000')).toBe(true);
    expect(() => toMinor('4.2.0')).toThrow(/not a decimal amount/);
  });

  it('sums order totals exactly', () => {
    const totals = orderTotals(
      [
        { lineNumber: 1, sku: 'BRG-6204', quantity: { value: 10, uom: 'EA' }, unitPrice: { amount: '4.20', currency: 'EUR' } },
        { lineNumber: 2, sku: 'VLV-100', quantity: { value: 2, uom: 'EA' }, unitPrice: { amount: '38.00', currency: 'EUR' } },
        { lineNumber: 3, sku: 'HOS-25M', quantity: { value: 1, uom: 'EA' }, unitPrice: { amount: '61.90', currency: 'EUR' } },
      ],
      'EUR',
      '0.19',
    );
    expect(totals).toEqual({ subtotal: { amount: '179.90', currency: 'EUR' }, tax: { amount: '34.18', currency: 'EUR' }, total: { amount: '214.08', currency: 'EUR' } });
  });

  it('property: parsing and formatting at 4 decimals round-trips', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (minor) => {
        expect(toMinor(fromMinor(minor, 4))).toBe(minor);
      }),
    );
  });
});

describe('order state machine', () => {
  it('moves forward, may skip steps, never back; cancelled and rejected are terminal, except for goods that left before the cancellation reached the warehouse', () => {
    expect(transition('pending_validation', 'accepted')).toBe('accepted');
    expect(transition('accepted', 'released')).toBe('released');
    expect(transition('released', 'delivered')).toBe('delivered');
    expect(transition('delivered', 'shipped')).toBeUndefined();
    expect(transition('shipped', 'shipped')).toBeUndefined();
    expect(transition('pending_validation', 'posted')).toBeUndefined();
    expect(transition('cancelled', 'posted')).toBeUndefined();
    expect(transition('cancelled', 'released')).toBeUndefined();
    expect(transition('cancelled', 'shipped')).toBe('shipped');
    expect(transition('cancelled', 'delivered')).toBe('delivered');
    expect(transition('rejected', 'shipped')).toBeUndefined();
    expect(transition('shipped', 'cancelled')).toBeUndefined();
    expect(transition('posted', 'rejected')).toBeUndefined();
    expect(cancellability('released')).toBe('ok');
    expect(cancellability('cancelled')).toBe('already-cancelled');
    expect(cancellability('delivered')).toBe('not-cancellable');
  });

  it('property: following transitions never decreases the progress of an order', () => {
    const progress = (s: OrderStatus): number => ['pending_validation', 'accepted', 'posted', 'released', 'shipped', 'delivered'].indexOf(s);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ORDER_STATUSES), { maxLength: 30 }), (targets) => {
        let s: OrderStatus = 'pending_validation';
        for (const t of targets) {
          const next = transition(s, t);
          if (!next) continue;
          if (next !== 'cancelled' && next !== 'rejected' && s !== 'cancelled') expect(progress(next)).toBeGreaterThan(progress(s));
          expect(s === 'rejected').toBe(false);
          // Out of `cancelled` only when the goods left anyway.
          if (s === 'cancelled') expect(['shipped', 'delivered']).toContain(next);
          s = next;
        }
      }),
    );
  });
});

describe('shipment status', () => {
  it('normalises each carrier’s codes', () => {
    expect(normaliseCarrierStatus('carrier-swift', 'PICKED_UP')).toBe('dispatched');
    expect(normaliseCarrierStatus('carrier-swift', 'EXCEPTION')).toBeNull();
    expect(normaliseCarrierStatus('carrier-pelican', 'DP')).toBe('in_transit');
    expect(normaliseCarrierStatus('carrier-pelican', 'DL')).toBe('delivered');
  });

  it('property: the merged status is the furthest seen, whatever the arrival order', () => {
    const statuses = Object.keys(SHIPMENT_RANK) as ShipmentStatus[];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...statuses), { minLength: 1, maxLength: 20 }), (arrivals) => {
        let current: ShipmentStatus | undefined;
        for (const s of arrivals) current = mergeShipmentStatus(current, s) ?? current;
        expect(SHIPMENT_RANK[current!]).toBe(Math.max(...arrivals.map((s) => SHIPMENT_RANK[s])));
      }),
    );
  });
});

describe('inventory rules and allocation', () => {
  it('applies only newer sequences, reconciles to newer snapshots', () => {
    expect(availableToPromise({ onHand: 5, reserved: 8 })).toBe(0);
    expect(availableToPromise({ onHand: 5, reserved: 3 }, true)).toBe(5);
    expect(applyAdjustment({ onHand: 10, reserved: 0, version: 4 }, 4, 99)).toEqual({ apply: false, delta: 0 });
    expect(applyAdjustment({ onHand: 10, reserved: 0, version: 4 }, 6, 7)).toEqual({ apply: true, delta: -3 });
    expect(reconcilePosition({ onHand: 10, reserved: 0, version: 4 }, { onHand: 8, version: 3 })).toEqual({ adopt: false, drift: 0 });
    expect(reconcilePosition({ onHand: 10, reserved: 0, version: 4 }, { onHand: 8, version: 4 })).toEqual({ adopt: true, drift: 2 });
  });

  it('allocates to the first center that serves every sku', () => {
    const demand = demandBySku([
      { sku: 'A', quantity: { value: 2 } },
      { sku: 'B', quantity: { value: 1 } },
      { sku: 'A', quantity: { value: 3 } },
    ]);
    expect(demand).toEqual([
      { sku: 'A', qty: 5 },
      { sku: 'B', qty: 1 },
    ]);
    const atp: Record<string, number> = { 'E|A': 4, 'E|B': 9, 'W|A': 5, 'W|B': 1 };
    const available = (dc: string, sku: string) => atp[`${dc}|${sku}`] ?? 0;
    expect(chooseDistributionCenter(demand, ['E', 'W'], available)).toBe('W');
    expect(chooseDistributionCenter([{ sku: 'A', qty: 6 }], ['E', 'W'], available)).toBeUndefined();
    expect(shortfalls([{ sku: 'A', qty: 6 }], ['E', 'W'], available)).toEqual([{ sku: 'A', qty: 6, best: 5, byCenter: [['E', 4], ['W', 5]] }]);
  });
});

describe('resilience pieces', () => {
  it('reads Retry-After as seconds or an HTTP-date', () => {
    const now = Date.UTC(2026, 10, 23, 21, 0, 0);
    expect(retryAfterMs('30', now)).toBe(30_000);
    expect(retryAfterMs('Mon, 23 Nov 2026 22:00:00 GMT', now)).toBe(3_600_000);
    expect(retryAfterMs('Mon, 23 Nov 2026 20:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('backs off exponentially with full jitter from the Random port, replayable from a seed', () => {
    const delays = (seed: number) => {
      const b = new JitteredBackoff(new SeededRandom(seed), { baseDelayMs: 200, maxDelayMs: 5_000 });
      return Array.from({ length: 8 }, (_, i) => b.delay(i + 1));
    };
    const a = delays(1);
    expect(delays(1)).toEqual(a);
    expect(delays(2)).not.toEqual(a);
    a.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(Math.min(5_000, 200 * 2 ** i));
    });
  });

  it('opens after consecutive failures, lets one trial through when half-open, on the Clock', async () => {
    const clock = new VirtualClock();
    const circuit = new Circuit(clock, 2, 1_000);
    circuit.failure();
    expect(circuit.state).toBe('closed');
    circuit.success();
    circuit.failure();
    circuit.failure();
    expect(circuit.state).toBe('open');
    expect(circuit.admit()).toBe(false);
    await clock.advanceBy(1_000);
    expect(circuit.state).toBe('half_open');
    expect(circuit.admit()).toBe(true);
    expect(circuit.admit()).toBe(false);
    circuit.failure();
    expect(circuit.state).toBe('open');
    await clock.advanceBy(1_000);
    expect(circuit.admit()).toBe(true);
    circuit.success();
    expect(circuit.state).toBe('closed');
    expect(circuit.opens).toBe(2);
  });

  it('refuses a bad configuration naming the field', () => {
    expect(() => resolveConfig({ distributionCenters: [{ code: 'EAST', carrier: 'carrier-swift', serviceLevel: 'STANDARD', address: { name: 'x', line1: 'y', city: 'z', postalCode: '12345', country: 'DE' } }] })).toThrow('layer config distributionCenters[0].code: must match ^DC-[A-Z]{2,12}$, got "EAST"');
    expect(() => resolveConfig({ distributionCenters: [{ code: 'DC-EAST', carrier: 'carrier-pelican', serviceLevel: 'STANDARD', address: { name: 'x', line1: 'y', city: 'z', postalCode: '12345', country: 'DE' } }] })).toThrow(/serviceLevel: carrier-pelican offers next_day, two_day, ground, pallet_std/);
    expect(() => resolveConfig({ apiKeys: [{ key: 'k', partner: 'p', scopes: ['orders:write', 'root' as never] }] })).toThrow(/apiKeys\[0\]\.scopes\[1\]: unknown scope "root"/);
    expect(() => resolveConfig({ retry: { attempts: 0 } })).toThrow(/retry.attempts/);
    expect(() => resolveConfig({ initialInventory: [{ distributionCenter: 'DC-NORTH', sku: 'A-1', uom: 'EA', onHand: 1 }] })).toThrow(/initialInventory\[0\]\.distributionCenter: "DC-NORTH" is not a configured/);
    expect(resolveConfig().timeouts).toEqual({ erpValidationMs: 800, downstreamMs: 5000 });
  });
});
