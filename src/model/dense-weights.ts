import type * as tf from '@tensorflow/tfjs';
import type { Activation, DenseWeights } from './model-dir.js';

/** Reads the dense layers of an in-memory tfjs model (e.g. fresh from training). */
export function denseWeightsOf(model: tf.LayersModel): DenseWeights[] {
  return model.layers.map((layer) => {
    const cfg = layer.getConfig() as { activation?: string; name?: string };
    const [k, b] = layer.getWeights();
    if (k === undefined || k.shape.length !== 2) throw new Error(`layer ${String(cfg.name)} is not a dense layer`);
    const [inDim, outDim] = k.shape as [number, number];
    return {
      inDim,
      outDim,
      kernel: Float32Array.from(k.dataSync()),
      bias: b === undefined ? new Float32Array(outDim) : Float32Array.from(b.dataSync()),
      activation: (cfg.activation ?? 'linear') as Activation,
    };
  });
}
