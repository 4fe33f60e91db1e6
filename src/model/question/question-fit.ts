import * as tf from '@tensorflow/tfjs';
import { QUESTION_FEATURE_COUNT } from '../../features/question/question-features.js';
import { createRng, shuffleInPlace } from '../rng.js';
import { AdamF32 } from '../adam-f32.js';
import { autoencoderGradients, weightTensors } from '../dense-gradients.js';

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

export interface QuestionFitOptions {
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly patience: number;
  readonly learningRate: number;
  readonly onProgress?: (p: { epoch: number; maxEpochs: number; loss: number; valLoss: number }) => void;
}

export interface QuestionFitResult {
  readonly epochs: number;
  readonly valLoss: number;
  readonly perEpoch: number;
}

const f = Math.fround;

/**
 * The question autoencoder, d-hidden-bottleneck-hidden-d (relu, sigmoid
 * output), its kernels drawn by seeded Glorot initializers and its biases
 * zero. fitQuestionModel's gradients are written for exactly this shape.
 */
export function createQuestionAutoencoder(seed: number, hidden: number, bottleneck: number): tf.Sequential {
  const d = QUESTION_FEATURE_COUNT;
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 16 + k });
  return tf.sequential({
    name: 'dnsae_question_autoencoder',
    layers: [
      tf.layers.dense({ inputShape: [d], units: hidden, activation: 'relu', kernelInitializer: init(1), name: 'enc_hidden' }),
      tf.layers.dense({ units: bottleneck, activation: 'relu', kernelInitializer: init(2), name: 'bottleneck' }),
      tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: init(3), name: 'dec_hidden' }),
      tf.layers.dense({ units: d, activation: 'sigmoid', kernelInitializer: init(4), name: 'reconstruction' }),
    ],
  });
}

/**
 * One batch's gradients and, when asked, its loss. The loss fit() minimizes
 * here is mean(mean(mul(d, d), -1)) with d = output - input; its ops'
 * gradients give every element of d the same float32 step 1/n/42, which
 * mul(d, d) contributes twice (added).
 */
function batchGradients(x: tf.Tensor2D, n: number, w: readonly tf.Tensor[], withLoss: boolean): { grads: tf.Tensor[]; loss?: tf.Scalar } {
  return tf.tidy(() => {
    const step = tf.scalar(f(f(1 / n) / QUESTION_FEATURE_COUNT));
    const { grads, diff } = autoencoderGradients(x, x, w, (d) => {
      const half = tf.mul<tf.Tensor2D>(step, d);
      return tf.add<tf.Tensor2D>(half, half);
    });
    return withLoss ? { grads, loss: tf.mean(tf.mean(tf.mul(diff, diff), -1)) as tf.Scalar } : { grads };
  });
}

