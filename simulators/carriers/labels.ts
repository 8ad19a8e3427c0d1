import { NumberColumn, TextColumn, UuidColumn, Vocabulary } from '../../runtime/columns.ts';
import type { LabelTruth } from './swift.ts';
import type { ShipmentIndex } from './tracking.ts';

/** How a carrier's tracking numbers map to the indices of its labels. */
export interface TrackingNumbers {
  /** Records the number of the next label. */
  add(trackingNumber: string): void;
  at(index: number): string;
  indexOf(trackingNumber: string): number | undefined;
}

/** Numbers counting up from `first` (SwiftShip: `SW` + 10 digits): made from the index, nothing kept per label. */
export class CountingNumbers implements TrackingNumbers {
  private count = 0;

  constructor(
    private readonly prefix: string,
    private readonly first: number,
    private readonly digits: number,
  ) {}

  /** The number the next label gets. */
  next(): string {
    return this.at(this.count);
  }

  add(trackingNumber: string): void {
    if (trackingNumber !== this.next()) throw new Error(`tracking number ${trackingNumber} out of turn: ${this.next()} is next`);
    this.count++;
  }

  at(index: number): string {
    return `${this.prefix}${String(this.first + index).padStart(this.digits, '0')}`;
  }

  indexOf(trackingNumber: string): number | undefined {
    const digits = trackingNumber.slice(this.prefix.length);
    if (!trackingNumber.startsWith(this.prefix) || !/^\d+$/.test(digits)) return undefined;
    const index = Number(digits) - this.first;
    return index >= 0 && index < this.count && this.at(index) === trackingNumber ? index : undefined;
  }
}

/** Numbers drawn at random (Pelican's tracking codes): kept, with an index to find them. */
export class DrawnNumbers implements TrackingNumbers {
  private readonly numbers = new TextColumn();
  private readonly index = new Map<string, number>();

  add(trackingNumber: string): void {
    this.index.set(trackingNumber, this.numbers.push(trackingNumber));
  }

  at(index: number): string {
    return this.numbers.at(index);
  }

  indexOf(trackingNumber: string): number | undefined {
    return this.index.get(trackingNumber);
  }
}

/**
 * A carrier's labels as columns, one entry per label in the order they were created (a label's
 * index is the carrier's index of its shipment), with the few address parts its event payloads
 * name. A label as an object, with the request's addresses, took 700 bytes.
 */
export class LabelBook implements ShipmentIndex {
  private readonly labelIds = new TextColumn();
  private readonly references = new UuidColumn();
  private readonly services = new NumberColumn('uint32');
  private readonly createdAt = new NumberColumn('float64');
  /** NaN until handed over. */
  private readonly handedOver = new NumberColumn('float64');
  /** `placesPerLabel` address parts per label, in the order the carrier gives them. */
  private readonly places = new NumberColumn('uint32');
  private readonly strings = new Vocabulary();

  constructor(
    private readonly numbers: TrackingNumbers,
    private readonly placesPerLabel: number,
  ) {}

  get length(): number {
    return this.createdAt.length;
  }

  /** Records a label not handed over yet, with its address parts; returns its index. */
  add(label: Omit<LabelTruth, 'handedOverAt'>, places: readonly string[]): number {
    if (places.length !== this.placesPerLabel) throw new RangeError(`a label has ${this.placesPerLabel} places, got ${places.length}`);
    this.numbers.add(label.trackingNumber);
    this.labelIds.push(label.labelId);
    this.references.push(label.reference);
    this.services.push(this.strings.id(label.service));
    this.handedOver.push(Number.NaN);
    for (const place of places) this.places.push(this.strings.id(place));
    return this.createdAt.push(label.createdAt);
  }

  indexOf(trackingNumber: string): number | undefined {
    return this.numbers.indexOf(trackingNumber);
  }

  trackingNumberOf(index: number): string {
    return this.numbers.at(index);
  }

  handedOverAt(index: number): number | undefined {
    const at = this.handedOver.at(index);
    return Number.isNaN(at) ? undefined : at;
  }

  handOver(index: number, at: number): void {
    this.handedOver.set(index, at);
  }

  /** The `k`th address part of a label. */
  place(index: number, k: number): string {
    return this.strings.word(this.places.at(index * this.placesPerLabel + k));
  }

  /** A label as `truth()` shows it (a new object on every call). */
  truth(index: number): LabelTruth {
    const label: LabelTruth = {
      trackingNumber: this.numbers.at(index),
      labelId: this.labelIds.at(index),
      reference: this.references.at(index),
      service: this.strings.word(this.services.at(index)),
      createdAt: this.createdAt.at(index),
    };
    const handedOverAt = this.handedOverAt(index);
    if (handedOverAt !== undefined) label.handedOverAt = handedOverAt;
    return label;
  }

  /** Every label, oldest first. */
  all(): LabelTruth[] {
    return Array.from({ length: this.length }, (_, i) => this.truth(i));
  }
}
