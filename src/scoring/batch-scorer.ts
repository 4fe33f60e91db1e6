import type { SampleBatch } from '../flow/sample.js';

/**
 * What scoring needs from a model: losses for a whole batch at once, plus
 * the calibrated threshold for a sample's transport and direction.
 */
export interface BatchScorer {
  readonly modelId: string;
  /** Fills losses[0..count) and perByteError[0..count*8). */
  score(batch: SampleBatch, losses: Float32Array, perByteError: Float32Array): void;
  threshold(transport: 0 | 1, direction: 0 | 1): number;
}

export type DetectorMode = 'ae' | 'rules' | 'hybrid';

export const DETECTOR_MODES: readonly DetectorMode[] = ['ae', 'rules', 'hybrid'];