/** A batch's mean loss as fit()'s validation computes it (fused Dense layers, no gradient). */
function batchLoss(x: tf.Tensor2D, w: readonly tf.Tensor[]): number {
  const t = tf.tidy(() => {
    const [w1, b1, w2, b2, w3, b3, w4, b4] = w as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    let h = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
    h = tf.fused.matMul({ a: h, b: w2, bias: b2, activation: 'relu' });
    h = tf.fused.matMul({ a: h, b: w3, bias: b3, activation: 'relu' });
    const out = tf.sigmoid(tf.add(tf.fused.matMul({ a: h, b: w4 }), b4));
    const diff = tf.sub(out, x);
    return tf.mean(tf.mean(tf.mul(diff, diff), -1));
  });
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

/**
 * The training loop of the question autoencoder (42-32-8-32-42, relu,
 * sigmoid output, MSE, Adam): the one tfjs fit() ran one epoch at a time,
 * computed as fit() computes it. Rows go in a seeded order (fit's own
 * shuffle draws on Math.random); an epoch is every training window in a
 * fresh order while there are at most QUESTION_WINDOWS_PER_EPOCH of them,
 * else the next that many of a seeded permutation; the held-out loss of the
 * first QUESTION_WINDOWS_PER_EPOCH held-out windows, in batches summed as
 * fit()'s validation sums them, decides early stopping, and the best
 * weights are written back into `model` (whose format is unchanged).
 *
 * The gradients are tfjs kernels (autoencoderGradients), the Adam step is
 * float32 arithmetic in JS that matches tfjs's (AdamF32); the weights
 * after every step, the held-out losses and so the model are bit for bit
 * fit()'s: the default model's question stage and the bench capture's
 * are the same model ids. Why not fit(): it gathered every batch out of
 * the epoch's tensor (a fifth of its time), and its tape and per-variable
 * Adam ran 224 kernels a step for a network this small, this loop 45
 * (docs/performance.md, "Training"). Why the same arithmetic and not
 * merely the same algorithm: the detection margins are thin, and a loop of
 * optimizer.minimize over the same batches that did not reproduce fit()'s
 * rounding trained a model that alerted on 5 of 17,815 held-out benign
 * windows and on 1,224 of the bench capture's 258,475 benign windows; this
 * one, fit()'s, on 2 and 0.
 */
export async function fitQuestionModel(
  model: tf.Sequential,
  trainX: Float32Array,
  nTrain: number,
  valX: Float32Array,
  nVal: number,
  o: QuestionFitOptions,
): Promise<QuestionFitResult> {
  const d = QUESTION_FEATURE_COUNT;
  const initial = model.getWeights();
  const shapes = initial.map((t) => t.shape);
  const weights = initial.map((t) => Float32Array.from(t.dataSync()));
  const adam = new AdamF32(weights.map((w) => w.length), o.learningRate);
  const epochRng = createRng(o.seed ^ 0x5eed);
  const perm = new Uint32Array(nTrain);
  for (let i = 0; i < nTrain; i++) perm[i] = i;
  const perEpoch = Math.min(nTrain, QUESTION_WINDOWS_PER_EPOCH);
  const epochX = new Float32Array(perEpoch * d);
  const nCheck = Math.min(nVal, QUESTION_WINDOWS_PER_EPOCH);
  const valBatches: tf.Tensor2D[] = [];
  for (let s = 0; s < nCheck; s += o.batchSize) {
    const n = Math.min(o.batchSize, nCheck - s);
    valBatches.push(tf.tensor2d(valX.subarray(s * d, (s + n) * d), [n, d]));
  }
  let cursor = nTrain;
  let best = Infinity;
  let bestWeights: Float32Array[] | undefined;
  let sinceBest = 0;
  let epochs = 0;
  let w = weightTensors(weights, shapes);
  const grads = weights.map((a) => new Float32Array(a.length));
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
      let lossSum = 0;
      for (let s = 0; s < perEpoch; s += o.batchSize) {
        const n = Math.min(o.batchSize, perEpoch - s);
        const xb = tf.tensor2d(epochX.subarray(s * d, (s + n) * d), [n, d]);
        const r = batchGradients(xb, n, w, o.onProgress !== undefined);
        xb.dispose();
        for (let k = 0; k < grads.length; k++) grads[k]!.set(r.grads[k]!.dataSync() as Float32Array);
        tf.dispose(r.grads);
        if (r.loss !== undefined) {
          lossSum += r.loss.dataSync()[0]! * n;
          r.loss.dispose();
        }
        adam.step(weights, grads);
        tf.dispose(w);
        w = weightTensors(weights, shapes);
      }
      epochs++;
      // fit()'s validation: the sum of n * (a batch's mean loss), then over the count, in float32.
      let total = 0;
      for (const xv of valBatches) total = f(total + f(xv.shape[0] * batchLoss(xv, w)));
      const valLoss = f(total / nCheck);
      o.onProgress?.({ epoch: epochs, maxEpochs: o.epochs, loss: lossSum / perEpoch, valLoss });
      if (valLoss < best - 1e-7) {
        best = valLoss;
        bestWeights = weights.map((a) => a.slice());
        sinceBest = 0;
      } else if (++sinceBest >= o.patience) break;
    }
    const final = weightTensors(bestWeights ?? weights, shapes);
    model.setWeights(final);
    tf.dispose(final);
  } finally {
    tf.dispose(w);
    tf.dispose(valBatches);
  }
  return { epochs, valLoss: best, perEpoch };
}
