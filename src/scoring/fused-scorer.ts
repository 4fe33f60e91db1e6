import { FIRST_BYTES, HEAD_BYTES, type SampleBatch } from '../flow/sample.js';
import { encodeRow, featureWidth, targetWidth, type FeatureSpec } from '../features/encode.js';
import type { TrainingSet } from '../model/train.js';
import { byteErrors, rowLoss } from '../model/loss.js';
import type { DenseWeights, ModelMeta, ModelWeights } from '../model/model-weights.js';
import type { BatchScorer } from './batch-scorer.js';
import { ScoreCache } from './fused-cache.js';

const ACT_LINEAR = 0;
const ACT_RELU = 1;
const ACT_SIGMOID = 2;
const ACT_TANH = 3;

function actCode(a: DenseWeights['activation']): number {
  return a === 'relu' ? ACT_RELU : a === 'sigmoid' ? ACT_SIGMOID : a === 'tanh' ? ACT_TANH : ACT_LINEAR;
}

export interface FusedScorerOptions {
  /** Entries in the score cache (power of two); 0 disables it. */
  readonly cacheSize?: number;
  /**
   * The loss an alert of the autoencoder alone needs in the hybrid (the
   * model directory's fusion.json); absent: the model threshold, so the
   * hybrid is the union of both detectors.
   */
  readonly aeOnlyThreshold?: number;
}

/**
 * Forward pass of the autoencoder in plain JS over Float32Array weights.
 * tfjs costs tens of microseconds per call, which dominates a model this
 * small; this pass does the same arithmetic (in float64, so it agrees with
 * tfjs's float32 to ~1e-6) with preallocated buffers and no per-sample
 * allocation. Inputs are mostly zero (bit encoding, ReLU outputs), so each
 * layer accumulates only the kernel rows of non-zero inputs.
 *
 * With the ID masked, identical inputs recur constantly in real DNS, so a
 * bounded cache keyed by the model's input returns repeated scores directly.
 */
export class FusedScorer implements BatchScorer {
  readonly spec: FeatureSpec;
  /** Calibrated loss threshold: a sample alerts when its loss exceeds it. */
  readonly globalThreshold: number;
  /** Hybrid: the loss a message the structure checks pass needs to alert (>= globalThreshold). */
  readonly globalAeOnlyThreshold: number;
  readonly modelId: string;
  readonly cache: ScoreCache | undefined;
  private readonly layers: readonly DenseWeights[];
  private readonly acts: Int32Array;
  private readonly bufs: Float32Array[];
  private readonly x: Float32Array;
  private readonly targets: number;
  private readonly perByte = new Float32Array(FIRST_BYTES);
  /** spec.lengthInput, read per sample for the cache key. */
  private readonly lengthInput: boolean;

  private constructor(meta: Pick<ModelMeta, 'spec' | 'threshold' | 'modelId'>, layers: readonly DenseWeights[], opts: FusedScorerOptions) {
    this.spec = meta.spec;
    this.globalThreshold = meta.threshold;
    // Never below the model threshold: an edited dnsae.json threshold above the record's applies to both.
    this.globalAeOnlyThreshold = Math.max(opts.aeOnlyThreshold ?? meta.threshold, meta.threshold);
    this.modelId = meta.modelId;
    this.layers = layers;
    this.acts = Int32Array.from(layers, (l) => actCode(l.activation));
    this.bufs = layers.map((l) => new Float32Array(l.outDim));
    this.x = new Float32Array(featureWidth(meta.spec));
    this.targets = targetWidth(meta.spec);
    this.lengthInput = meta.spec.lengthInput;
    const size = opts.cacheSize ?? 1 << 14;
    // A random ID would make every key unique: the cache only pays when masked.
    this.cache = size > 0 && meta.spec.maskId ? new ScoreCache(size) : undefined;
  }

  /** Accepts ModelWeights or a LoadedModel, or just the parts it needs (e.g. fresh from training). */
  static fromModel(
    loaded: { readonly meta: Pick<ModelMeta, 'spec' | 'threshold' | 'modelId'>; readonly layers: ModelWeights['layers'] },
    opts: FusedScorerOptions = {},
  ): FusedScorer {
    return new FusedScorer(loaded.meta, loaded.layers, opts);
  }

  /** One threshold for all groups: the model is conditioned on transport/direction (docs/model.md). */
  threshold(_transport: 0 | 1, _direction: 0 | 1): number {
    return this.globalThreshold;
  }

  /** The hybrid's threshold for an alert of the autoencoder alone; one for all groups, like threshold(). */
  aeOnlyThreshold(_transport: 0 | 1, _direction: 0 | 1): number {
    return this.globalAeOnlyThreshold;
  }

