import type { components } from '../../contracts/generated/openapi/wms.ts';
import type { Timer } from '../../runtime/ports.ts';
import { iso } from '../shared/time.ts';
import type { FulfillmentOrderEntry, FulfillmentOrderTruth, HandoverAttempt } from './wms.ts';

type S = components['schemas'];
type Status = S['FulfillmentOrderStatus'];
type Line = S['FulfillmentOrderLine'];
type HandoverStatus = FulfillmentOrderTruth['handover']['status'];

/** The steps a fulfillment order goes through; `cancelled` may take the place of any after `released`. */
const STEPS = ['released', 'picking', 'packed', 'shipped'] as const satisfies readonly Status[];

/**
 * `times` with `at` at the end, in a new array of exactly that length (one grown by `push` keeps
 * room for 16 more). V8 keeps the numbers of an array that only ever holds numbers unboxed.
 */
function withInstant(times: readonly number[], at: number): number[] {
  return times.concat([at]);
}

/** A line shaped as the layer sends it: these keys in this order, whole numbers, words without separators. */
function isPlain(line: Line): boolean {
  const word = (x: unknown): boolean => typeof x === 'string' && /^[^ ;]+$/.test(x);
  return (
    Object.keys(line).join() === 'lineNumber,sku,quantity' &&
    Object.keys(line.quantity).join() === 'value,uom' &&
    Number.isSafeInteger(line.lineNumber) &&
    Number.isSafeInteger(line.quantity.value) &&
    word(line.sku) &&
    word(line.quantity.uom)
  );
}

/**
 * An order's lines as text that reads back exactly as they came: `1 BRG-6204 4 EA;2 VLV-100 1 EA`
 * (a quarter of their JSON) when every line is plain, else their JSON.
 */
export function linesText(lines: readonly Line[]): string {
  if (!lines.every(isPlain)) return JSON.stringify(lines);
  return lines.map((l) => `${l.lineNumber} ${l.sku} ${l.quantity.value} ${l.quantity.uom}`).join(';');
}

export function parseLines(text: string): Line[] {
  if (text.startsWith('[')) return JSON.parse(text) as Line[];
  return text.split(';').map((line) => {
    const [lineNumber, sku, value, uom] = line.split(' ') as [string, string, string, S['Uom']];
    return { lineNumber: Number(lineNumber), sku, quantity: { value: Number(value), uom } };
  });
}

/** Units per sku over `lines`, skus in the order they first appear. */
export function unitsPerSku(lines: readonly Line[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const line of lines) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity.value);
  return units;
}

/**
 * A fulfillment order as the WMS keeps it. A 100,000-order day keeps every one to its end, so it
 * holds only what cannot be derived: the scalars the WMS works with as fields, the lines as text
 * (parsed when read), and the instants of its status history as numbers. The API's view
 * (`order`) and the ground truth's (`toJSON()`) are built on each read; what the order holds
 * allocated is the units of its lines.
 */
export class FulfillmentOrderRecord implements FulfillmentOrderEntry {
  status: Status = 'released';
  /** When it reached each status of its history: `STEPS` in order, the last one being `status`. */
  private times: number[];
  shipmentEventId: string | undefined = undefined;
  handoverStatus: HandoverStatus = 'none';
  /** The handover attempts as pairs, `[at, outcome, at, outcome, …]`. */
  private attempts: ReadonlyArray<number | string> = [];
  /** The timer of its next step, while one is due. */
  timer: Timer | undefined = undefined;

  constructor(
    readonly fulfillmentOrderId: string,
    readonly orderReference: string,
    private readonly distributionCenter: string,
    /** The lines as `linesText` keeps them. */
    private readonly linesText: string,
    readonly carrier: S['Carrier'],
    readonly trackingNumber: string,
    readonly labelId: string | undefined,
    readonly requestedShipAt: number | undefined,
    releasedAt: number,
  ) {
    this.times = [releasedAt];
  }

  get lines(): Line[] {
    return parseLines(this.linesText);
  }

  /** The fulfillment order as the API shows it. */
  get order(): S['FulfillmentOrder'] {
    const order: S['FulfillmentOrder'] = {
      fulfillmentOrderId: this.fulfillmentOrderId,
      orderReference: this.orderReference,
      distributionCenter: this.distributionCenter,
      status: this.status,
      lines: this.lines,
      carrier: this.carrier,
      trackingNumber: this.trackingNumber,
      createdAt: iso(this.times[0]!),
      updatedAt: iso(this.times.at(-1)!),
    };
    if (this.status === 'shipped') order.shippedAt = order.updatedAt;
    return order;
  }

  get statusHistory(): Array<{ status: Status; at: number }> {
    const last = this.times.length - 1;
    return this.times.map((at, i) => ({ status: i === last ? this.status : STEPS[i]!, at }));
  }

  /** When the order reached `status` (ms), if it did. */
  reachedAt(status: Status): number | undefined {
    const last = this.times.length - 1;
    if (status === this.status) return this.times[last];
    const i = (STEPS as readonly Status[]).indexOf(status);
    return i >= 0 && i < last ? this.times[i] : undefined;
  }

  get handover(): FulfillmentOrderTruth['handover'] {
    const attempts: HandoverAttempt[] = [];
    for (let i = 0; i < this.attempts.length; i += 2) attempts.push({ at: this.attempts[i] as number, outcome: this.attempts[i + 1]! });
    return { status: this.handoverStatus, attempts };
  }

  moveTo(status: Status, at: number): void {
    this.status = status;
    this.times = withInstant(this.times, at);
  }

  attempted(attempt: HandoverAttempt): void {
    this.attempts = this.attempts.concat([attempt.at, attempt.outcome]);
  }

  /** The ground truth's JSON, keys in the order the WMS always gave them. */
  toJSON(): FulfillmentOrderTruth {
    const truth: FulfillmentOrderTruth = { order: this.order, statusHistory: this.statusHistory, handover: this.handover };
    if (this.labelId !== undefined) truth.labelId = this.labelId;
    if (this.shipmentEventId !== undefined) truth.shipmentEventId = this.shipmentEventId;
    return truth;
  }
}
