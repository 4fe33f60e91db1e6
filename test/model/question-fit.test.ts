import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { QUESTION_FEATURE_COUNT } from '../../src/features/question/question-features.js';
import { selectBackend } from '../../src/model/backend.js';
import { createQuestionAutoencoder, fitQuestionModel } from '../../src/model/question/question-fit.js';
import { createRng, shuffleInPlace } from '../../src/model/rng.js';

const d = QUESTION_FEATURE_COUNT;

/** Windows-like rows in [0, 1]: a few shared shapes plus noise, so the loss falls over epochs. */
function rows(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const base = Array.from({ length: 4 }, () => Float32Array.from({ length: d }, () => rng()));
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const b = base[i % 4]!;
    for (let j = 0; j < d; j++) x[i * d + j] = Math.min(1, Math.max(0, b[j]! + (rng() - 0.5) * 0.1));
  }
  return x;
}

/**
 * The loop the question stage ran before: tfjs fit() one epoch at a time on
 * the rows in the same seeded order, validating on the held-out rows,
 * keeping the best weights. fitQuestionModel must train the same model.
 */
async function fitReference(model: tf.Sequential, trainX: Float32Array, nTrain: number, valX: Float32Array, nVal: number, epochs: number, batchSize: number, seed: number) {
  model.compile({ optimizer: tf.train.adam(0.005), loss: 'meanSquaredError' });
  const epochRng = createRng(seed ^ 0x5eed);
  const perm = new Uint32Array(nTrain);
  for (let i = 0; i < nTrain; i++) perm[i] = i;
  const epochX = new Float32Array(nTrain * d);
  const xv = tf.tensor2d(valX, [nVal, d]);
  const valLosses: number[] = [];
  let best = Infinity;
  let bestWeights: tf.Tensor[] | undefined;
  for (let e = 0; e < epochs; e++) {
    shuffleInPlace(perm, epochRng);
    for (let i = 0; i < nTrain; i++) epochX.set(trainX.subarray(perm[i]! * d, perm[i]! * d + d), i * d);
    const xt = tf.tensor2d(epochX, [nTrain, d]);
    const h = await model.fit(xt, xt, { epochs: 1, batchSize, shuffle: false, verbose: 0, validationData: [xv, xv] });
    xt.dispose();
    const v = h.history.val_loss![0] as number;
    valLosses.push(v);
    if (v < best - 1e-7) {
      best = v;
      bestWeights?.forEach((t) => t.dispose());
      bestWeights = model.getWeights().map((t) => t.clone());
    }
  }
  model.setWeights(bestWeights!);
  bestWeights!.forEach((t) => t.dispose());
  xv.dispose();
  return valLosses;
}

const bits = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));

describe.each(['cpu', 'wasm'] as const)('fitQuestionModel on the %s backend', (backend) => {
  it('trains, bit for bit, the model tfjs fit() trains: every held-out loss and every final weight', async () => {
    await selectBackend(backend);
    // 300 training rows in batches of 64: the last batch of each epoch is short (44 rows).
    const nTrain = 300;
    const nVal = 100;
    const x = rows(nTrain + nVal, 9);
    const trainX = x.subarray(0, nTrain * d);
    const valX = x.subarray(nTrain * d);
    const epochs = 5;
    const a = createQuestionAutoencoder(3, 32, 8);
    const seen: number[] = [];
    const r = await fitQuestionModel(a, trainX, nTrain, valX, nVal, { seed: 3, epochs, batchSize: 64, patience: 100, learningRate: 0.005, onProgress: (p) => seen.push(p.valLoss) });
    const b = createQuestionAutoencoder(3, 32, 8);
    const want = await fitReference(b, trainX, nTrain, valX, nVal, epochs, 64, 3);
    expect(r.epochs).toBe(epochs);
    expect(seen).toEqual(want);
    expect(want[epochs - 1]!).toBeLessThan(want[0]!);
    expect(bits(a)).toEqual(bits(b));
    a.dispose();
    b.dispose();
  });
});

describe('fitQuestionModel early stopping', () => {
  it('stops after `patience` epochs without a better held-out loss and keeps the best weights', async () => {
    await selectBackend('cpu');
    const nTrain = 200;
    const nVal = 50;
    const x = rows(nTrain + nVal, 4);
    const m = createQuestionAutoencoder(1, 32, 8);
    const seen: number[] = [];
    // A learning rate this large overshoots: the held-out loss stops improving within a few epochs.
    const r = await fitQuestionModel(m, x.subarray(0, nTrain * d), nTrain, x.subarray(nTrain * d), nVal, { seed: 1, epochs: 200, batchSize: 32, patience: 2, learningRate: 0.5, onProgress: (p) => seen.push(p.valLoss) });
    expect(r.epochs).toBe(seen.length);
    expect(r.epochs).toBeLessThan(200);
    const bestAt = seen.indexOf(Math.min(...seen));
    expect(r.valLoss).toBe(seen[bestAt]);
    expect(r.epochs).toBe(bestAt + 1 + 2);
    m.dispose();
  });
});