  /**
   * Writes the loss of each of the batch's samples to `losses[i]` and, if
   * given, the per-byte squared error to `perByteError[i*8 .. i*8+7]`.
   */
  score(batch: SampleBatch, losses: Float32Array, perByteError?: Float32Array): void {
    const n = batch.count;
    const head = batch.head;
    const headLen = batch.headLen;
    const transport = batch.transport;
    const direction = batch.direction;
    const payloadLength = batch.payloadLength;
    for (let i = 0; i < n; i++) {
      losses[i] = this.scoreOne(head, i * HEAD_BYTES, headLen[i]!, transport[i] as 0 | 1, direction[i]!, payloadLength[i]!, perByteError, i * FIRST_BYTES);
    }
  }

  rowPerByteError(batch: SampleBatch, row: number, out: Float32Array, off: number): void {
    this.scoreOne(
      batch.head,
      row * HEAD_BYTES,
      batch.headLen[row]!,
      batch.transport[row] as 0 | 1,
      batch.direction[row]!,
      batch.payloadLength[row]!,
      out,
      off,
    );
  }

  /** Same as score() over a TrainingSet (evaluation and calibration tools). */
  scoreSet(set: TrainingSet, losses: Float32Array, perByteError?: Float32Array): void {
    for (let i = 0; i < set.count; i++) {
      losses[i] = this.scoreOne(set.head, i * HEAD_BYTES, set.headLen[i]!, set.transport[i] ? 1 : 0, set.direction[i]!, set.payloadLength[i]!, perByteError, i * FIRST_BYTES);
    }
  }

  scoreOne(
    head: Uint8Array,
    off: number,
    headLen: number,
    transport: 0 | 1,
    direction: number,
    payloadLength: number,
    perByteError: Float32Array | undefined,
    pbOff: number,
  ): number {
    const cache = this.cache;
    let slot = -1;
    if (cache !== undefined) {
      const n = headLen < FIRST_BYTES ? headLen : FIRST_BYTES;
      const k0 = ((head[off + 2]! << 24) | (head[off + 3]! << 16) | (head[off + 4]! << 8) | head[off + 5]!) >>> 0;
      const k1 = ((head[off + 6]! << 8) | head[off + 7]! | (transport << 16) | ((direction ? 1 : 0) << 17) | (n << 18)) >>> 0;
      const k2 = this.lengthInput ? payloadLength >>> 0 : 0;
      slot = cache.find(k0, k1, k2);
      if (slot >= 0) {
        if (perByteError !== undefined) cache.readPerByte(slot, perByteError, pbOff);
        return cache.loss[slot]!;
      }
      slot = cache.claim(k0, k1, k2);
    }
    const loss = this.forward(head, off, headLen, transport, direction, payloadLength);
    if (perByteError !== undefined || slot >= 0) {
      byteErrors(this.bufs[this.bufs.length - 1]!, 0, this.x, 0, this.spec, this.perByte);
      if (perByteError !== undefined) for (let k = 0; k < FIRST_BYTES; k++) perByteError[pbOff + k] = this.perByte[k]!;
    }
    if (cache !== undefined && slot >= 0) cache.store(slot, loss, this.perByte);
    return loss;
  }

  private forward(head: Uint8Array, off: number, headLen: number, transport: 0 | 1, direction: number, payloadLength: number): number {
    const x = this.x;
    encodeRow(head, off, headLen, transport, direction, payloadLength, this.spec, x, 0);
    let input: Float32Array = x;
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l]!;
      const out = this.bufs[l]!;
      const outDim = layer.outDim;
      const kernel = layer.kernel;
      const bias = layer.bias;
      for (let o = 0; o < outDim; o++) out[o] = bias[o]!;
      for (let j = 0; j < layer.inDim; j++) {
        const v = input[j]!;
        if (v === 0) continue;
        const row = j * outDim;
        for (let o = 0; o < outDim; o++) out[o]! += v * kernel[row + o]!;
      }
      const act = this.acts[l]!;
      if (act === ACT_RELU) {
        for (let o = 0; o < outDim; o++) if (out[o]! < 0) out[o] = 0;
      } else if (act === ACT_SIGMOID) {
        for (let o = 0; o < outDim; o++) out[o] = 1 / (1 + Math.exp(-out[o]!));
      } else if (act === ACT_TANH) {
        for (let o = 0; o < outDim; o++) out[o] = Math.tanh(out[o]!);
      }
      input = out;
    }
    return rowLoss(input, 0, x, 0, this.targets);
  }
}
