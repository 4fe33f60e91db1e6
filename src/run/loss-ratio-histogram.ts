import { TRANSPORT_UDP, type SampleBatch } from '../flow/sample.js';
import type { BatchScorer } from '../scoring/batch-scorer.js';

/**
 * Upper bounds (inclusive, as Prometheus `le`) of loss / threshold. A ratio
 * above 1 is an autoencoder hit; the buckets are finer around 1, where a
 * threshold change would move alerts.
 */
export const LOSS_RATIO_BOUNDS: readonly number[] = [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 4, 10, 100];

export interface LossRatioCounts {
  readonly bounds: readonly number[];
  /** Cumulative counts per bound (le), then the total (+Inf). */
  readonly cumulative: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/**
 * Distribution of each scored sample's loss relative to its threshold, for
 * the metrics endpoint. Counts live in a typed array filled per batch: no
 * allocation per sample, and the exported values are read from the same
 * counts the stats line uses.
 */
export class LossRatioHistogram {
  private readonly counts = new Float64Array(LOSS_RATIO_BOUNDS.length + 1);
  private readonly thresholds = new Float64Array(4);
  private sum = 0;
  private count = 0;

  /** A ScoredHook: call it with the losses a scorer just wrote for `batch`. */
  observeBatch = (batch: SampleBatch, losses: Float32Array, scorer: BatchScorer): void => {
    const th = this.thresholds;
    th[0] = scorer.threshold(0, 0);
    th[1] = scorer.threshold(0, 1);
    th[2] = scorer.threshold(1, 0);
    th[3] = scorer.threshold(1, 1);
    const bounds = LOSS_RATIO_BOUNDS;
    const nb = bounds.length;
    for (let i = 0; i < batch.count; i++) {
      // batch.transport, not the row's FlowInfo: reading that would make one per flow.
      const t = th[(batch.transport[i] === TRANSPORT_UDP ? 0 : 2) + (batch.direction[i]! === 1 ? 1 : 0)]!;
      const loss = losses[i]!;
      const r = t > 0 ? loss / t : loss > 0 ? Infinity : 0;
      let b = 0;
      while (b < nb && r > bounds[b]!) b++;
      this.counts[b]!++;
      if (Number.isFinite(r)) this.sum += r;
      this.count++;
    }
  };

  /** An infinite ratio (a zero threshold) is counted but left out of the sum. */
  snapshot(): LossRatioCounts {
    const cumulative: number[] = [];
    let acc = 0;
    for (let b = 0; b < this.counts.length; b++) {
      acc += this.counts[b]!;
      cumulative.push(acc);
    }
    return { bounds: LOSS_RATIO_BOUNDS, cumulative, sum: this.sum, count: this.count };
  }
}
