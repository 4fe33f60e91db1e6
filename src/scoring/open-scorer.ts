import { fileURLToPath } from 'node:url';
import { readFusionRecord } from '../model/fusion-record.js';
import { readModelWeights } from '../model/model-weights.js';
import { readQuestionModel, type QuestionModel } from '../model/question/question-model.js';
import { FusedScorer } from './fused-scorer.js';

/** The model shipped with dnsae, used when --model is not given. */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../models/default', import.meta.url));

/**
 * Loads and validates a model directory and returns its batch scorer, with
 * the hybrid's fusion threshold when the directory has a fusion.json. Only
 * the weights are read: the fused scorer needs no tfjs model, and not
 * importing tfjs saves about 0.2 s of startup per run.
 */
export async function openScorer(dir: string = DEFAULT_MODEL_DIR, opts: { cacheSize?: number } = {}): Promise<FusedScorer> {
  const weights = await readModelWeights(dir);
  const fusion = await readFusionRecord(dir, weights.meta.modelId);
  return FusedScorer.fromModel(weights, {
    ...(opts.cacheSize === undefined ? {} : { cacheSize: opts.cacheSize }),
    ...(fusion === undefined ? {} : { aeOnlyThreshold: fusion.aeOnlyThreshold }),
  });
}

/** The question stage's model of a model directory, or undefined for a header-only model. */
export async function openQuestionModel(dir: string = DEFAULT_MODEL_DIR): Promise<QuestionModel | undefined> {
  return readQuestionModel(dir);
}
