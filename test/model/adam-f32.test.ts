import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/model/backend.js';
import { AdamF32 } from '../../src/model/adam-f32.js';
import { createRng } from '../../src/model/rng.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** Random float32 values over several orders of magnitude, both signs, and some exact zeros. */
function randomValues(n: number, rng: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng() < 0.05 ? 0 : (rng() - 0.5) * 10 ** Math.floor(rng() * 8 - 6);
  return a;
}

describe('AdamF32', () => {
  it('moves weights bit for bit as tfjs AdamOptimizer.applyGradients does, step after step', () => {
    const rng = createRng(11);
    const sizes = [42 * 32, 32, 7];
    const ours = sizes.map((n) => randomValues(n, rng));
    // Copies: the cpu backend keeps the array a tensor is made of, which AdamF32 changes in place.
    const vars = ours.map((a, i) => tf.variable(tf.tensor1d(a.slice()), true, `adam_f32_test_${i}`));
    const theirs = tf.train.adam(0.005);
    const adam = new AdamF32(sizes, 0.005);
    for (let step = 0; step < 25; step++) {
      const g = sizes.map((n) => randomValues(n, rng));
      adam.step(ours, g);
      const named = vars.map((v, i) => ({ name: v.name, tensor: tf.tensor1d(g[i]!) }));
      theirs.applyGradients(named);
      tf.dispose(named.map((t) => t.tensor));
    }
    vars.forEach((v, i) => {
      const want = v.dataSync() as Float32Array;
      // Bit patterns, so a rounding difference anywhere shows (and -0 is told from 0).
      expect(new Uint32Array(ours[i]!.buffer)).toEqual(new Uint32Array(Float32Array.from(want).buffer));
    });
    theirs.dispose();
    tf.dispose(vars);
  });
});
