import type { SampleBatch } from '../flow/sample.js';

/**
 * What scoring needs from a model: losses for a whole batch at once, plus
 * the calibrated threshold for a sample's transport and direction.
 */
export interface BatchScorer {
  readonly modelId: string;
  /** Fills losses[0..count) and perByteError[0..count*8). */
  /**
   * Writes each sample's loss to `losses[i]` and, when `perByteError` is
   * given, its per-byte squared error to `perByteError[i*8 .. i*8+7]`.
   */
  score(batch: SampleBatch, losses: Float32Array, perByteError?: Float32Array): void;
  /**
   * One row's per-byte error into `out[off .. off+7]`: for the rows that
   * become records, when the batch was scored without per-byte errors.
   */
  rowPerByteError(batch: SampleBatch, row: number, out: Float32Array, off: number): void;
  threshold(transport: 0 | 1, direction: 0 | 1): number;
  /**
   * The hybrid detector's threshold for a message the structure checks pass
   * (docs/model.md, "Hybrid fusion"); where absent, threshold() applies.
   */
  aeOnlyThreshold?(transport: 0 | 1, direction: 0 | 1): number;
}

export type DetectorMode = 'ae' | 'rules' | 'hybrid';

export const DETECTOR_MODES: readonly DetectorMode[] = ['ae', 'rules', 'hybrid'];
