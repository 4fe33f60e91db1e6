import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AdamF32 } from '../../src/model/adam-f32.js';
import { selectBackend } from '../../src/model/backend.js';
import { autoencoderGradients, isTrainableAutoencoder, weightTensors } from '../../src/model/dense-gradients.js';
import { createRng } from '../../src/model/rng.js';

/** An autoencoder of the shape both stages train: w -> 32 -> 8 -> 32 -> t. */
function autoencoder(w: number, t: number, seed: number, last = 'sigmoid'): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 16 + k });
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [w], units: 32, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ units: t, activation: last as 'sigmoid', kernelInitializer: init(4) }),
    ],
  });
}

function batch(m: number, w: number, seed: number): { x: Float32Array; weight: Float32Array } {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: m * w }, () => (rng() < 0.5 ? 0 : rng() < 0.5 ? 1 : rng()));
  const weight = Float32Array.from({ length: m }, () => Math.sqrt(1 + Math.floor(rng() * 1000)));
  return { x, weight };
}

const bits = (arrays: readonly Float32Array[]) => arrays.map((a) => Array.from(new Uint32Array(Float32Array.from(a).buffer)));

/**
 * `steps` steps of the header stage's loss, sum(mean((pred - tgt)^2, 1) * ws) / sum(ws), once by
 * optimizer.minimize over the model (what the header stage ran before) and once by
 * autoencoderGradients and AdamF32; returns both sets of final weights.
 */
function bothWays(w: number, t: number, m: number, steps: number) {
  const ref = autoencoder(w, t, 7);
  const vars = ref.trainableWeights.map((v) => v.read() as tf.Variable);
  const optimizer = tf.train.adam(0.005);
  const ours = autoencoder(w, t, 7);
  const shapes = ours.getWeights().map((x) => x.shape);
  const weights = ours.getWeights().map((x) => Float32Array.from(x.dataSync()));
  const grads = weights.map((a) => new Float32Array(a.length));
  const adam = new AdamF32(weights.map((a) => a.length), 0.005);
  for (let s = 0; s < steps; s++) {
    const b = batch(m, w, 100 + s);
    tf.tidy(() => {
      const xs = tf.tensor2d(b.x, [m, w]);
      const ws = tf.tensor1d(b.weight);
      const tgt = t === w ? xs : xs.slice([0, 0], [m, t]);
      optimizer.minimize(() => {
        const pred = ref.apply(xs, { training: true }) as tf.Tensor2D;
        return tf.div(tf.sum(tf.mul(tf.mean(tf.square(tf.sub(pred, tgt)), 1), ws)), tf.sum(ws)) as tf.Scalar;
      }, false, vars);
      const current = weightTensors(weights, shapes);
      const r = autoencoderGradients(xs, tgt, current, (d) => tf.mul<tf.Tensor2D>(tf.reshape(tf.div(tf.mul(tf.div(1, tf.sum(ws)), ws), t), [m, 1]), tf.mul(d, 2)));
      r.grads.forEach((g, k) => grads[k]!.set(g.dataSync() as Float32Array));
      adam.step(weights, grads);
    });
  }
  const want = ref.getWeights().map((x) => x.dataSync() as Float32Array);
  optimizer.dispose();
  return { want, got: weights };
}

describe.each(['cpu', 'wasm'] as const)('autoencoderGradients with AdamF32 on the %s backend', (backend) => {
  it('moves the weights bit for bit as optimizer.minimize does, targets narrower than the inputs', async () => {
    await selectBackend(backend);
    // The header stage's default encoding: 52 inputs, 48 targets; a short batch of 37 rows.
    const { want, got } = bothWays(52, 48, 37, 6);
    expect(bits(got)).toEqual(bits(want));
  });

  it('moves the weights bit for bit as optimizer.minimize does with targets past one block of 48', async () => {
    await selectBackend(backend);
    // 60 targets: the wasm matMul loop sums the last layer's products in two blocks (48 and 12).
    const { want, got } = bothWays(64, 60, 64, 4);
    expect(bits(got)).toEqual(bits(want));
  });
});

describe('isTrainableAutoencoder', () => {
  it('takes the four-layer relu/sigmoid autoencoder and refuses other shapes', async () => {
    await selectBackend('cpu');
    expect(isTrainableAutoencoder(autoencoder(52, 48, 1))).toBe(true);
    expect(isTrainableAutoencoder(autoencoder(52, 48, 1, 'linear'))).toBe(false);
    const three = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu' }), tf.layers.dense({ units: 4, activation: 'sigmoid' })] });
    expect(isTrainableAutoencoder(three)).toBe(false);
  });
});
