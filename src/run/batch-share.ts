/**
 * Which sample batches one header-stage share of `dnsae evaluate --jobs N`
 * scores. Every worker reads every input and assembles every flow, so all
 * of them see the same batches in the same order (the pipeline's batching
 * depends on the inputs and the options alone); each batch goes whole to
 * the share that has taken the fewest rows so far (the lowest on a tie),
 * which every worker works out alike without asking the others. Whole
 * batches, not flows or clients: nothing the header stage keeps then
 * depends on the split, and the main thread puts the rows back in batch
 * order, the order of a one-worker run.
 */
export class BatchShare {
  private readonly taken: Float64Array;
  private owner = 0;
  /** The batch being filled now, counted from 0 over the whole run. */
  batch = 0;

  constructor(
    /** This worker's share, 0 .. count-1; -1 takes no batch (the worker that runs the question stage alone). */
    readonly index: number,
    readonly count: number,
  ) {
    this.taken = new Float64Array(Math.max(1, count));
  }

  /** Whether the batch being filled now is this share's. */
  get owns(): boolean {
    return this.owner === this.index;
  }

  /** The batch being filled was handed over with `rows` rows: on to the next one. */
  next(rows: number): void {
    this.taken[this.owner]! += rows;
    this.batch++;
    let best = 0;
    for (let s = 1; s < this.count; s++) if (this.taken[s]! < this.taken[best]!) best = s;
    this.owner = best;
  }
}
