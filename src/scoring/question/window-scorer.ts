import type { DenseWeights } from '../../model/model-weights.js';

/**
 * The question autoencoder's forward pass in plain loops over the weights
 * (no tfjs on the scoring path, as for the header stage): one window at a
 * time, since windows close one by one and a few hundred thousand of them
 * cost less than a tensor per batch would. Scratch arrays are made once.
 */
export class WindowScorer {
  private readonly bufs: Float32Array[];
  readonly width: number;

  constructor(private readonly layers: readonly DenseWeights[]) {
    this.width = layers[0]!.inDim;
    this.bufs = layers.map((l) => new Float32Array(l.outDim));
  }

  /**
   * Mean squared reconstruction error of x[off .. off+width); each feature's
   * squared error into perFeature[pOff ..] when given.
   */
  loss(x: Float32Array, off: number, perFeature?: Float32Array, pOff = 0): number {
    const layers = this.layers;
    let input = x;
    let inOff = off;
    for (let li = 0; li < layers.length; li++) {
      const l = layers[li]!;
      const out = this.bufs[li]!;
      const inDim = l.inDim;
      const outDim = l.outDim;
      const k = l.kernel;
      out.set(l.bias);
      for (let i = 0; i < inDim; i++) {
        const v = input[inOff + i]!;
        if (v === 0) continue;
        const row = i * outDim;
        for (let j = 0; j < outDim; j++) out[j]! += v * k[row + j]!;
      }
      const act = l.activation;
      if (act === 'relu') for (let j = 0; j < outDim; j++) out[j] = out[j]! > 0 ? out[j]! : 0;
      else if (act === 'sigmoid') for (let j = 0; j < outDim; j++) out[j] = 1 / (1 + Math.exp(-out[j]!));
      else if (act === 'tanh') for (let j = 0; j < outDim; j++) out[j] = Math.tanh(out[j]!);
      input = out;
      inOff = 0;
    }
    const w = this.width;
    let sum = 0;
    for (let j = 0; j < w; j++) {
      const d = input[j]! - x[off + j]!;
      const e = d * d;
      if (perFeature !== undefined) perFeature[pOff + j] = e;
      sum += e;
    }
    return sum / w;
  }
}
