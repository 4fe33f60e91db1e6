import * as tf from '@tensorflow/tfjs';

/** The wasm backend's plain matMul loop sums the shared dimension in blocks of this many. */
const WASM_MATMUL_BLOCK = 48;

/**
 * g times the transpose of w, as matMul(g, w, false, true) computes it. On
 * the wasm backend that call takes a plain blocked loop, 5x slower here than
 * its XNNPACK path, which takes only untransposed operands. Where the shared
 * dimension fits in one block of that loop, both sum the products in order
 * from zero (the same float32 results on every case tried and the same
 * models), so w is transposed first; beyond, the blocks' partial sums round
 * differently and the call stays as the tape makes it.
 */
function byTransposed(g: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return w.shape[1] <= WASM_MATMUL_BLOCK ? tf.matMul(g, tf.transpose(w)) : tf.matMul(g, w, false, true);
}

/**
 * Gradients of a dense autoencoder of four layers (relu, relu, relu,
 * sigmoid), the shape both stages train (buildAutoencoder,
 * createQuestionAutoencoder), computed by the very kernels, inputs and
 * order that tfjs's tape runs for them (tfjs 4.x): under a gradient a
 * Dense layer with relu is matMul, add(bias), relu, and the sigmoid layer a
 * fused matMul without bias, add(bias), sigmoid. Backward, each op's
 * registered gradient: sigmoid y(1 - y), relu a step of its input, add a
 * sum over the batch for the bias, matMul the two transposed products.
 * Same kernels on the same inputs give the same float32 results, so a loop
 * of these and AdamF32 trains the model optimizer.minimize (and fit())
 * trains, without the tape's bookkeeping: 45 kernels a step with the loss
 * (tf.profile) instead of 211 for optimizer.minimize and 224 for fit().
 *
 * `w`: kernel then bias per layer, the order of the model's trainable
 * weights. `diffGradient(diff)`: the loss's gradient with respect to
 * diff = output - target, as the loss's own ops' gradients compute it.
 * Call inside tf.tidy.
 */
export function autoencoderGradients(
  x: tf.Tensor2D,
  target: tf.Tensor2D,
  w: readonly tf.Tensor[],
  diffGradient: (diff: tf.Tensor2D) => tf.Tensor2D,
): { grads: tf.Tensor[]; diff: tf.Tensor2D } {
  const [w1, b1, w2, b2, w3, b3, w4, b4] = w as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
  const a1 = tf.add<tf.Tensor2D>(tf.matMul(x, w1), b1);
  const h1 = tf.relu(a1);
  const a2 = tf.add<tf.Tensor2D>(tf.matMul(h1, w2), b2);
  const h2 = tf.relu(a2);
  const a3 = tf.add<tf.Tensor2D>(tf.matMul(h2, w3), b3);
  const h3 = tf.relu(a3);
  const out = tf.sigmoid(tf.add<tf.Tensor2D>(tf.fused.matMul({ a: h3, b: w4 }), b4));
  const diff = tf.sub<tf.Tensor2D>(out, target);
  const gOut = tf.mul<tf.Tensor2D>(diffGradient(diff), tf.mul(out, tf.sub(1, out)));
  const dh3 = byTransposed(gOut, w4);
  const g3 = tf.mul<tf.Tensor2D>(dh3, tf.step(a3));
  const dh2 = byTransposed(g3, w3);
  const g2 = tf.mul<tf.Tensor2D>(dh2, tf.step(a2));
  const dh1 = byTransposed(g2, w2);
  const g1 = tf.mul<tf.Tensor2D>(dh1, tf.step(a1));
  const grads = [
    tf.matMul(x, g1, true, false),
    tf.sum(g1, 0),
    tf.matMul(h1, g2, true, false),
    tf.sum(g2, 0),
    tf.matMul(h2, g3, true, false),
    tf.sum(g3, 0),
    tf.matMul(h3, gOut, true, false),
    tf.sum(gOut, 0),
  ];
  return { grads, diff };
}

/** Whether `model` is the four-layer shape autoencoderGradients is written for. */
export function isTrainableAutoencoder(model: tf.LayersModel): boolean {
  const acts = model.layers.map((l) => (l.getConfig() as { activation?: string }).activation);
  return (
    model.layers.length === 4 &&
    model.layers.every((l) => l.getClassName() === 'Dense' && (l.getConfig() as { useBias?: boolean }).useBias !== false) &&
    acts.join() === 'relu,relu,relu,sigmoid' &&
    model.trainableWeights.length === 8
  );
}

/**
 * The weights as tensors, kernel then bias per layer: the order of the
 * model's trainable weights, which is the order of its getWeights(). Of
 * copies: the cpu backend keeps the array it is given, which the next
 * Adam step changes in place.
 */
export function weightTensors(w: readonly Float32Array[], shapes: readonly (readonly number[])[]): tf.Tensor[] {
  return w.map((a, i) => tf.tensor(a.slice(), shapes[i] as number[], 'float32'));
}
