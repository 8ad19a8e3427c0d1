import { describe, expect, it } from 'vitest';
import { DOWN, recoveredAt } from '../../harness/run/run-scenario.ts';

type Pending = Map<string, { outbox: number; exceptions: number }>;
const at = (entries: Record<string, [outbox: number, exceptions: number]>): Pending => new Map(Object.entries(entries).map(([k, [outbox, exceptions]]) => [k, { outbox, exceptions }]));

describe("a fault's recovery is measured on its own system", () => {
  // Sample 0: the ERP and Pelican both hold work; 1: only Pelican (its throttle still on); 2: nothing.
  const pending = [at({ erp: [30, 0], 'carrier-pelican': [12, 0] }), at({ 'carrier-pelican': [40, 0] }), at({})];
  const backlog = [42, 40, 0];
  const depth = [0, 0, 0];

  it('an ERP fault has recovered once the ERP has nothing in hand, whatever another fault left on a carrier', () => {
    expect(recoveredAt('erp', 0, backlog, depth, pending)).toBe(false);
    expect(recoveredAt('erp', 1, backlog, depth, pending)).toBe(true);
    expect(recoveredAt('erp:bookSalesOrder', 1, backlog, depth, pending)).toBe(true);
    expect(recoveredAt('carrier-pelican', 1, backlog, depth, pending)).toBe(false);
    expect(recoveredAt('carrier-pelican', 2, backlog, depth, pending)).toBe(true);
  });

  it('open exceptions count; `wms` covers every distribution center, `wms@DC-EAST` only its own', () => {
    const p = [at({ 'wms@DC-WEST': [0, 2] })];
    expect(recoveredAt('wms', 0, [0], [2], p)).toBe(false);
    expect(recoveredAt('wms@DC-WEST', 0, [0], [2], p)).toBe(false);
    expect(recoveredAt('wms@DC-EAST', 0, [0], [2], p)).toBe(true);
  });

  it('a channel or layer fault, or a sample taken while the layer was down, counts everything', () => {
    expect(recoveredAt('events:wms.shipment', 1, backlog, depth, pending)).toBe(false);
    expect(recoveredAt('layer', 2, backlog, depth, pending)).toBe(true);
    expect(recoveredAt('erp', 0, [0], [0], [DOWN])).toBe(false);
    expect(recoveredAt('layer', 0, [0], [0], [DOWN])).toBe(false);
  });
});
