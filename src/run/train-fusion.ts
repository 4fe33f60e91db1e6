import { HEAD_BYTES } from '../flow/sample.js';
import { lossStep } from '../model/calibrate.js';
import { calibrateFusion, DEFAULT_FUSION_TARGET_FPR } from '../model/fusion-calibration.js';
import { writeFusionRecord, type FusionRecord } from '../model/fusion-record.js';
import { readModelWeights } from '../model/model-weights.js';
import type { TrainingSet } from '../model/train.js';
import { checkHeader } from '../rules/header-rules.js';
import { FusedScorer } from '../scoring/fused-scorer.js';

/**
 * After a header model is saved: scores every benign training sample with
 * it exactly as `dnsae score` would (the fused pass over the saved weights,
 * the default structure checks), calibrates the hybrid's autoencoder-only
 * threshold on them and writes fusion.json into the model directory.
 *
 * All collected samples, not only the held-out part: the point of the
 * stricter threshold is that no benign header the site has shown alerts on
 * the autoencoder alone, and the rarest headers may sit in either part.
 */
export async function calibrateAndWriteFusion(dir: string, set: TrainingSet, targetFpr: number = DEFAULT_FUSION_TARGET_FPR): Promise<FusionRecord> {
  const weights = await readModelWeights(dir);
  const scorer = FusedScorer.fromModel(weights);
  const losses = new Float32Array(set.count);
  scorer.scoreSet(set, losses);
  const masks = new Uint32Array(set.count);
  for (let i = 0; i < set.count; i++) {
    masks[i] = checkHeader(set.head, i * HEAD_BYTES, set.headLen[i]!, set.payloadLength[i]!, set.transport[i] ? 1 : 0, set.direction[i] as 0 | 1);
  }
  const cal = calibrateFusion(losses, masks, weights.meta.threshold, targetFpr, lossStep(weights.meta.spec));
  return writeFusionRecord(dir, weights.meta.modelId, cal);
}
