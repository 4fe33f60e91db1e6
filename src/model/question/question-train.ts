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
 * At most this many windows go through the optimizer per epoch, and at most
 * this many held-out windows are scored per epoch for early stopping (all
 * of them are still used for calibration). Below it an epoch is one pass
 * over the training windows; above it an epoch is the next 16,384 windows
 * of a seeded shuffled stream over all of them, so a big corpus costs time
 * per epoch that does not grow with it (258,475 windows of the bench
 * capture took 5 s per epoch and 266 s in all before).
 */
export const QUESTION_WINDOWS_PER_EPOCH = 16_384;

/**
 * The training loop: tfjs fit() one epoch at a time on rows in a seeded
 * order (fit's own shuffle draws on Math.random, which made the question
 * model differ from run to run), mean squared error, Adam, early stopping
 * on the held-out loss with the best weights restored. An epoch is every
 * training window in a fresh order while there are at most
 * QUESTION_WINDOWS_PER_EPOCH of them, else the next that many of a seeded
 * permutation, so an epoch's cost does not grow with the corpus.
 *
 * Why fit() and not a loop of optimizer.minimize over the same batches:
 * measured on the shipped training captures, the minimize loop's model
 * alerted on 5 of 17,815 held-out benign windows and on 1,224 of the bench
 * capture's 258,475 benign windows, this one on 2 and 0.
 */
async function fitQuestionModel(
  model: tf.Sequential,
  trainX: Float32Array,
  nTrain: number,
  valX: Float32Array,
  nVal: number,
  o: QuestionTrainOptions,
): Promise<{ epochs: number; valLoss: number; perEpoch: number }> {
  const d = QUESTION_FEATURE_COUNT;
  model.compile({ optimizer: tf.train.adam(0.005), loss: 'meanSquaredError' });
  const epochRng = createRng(o.seed ^ 0x5eed);
  const perm = new Uint32Array(nTrain);
  for (let i = 0; i < nTrain; i++) perm[i] = i;
  const perEpoch = Math.min(nTrain, QUESTION_WINDOWS_PER_EPOCH);
  const epochX = new Float32Array(perEpoch * d);
  const nCheck = Math.min(nVal, QUESTION_WINDOWS_PER_EPOCH);
  const xv = tf.tensor2d(valX.subarray(0, nCheck * d), [nCheck, d]);
  let cursor = nTrain;
  let best = Infinity;
  let bestWeights: tf.Tensor[] | undefined;
  let sinceBest = 0;
  let epochs = 0;
  try {
    for (let e = 0; e < o.epochs; e++) {
      if (cursor + perEpoch > nTrain) {
        shuffleInPlace(perm, epochRng);
        cursor = 0;
      }
      for (let i = 0; i < perEpoch; i++) {
        const src = perm[cursor + i]!;
        epochX.set(trainX.subarray(src * d, src * d + d), i * d);
      }
      cursor += perEpoch;
      const xt = tf.tensor2d(epochX, [perEpoch, d]);
      let h: tf.History;
      try {
        h = await model.fit(xt, xt, { epochs: 1, batchSize: o.batchSize, shuffle: false, verbose: 0, validationData: [xv, xv] });
      } finally {
        xt.dispose();
      }
      epochs++;
      const valLoss = h.history.val_loss![0] as number;
      o.onProgress?.({ epoch: epochs, maxEpochs: o.epochs, loss: h.history.loss![0] as number, valLoss });
      if (valLoss < best - 1e-7) {
        best = valLoss;
        bestWeights?.forEach((t) => t.dispose());
        bestWeights = model.getWeights().map((t) => t.clone());
        sinceBest = 0;
      } else if (++sinceBest >= o.patience) break;
    }
    if (bestWeights !== undefined) model.setWeights(bestWeights);
  } finally {
    xv.dispose();
    bestWeights?.forEach((t) => t.dispose());
  }
  return { epochs, valLoss: best, perEpoch };
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
  const init = (k: number) => tf.initializers.glorotUniform({ seed: o.seed * 16 + k });
  const model = tf.sequential({
    name: 'dnsae_question_autoencoder',
    layers: [
      tf.layers.dense({ inputShape: [d], units: hidden, activation: 'relu', kernelInitializer: init(1), name: 'enc_hidden' }),
      tf.layers.dense({ units: bottleneck, activation: 'relu', kernelInitializer: init(2), name: 'bottleneck' }),
      tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: init(3), name: 'dec_hidden' }),
      tf.layers.dense({ units: d, activation: 'sigmoid', kernelInitializer: init(4), name: 'reconstruction' }),
    ],
  });
  const fit = await fitQuestionModel(model, trainX, nTrain, valX, nVal, o);
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
