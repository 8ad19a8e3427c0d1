import { NumberColumn, RowsById, type Vocabulary } from '../../runtime/columns.ts';

/** One ERP posting the layer attempted. */
export interface Posting {
  operation: string;
  firstAt: number;
  attempts: number;
  /** The HTTP status, or the transport error's code, of the latest attempt. */
  lastStatus: string;
}

/**
 * ERP postings the layer attempted, by the external reference it sent (order, shipment, return
 * id), one row of columns each: a 100,000-order day attempts about 300,000, which as a Map of
 * objects took about 90 bytes each. References and words come from the recorder's vocabularies,
 * and a reference's row is found by its vocabulary id.
 */
export class PostingLog {
  private readonly rows = new RowsById();
  private readonly reference = new NumberColumn('uint32');
  private readonly operation = new NumberColumn('uint32');
  private readonly firstAt = new NumberColumn('float64');
  private readonly attempts = new NumberColumn('uint32');
  private readonly lastStatus = new NumberColumn('uint32');

  constructor(
    private readonly words: Vocabulary,
    private readonly ids: Vocabulary,
  ) {}

  get size(): number {
    return this.reference.length;
  }

  /** One attempt of `operation` for `reference`, started `at`, answered `status`. */
  note(reference: string, operation: string, at: number, status: string): void {
    const id = this.ids.id(reference);
    const row = this.rows.get(id);
    if (row >= 0) {
      this.attempts.set(row, this.attempts.at(row) + 1);
      this.lastStatus.set(row, this.words.id(status));
      return;
    }
    this.rows.set(id, this.reference.push(id));
    this.operation.push(this.words.id(operation));
    this.firstAt.push(at);
    this.attempts.push(1);
    this.lastStatus.push(this.words.id(status));
  }

  has(reference: string): boolean {
    const id = this.ids.lookup(reference);
    return id !== undefined && this.rows.get(id) >= 0;
  }

  /** Each reference with its posting, in the order of their first attempts. */
  *entries(): IterableIterator<[string, Posting]> {
    for (let row = 0; row < this.size; row++) {
      yield [
        this.ids.word(this.reference.at(row)),
        { operation: this.words.word(this.operation.at(row)), firstAt: this.firstAt.at(row), attempts: this.attempts.at(row), lastStatus: this.words.word(this.lastStatus.at(row)) },
      ];
    }
  }
}
