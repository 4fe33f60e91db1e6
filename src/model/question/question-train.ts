import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { ModelError } from '../../errors.js';
import { QUESTION_FEATURE_COUNT, QUESTION_FEATURE_VERSION, QUESTION_FEATURES } from '../../features/question/question-features.js';
import { WindowScorer } from '../../scoring/question/window-scorer.js';
import { denseWeightsOf } from '../dense-weights.js';
import { writeTfjsModel } from '../model-dir.js';
import { META_JSON, modelIdOf } from '../model-weights.js';
import { createRng, shuffleInPlace } from '../rng.js';
import { createQuestionAutoencoder, fitQuestionModel, QUESTION_WINDOWS_PER_EPOCH } from './question-fit.js';
import { QUESTION_DIR, QUESTION_FORMAT_VERSION, type QuestionCalibration, type QuestionModelMeta } from './question-model.js';

export interface QuestionTrainOptions {
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly validationFraction: number;
  readonly patience: number;
  /** Alerted share of benign windows the threshold aims at. */
  readonly targetFpr: number;
  readonly windowSec: number;
  readonly hidden?: number;
  readonly bottleneck?: number;
  readonly onProgress?: (p: { epoch: number; maxEpochs: number; loss: number; valLoss: number }) => void;
}

export { QUESTION_WINDOWS_PER_EPOCH };

export const MIN_QUESTION_WINDOWS = 50;
export const QUESTION_HIDDEN = 32;
export const QUESTION_BOTTLENECK = 8;

export interface QuestionTrainResult {
  readonly meta: QuestionModelMeta;
  readonly heldOutLosses: Float64Array;
  /** Windows through the optimizer per epoch (QUESTION_WINDOWS_PER_EPOCH at most). */
  readonly windowsPerEpoch: number;
}

/** Held-out windows in the tail fit: the top percent, and at least this many. */
const TAIL_MIN = 10;

/**
 * Threshold from held-out benign window losses. Where the held-out set is
 * large enough to show the target quantile, it is that quantile. Where it
 * is not (n * targetFpr < 1), the largest held-out loss only says where
 * 1 in n lies, not 1 in 10,000: the tail beyond it is extrapolated the
 * usual way for exceedances (peaks over a threshold u, here the (k+1)-th
 * largest of k = 1% of the losses, taken as exponential with the mean
 * excess as its scale, so P(L > t) = k/n * exp(-(t - u) / beta)), and the
 * threshold is where that reaches the target, never below the largest
 * held-out loss. With fewer than TAIL_MIN + 1 windows it is the largest.
 */
export function calibrateWindows(losses: Float64Array, targetFpr: number): { threshold: number; calibration: QuestionCalibration; quantiles: QuestionModelMeta['quantiles'] } {
  const sorted = Float64Array.from(losses).sort();
  const n = sorted.length;
  const at = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  const quantiles = { q50: at(0.5), q90: at(0.9), q99: at(0.99), q999: at(0.999), max: sorted[n - 1]! };
  let threshold: number;
  let method: QuestionCalibration['method'];
  let q: number;
  let margin: number;
  if (n * targetFpr >= 1) {
    method = 'quantile';
    q = at(1 - targetFpr);
    margin = 0;
    threshold = q;
  } else if (n > TAIL_MIN) {
    const k = Math.max(TAIL_MIN, Math.ceil(0.01 * n));
    const u = sorted[n - k - 1]!;
    let excess = 0;
    for (let i = n - k; i < n; i++) excess += sorted[i]! - u;
    const beta = excess / k;
    method = 'tail';
    q = quantiles.max;
    const extrapolated = u + beta * Math.log(k / (n * targetFpr));
    threshold = extrapolated > q ? extrapolated : q;
    margin = threshold - q;
  } else {
    method = 'max';
    q = quantiles.max;
    margin = 0;
    threshold = q;
  }
  let above = 0;
  for (let i = 0; i < n; i++) if (sorted[i]! > threshold) above++;
  return { threshold, quantiles, calibration: { method, heldOutWindows: n, quantileLoss: q, margin, observedFpr: n > 0 ? above / n : 0 } };
}

