import type { SampleBatch } from '../flow/sample.js';
import type { BatchScorer } from './batch-scorer.js';

/** Called after each batch is scored, with the scorer that scored it. */
export type ScoredHook = (batch: SampleBatch, losses: Float32Array, scorer: BatchScorer) => void;

/**
 * A BatchScorer whose model can be replaced while a live capture runs
 * (SIGHUP). Every batch is scored whole by one model: the consumer calls
 * score() and threshold() synchronously within one onBatch, and a swap can
 * only happen between two event-loop turns, so never in between.
 */
export class ReloadableScorer implements BatchScorer {
  private current: BatchScorer;

  constructor(
    initial: BatchScorer,
    private readonly onScored?: ScoredHook,
  ) {
    this.current = initial;
  }

  get modelId(): string {
    return this.current.modelId;
  }

  get scorer(): BatchScorer {
    return this.current;
  }

  score(batch: SampleBatch, losses: Float32Array, perByteError?: Float32Array): void {
    const s = this.current;
    s.score(batch, losses, perByteError);
    this.onScored?.(batch, losses, s);
  }

  rowPerByteError(batch: SampleBatch, row: number, out: Float32Array, off: number): void {
    this.current.rowPerByteError(batch, row, out, off);
  }

  threshold(transport: 0 | 1, direction: 0 | 1): number {
    return this.current.threshold(transport, direction);
  }

  aeOnlyThreshold(transport: 0 | 1, direction: 0 | 1): number {
    const s = this.current;
    return s.aeOnlyThreshold === undefined ? s.threshold(transport, direction) : s.aeOnlyThreshold(transport, direction);
  }

  /** Makes `next` score every later batch; returns the model it replaced. */
  swap(next: BatchScorer): BatchScorer {
    const old = this.current;
    this.current = next;
    return old;
  }
}
