import type { DenseWeights } from '../../model/model-weights.js';

const ACT_LINEAR = 0;
const ACT_RELU = 1;
const ACT_SIGMOID = 2;
const ACT_TANH = 3;

/** Windows whose feature vectors are remembered with their loss (direct-mapped, verified against the whole vector). */
const CACHE_BITS = 12;

/**
 * The question autoencoder's forward pass in plain loops over the weights
 * (no tfjs on the scoring path, as for the header stage), one window at a
 * time: windows close one by one. Kernels are kept transposed so each
 * output is a dot product over contiguous inputs.
 *
 * Most windows of a network look alike (one A query and its answer for a
 * well-known name): a small cache keyed by the feature vector's bits
 * returns their loss without the ~2,000 multiply-adds.
 */
export class WindowScorer {
  readonly width: number;
  private readonly kernels: Float64Array[];
  private readonly biases: Float64Array[];
  private readonly acts: Int32Array;
  private readonly dims: Int32Array;
  private readonly bufs: Float64Array[];
  private readonly cacheKeys: Float32Array;
  private readonly cacheLoss: Float64Array;
  private readonly cacheUsed: Uint8Array;
  private readonly bits: Int32Array;
  private readonly view: Float32Array;
  /** The input as Float64s: every layer then reads one array type (a Float32Array first layer made the dot-product loop polymorphic, 3x slower). */
  private readonly input: Float64Array;
  cacheHits = 0;
  cacheMisses = 0;

  constructor(readonly layers: readonly DenseWeights[]) {
    this.width = layers[0]!.inDim;
    this.kernels = layers.map((l) => {
      const t = new Float64Array(l.inDim * l.outDim);
      for (let i = 0; i < l.inDim; i++) for (let j = 0; j < l.outDim; j++) t[j * l.inDim + i] = l.kernel[i * l.outDim + j]!;
      return t;
    });
    this.biases = layers.map((l) => Float64Array.from(l.bias));
    this.acts = Int32Array.from(layers, (l) => (l.activation === 'relu' ? ACT_RELU : l.activation === 'sigmoid' ? ACT_SIGMOID : l.activation === 'tanh' ? ACT_TANH : ACT_LINEAR));
    this.dims = Int32Array.from(layers.flatMap((l) => [l.inDim, l.outDim]));
    this.bufs = layers.map((l) => new Float64Array(l.outDim));
    const entries = 1 << CACHE_BITS;
    this.cacheKeys = new Float32Array(entries * this.width);
    this.cacheLoss = new Float64Array(entries);
    this.cacheUsed = new Uint8Array(entries);
    this.view = new Float32Array(this.width);
    this.input = new Float64Array(this.width);
    this.bits = new Int32Array(this.view.buffer);
  }

  /** Mean squared reconstruction error of x[off .. off+width), from the cache when the same vector was scored before. */
  loss(x: Float32Array, off: number): number {
    const w = this.width;
    const v = this.view;
    for (let j = 0; j < w; j++) v[j] = x[off + j]!;
    const bits = this.bits;
    let h = 0x811c9dc5;
    for (let j = 0; j < w; j++) h = Math.imul(h ^ bits[j]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & ((1 << CACHE_BITS) - 1);
    const keys = this.cacheKeys;
    const base = slot * w;
    if (this.cacheUsed[slot] === 1) {
      let same = true;
      for (let j = 0; j < w; j++) {
        if (keys[base + j] !== v[j]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.cacheHits++;
        return this.cacheLoss[slot]!;
      }
    }
    this.cacheMisses++;
    const loss = this.forward(v, undefined);
    for (let j = 0; j < w; j++) keys[base + j] = v[j]!;
    this.cacheLoss[slot] = loss;
    this.cacheUsed[slot] = 1;
    return loss;
  }

  /** The loss without the cache: for a caller that keeps its own (the question lane's, keyed by the features' eight-bit steps). */
  lossUncached(x: Float32Array, off: number): number {
    const v = this.view;
    for (let j = 0; j < this.width; j++) v[j] = x[off + j]!;
    return this.forward(v, undefined);
  }

  /** The loss, and each feature's squared error into perFeature[0 .. width): for the windows that become records. */
  lossPerFeature(x: Float32Array, off: number, perFeature: Float32Array): number {
    const v = this.view;
    for (let j = 0; j < this.width; j++) v[j] = x[off + j]!;
    return this.forward(v, perFeature);
  }

  private forward(x: Float32Array, perFeature: Float32Array | undefined): number {
    const n = this.kernels.length;
    const x64 = this.input;
    for (let j = 0; j < this.width; j++) x64[j] = x[j]!;
    let input = x64;
    for (let li = 0; li < n; li++) {
      const inDim = this.dims[li * 2]!;
      const outDim = this.dims[li * 2 + 1]!;
      const k = this.kernels[li]!;
      const bias = this.biases[li]!;
      const out = this.bufs[li]!;
      const act = this.acts[li]!;
      for (let j = 0; j < outDim; j++) {
        let sum = bias[j]!;
        const r = j * inDim;
        for (let i = 0; i < inDim; i++) sum += k[r + i]! * input[i]!;
        out[j] = act === ACT_RELU ? (sum > 0 ? sum : 0) : act === ACT_SIGMOID ? 1 / (1 + Math.exp(-sum)) : act === ACT_TANH ? Math.tanh(sum) : sum;
      }
      input = out;
    }
    const w = this.width;
    let total = 0;
    for (let j = 0; j < w; j++) {
      const d = input[j]! - x64[j]!;
      const e = d * d;
      if (perFeature !== undefined) perFeature[j] = e;
      total += e;
    }
    return total / w;
  }
}