/**
 * Trains the question autoencoder on benign window features (rows of
 * QUESTION_FEATURE_COUNT floats), calibrates it on a held-out part and
 * writes it to `modelDir`/question.
 */
export async function trainQuestionModel(
  modelDir: string,
  x: Float32Array,
  rows: number,
  files: readonly string[],
  o: QuestionTrainOptions,
  version: string,
): Promise<QuestionTrainResult> {
  const started = performance.now();
  const d = QUESTION_FEATURE_COUNT;
  if (rows < MIN_QUESTION_WINDOWS) {
    throw new ModelError('DNSAE_ERR_TRAINING', `only ${rows} question windows in the inputs; at least ${MIN_QUESTION_WINDOWS} are needed to train and calibrate the question stage`);
  }
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  shuffleInPlace(order, createRng(o.seed ^ 0x9e57));
  const nVal = Math.max(1, Math.floor(rows * o.validationFraction));
  const nTrain = rows - nVal;
  const take = (from: number, n: number): Float32Array => {
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) out.set(x.subarray(order[from + i]! * d, order[from + i]! * d + d), i * d);
    return out;
  };
  const trainX = take(0, nTrain);
  const valX = take(nTrain, nVal);
  // 32-8 rather than 16-6: at 16-6 the rare benign kinds (hash lookups, CDN ids) and the short tunnels
  // reconstructed alike; the comparison is in docs/question.md (scripts/model/question-experiments.mjs).
  const hidden = o.hidden ?? QUESTION_HIDDEN;
  const bottleneck = o.bottleneck ?? QUESTION_BOTTLENECK;
  const model = createQuestionAutoencoder(o.seed, hidden, bottleneck);
  const fit = await fitQuestionModel(model, trainX, nTrain, valX, nVal, {
    seed: o.seed,
    epochs: o.epochs,
    batchSize: o.batchSize,
    patience: o.patience,
    learningRate: 0.005,
    ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress }),
  });
  const best = fit.valLoss;
  const epochs = fit.epochs;
  // Calibrate with the scoring path's own forward pass, so the threshold is on exactly the losses scoring computes.
  const scorer = new WindowScorer(denseWeightsOf(model));
  // Float64, as scoring computes them: a loss rounded to Float32 can be below the same window's loss at scoring,
  // and the largest held-out window then alerted at a threshold calibrated not to.
  const losses = new Float64Array(nVal);
  const perFeature = new Float64Array(d);
  const pf = new Float32Array(d);
  for (let i = 0; i < nVal; i++) {
    losses[i] = scorer.lossPerFeature(valX, i * d, pf);
    for (let j = 0; j < d; j++) perFeature[j]! += pf[j]! / nVal;
  }
  const cal = calibrateWindows(losses, o.targetFpr);
  const dir = path.join(modelDir, QUESTION_DIR);
  const weights = await writeTfjsModel(dir, model);
  model.dispose();
  const meta: QuestionModelMeta = {
    formatVersion: QUESTION_FORMAT_VERSION,
    featureVersion: QUESTION_FEATURE_VERSION,
    features: [...QUESTION_FEATURES],
    arch: { hidden, bottleneck },
    windowSec: o.windowSec,
    threshold: cal.threshold,
    targetFpr: o.targetFpr,
    calibration: cal.calibration,
    quantiles: cal.quantiles,
    perFeatureMeanError: Array.from(perFeature, (v) => Math.round(v * 1e8) / 1e8),
    training: {
      files: [...files],
      windows: rows,
      date: new Date().toISOString(),
      dnsaeVersion: version,
      seed: o.seed,
      backend: tf.getBackend(),
      epochs,
      valLoss: best,
      seconds: Math.round((performance.now() - started) / 10) / 100,
    },
    modelId: modelIdOf(weights),
  };
  await writeFile(path.join(dir, META_JSON), JSON.stringify(meta, null, 2) + '\n');
  return { meta, heldOutLosses: losses, windowsPerEpoch: fit.perEpoch };
}
