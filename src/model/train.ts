import * as tf from '@tensorflow/tfjs';
import { HEAD_BYTES } from '../flow/sample.js';
import { ModelError } from '../errors.js';
import { encodeRow, featureWidth, targetWidth, type FeatureSpec } from '../features/encode.js';
import { AdamF32 } from './adam-f32.js';
import { buildAutoencoder, DEFAULT_ARCH, type ArchSpec } from './autoencoder.js';
import { autoencoderGradients, isTrainableAutoencoder, weightTensors } from './dense-gradients.js';
import { byteErrors, rowLoss } from './loss.js';

export { byteErrors } from './loss.js';
import { createRng, shuffleInPlace } from './rng.js';
import { rowKey } from './row-key.js';
import { summarizeRows, type TrainingRows } from './training-rows.js';

/** Benign samples in struct-of-arrays form, as extracted from captures. */
export interface TrainingSet {
  readonly count: number;
  /** HEAD_BYTES (12) per sample. */
  readonly head: Uint8Array;
  readonly headLen: Uint8Array;
  readonly payloadLength: Int32Array;
  /** 0 udp, 1 tcp. */
  readonly transport: Uint8Array;
  /** 0 to_server, 1 to_client. */
  readonly direction: Uint8Array;
}

/**
 * How repeated rows (identical once the ID is masked) are weighted.
 * 'count': one row per distinct input, weight = occurrences (same objective
 *   as no dedupe, far fewer rows per epoch).
 * 'sqrt': weight = sqrt(occurrences), so rare-but-legal headers count more.
 * 'unique': every distinct input weighs 1.
 * 'none': no dedupe at all.
 */
export type DedupeMode = 'none' | 'count' | 'sqrt' | 'unique';

export interface TrainOptions {
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly validationFraction: number;
  readonly patience: number;
  readonly spec: FeatureSpec;
  readonly arch?: ArchSpec;
  readonly learningRate?: number;
  readonly dedupe?: DedupeMode;
  /** Rows known by their counts, e.g. a base model's training rows. */
  readonly prior?: WeightedSet;
  /** Continue from this model (its spec and arch must be `spec` and `arch`); trained in place. */
  readonly initial?: tf.Sequential;
  readonly onProgress?: (p: EpochProgress) => void;
  /** Once, after the last epoch (early stopping ends before maxEpochs). */
  readonly onEpochsDone?: (p: { epochs: number; maxEpochs: number; bestEpoch: number }) => void;
}

export interface EpochProgress {
  readonly epoch: number;
  readonly maxEpochs: number;
  readonly loss: number;
  readonly valLoss: number;
}

export interface TrainResult {
  readonly model: tf.Sequential;
  readonly spec: FeatureSpec;
  readonly arch: ArchSpec;
  readonly samples: number;
  readonly trainSamples: number;
  readonly validationSamples: number;
  /** Distinct encoded rows in the training part. */
  readonly uniqueSamples: number;
  readonly epochsRun: number;
  readonly bestEpoch: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  /** Per-sample loss on the held-out part (for calibration); empty if none held out. */
  readonly heldOutLosses: Float32Array;
  /** Per-byte mean error on the held-out part (8 values, ID zero if masked). */
  readonly heldOutPerByteError: Float32Array;
  /** The distinct training and held-out samples with their counts, for a later --base. */
  readonly trainingRows: TrainingRows;
  readonly seconds: number;
  readonly backend: string;
}

const MIN_STEPS_PER_EPOCH = 16;

interface Rows {
  /** featureWidth floats per row. */
  readonly x: Float32Array;
  readonly weight: Float32Array;
  readonly count: Uint32Array;
  readonly n: number;
}

/** Samples of one set to encode, each standing for `counts[k]` occurrences (1 when absent). */
export interface RowPart {
  readonly data: TrainingSet;
  readonly idx: Uint32Array;
  readonly counts?: Uint32Array;
}

/** Encodes the listed samples, merging identical rows with their counts. */
export function encodeRows(data: TrainingSet, idx: Uint32Array, spec: FeatureSpec, dedupe: DedupeMode): Rows {
  return encodeRowParts([{ data, idx }], spec, dedupe);
}

/**
 * Encodes several parts into one row set. Rows are kept in order of first
 * occurrence, so the same inputs give the same rows, counts and therefore
 * the same training order. The output grows with the distinct rows, not
 * with the samples (except with dedupe 'none').
 */
export function encodeRowParts(parts: readonly RowPart[], spec: FeatureSpec, dedupe: DedupeMode): Rows {
  const w = featureWidth(spec);
  const tmp = new Float32Array(w);
  let cap = 1024;
  let x = new Float32Array(cap * w);
  let count = new Uint32Array(cap);
  const seen = new Map<string, number>();
  let n = 0;
  for (const { data, idx, counts } of parts) {
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      const c = counts === undefined ? 1 : counts[k]!;
      if (c === 0) continue;
      encodeRow(data.head, i * HEAD_BYTES, data.headLen[i]!, data.transport[i] ? 1 : 0, data.direction[i]!, data.payloadLength[i]!, spec, tmp, 0);
      let at: number | undefined;
      let key = '';
      if (dedupe !== 'none') {
        key = rowKey(tmp, w, spec);
        at = seen.get(key);
      }
      if (at !== undefined) {
        count[at]! += c;
        continue;
      }
      if (n === cap) {
        cap *= 2;
        const nx = new Float32Array(cap * w);
        nx.set(x);
        x = nx;
        const nc = new Uint32Array(cap);
        nc.set(count);
        count = nc;
      }
      if (dedupe !== 'none') seen.set(key, n);
      x.set(tmp, n * w);
      count[n++] = c;
    }
  }
  const weight = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const c = count[r]!;
    weight[r] = dedupe === 'sqrt' ? Math.sqrt(c) : dedupe === 'unique' ? 1 : c;
  }
  return { x: x.subarray(0, n * w), weight, count: count.subarray(0, n), n };
}

/**
 * Runs `fn` over the model's reconstruction of `x`, one tensor per chunk of
 * 8192 rows. predict() is given the chunk as its batch: with its default
 * batch of 32 it slices the input tensor per batch, and the wasm backend
 * reads the whole tensor back for every slice (quadratic in the rows; it
 * was 190 of the 236 s of training on a million samples).
 */
function forEachPrediction(model: tf.LayersModel, x: Float32Array, n: number, spec: FeatureSpec, fn: (pred: Float32Array, first: number, rows: number) => void): void {
  const w = featureWidth(spec);
  const chunk = 8192;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const pred = tf.tidy(() => (model.predict(tf.tensor2d(x.subarray(s * w, (s + m) * w), [m, w]), { batchSize: m }) as tf.Tensor).dataSync() as Float32Array);
    fn(pred, s, m);
  }
}

/** Per-row reconstruction loss through tfjs predict (training-side reference). */
export function predictLosses(model: tf.LayersModel, x: Float32Array, n: number, spec: FeatureSpec): Float32Array {
  const w = featureWidth(spec);
  const t = targetWidth(spec);
  const out = new Float32Array(n);
  forEachPrediction(model, x, n, spec, (pred, s, m) => {
    for (let r = 0; r < m; r++) out[s + r] = rowLoss(pred, r * t, x, (s + r) * w, t);
  });
  return out;
}

function weightedMean(v: Float32Array, wt: Float32Array | Uint32Array): number {
  let s = 0;
  let d = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i]! * wt[i]!;
    d += wt[i]!;
  }
  return d > 0 ? s / d : 0;
}

/** Rows known only by their counts (a base model's training rows): split by count, not by sample. */
export interface WeightedSet {
  readonly data: TrainingSet;
  /** Occurrences of each sample of `data`. */
  readonly counts: Uint32Array;
}

/**
 * Splits each weighted row's count between training and validation in the
 * validation fraction (the remainder by a seeded draw), so a row seen half
 * a million times is on both sides as its samples would have been.
 */
export function splitCounts(counts: Uint32Array, fraction: number, rng: () => number): { train: Uint32Array; val: Uint32Array } {
  const train = new Uint32Array(counts.length);
  const val = new Uint32Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    const exact = c * fraction;
    let v = Math.floor(exact);
    if (rng() < exact - v) v++;
    val[i] = v;
    train[i] = c - v;
  }
  return { train, val };
}

const all = (n: number): Uint32Array => {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
};

/**
 * Trains the autoencoder on benign samples with a seeded split, seeded batch
 * order and early stopping on held-out loss (best weights restored).
 * `opts.initial` continues from a trained model instead of a fresh one
 * (site adaptation); `opts.prior` adds rows known by their counts.
 */
export async function trainAutoencoder(data: TrainingSet, opts: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const prior = opts.prior;
  const priorSamples = prior === undefined ? 0 : prior.counts.reduce((a, b) => a + b, 0);
  if (data.count + priorSamples < 2) throw new ModelError('DNSAE_ERR_TRAINING', `need at least 2 benign samples to train, got ${data.count + priorSamples}`);
  const spec = opts.spec;
  const arch = opts.arch ?? DEFAULT_ARCH;
  const dedupe = opts.dedupe ?? 'count';
  const rng = createRng(opts.seed);
  const order = new Uint32Array(data.count);
  for (let i = 0; i < data.count; i++) order[i] = i;
  shuffleInPlace(order, rng);
  const nVal = data.count === 0 ? 0 : Math.min(data.count - 1, Math.floor(data.count * opts.validationFraction));
  const valIdx = order.subarray(0, nVal);
  const trainIdx = order.subarray(nVal);
  const trainParts: RowPart[] = [{ data, idx: trainIdx }];
  // Held-out rows are merged by count: their loss is still a per-sample mean,
  // and calibration expands each distinct row's loss by its count.
  const valParts: RowPart[] = [{ data, idx: valIdx }];
  let priorTrain = 0;
  let priorVal = 0;
  if (prior !== undefined) {
    const split = splitCounts(prior.counts, opts.validationFraction, createRng(opts.seed ^ 0x0ba5e));
    const idx = all(prior.data.count);
    trainParts.push({ data: prior.data, idx, counts: split.train });
    valParts.push({ data: prior.data, idx, counts: split.val });
    priorTrain = split.train.reduce((a, b) => a + b, 0);
    priorVal = split.val.reduce((a, b) => a + b, 0);
  }

  const train = encodeRowParts(trainParts, spec, dedupe);
  const val = encodeRowParts(valParts, spec, 'count');
  const w = featureWidth(spec);
  const t = targetWidth(spec);

  const model = opts.initial ?? buildAutoencoder(spec, arch, opts.seed);
  if (!isTrainableAutoencoder(model)) {
    throw new ModelError('DNSAE_ERR_MODEL_INVALID', 'the model to train is not a dnsae autoencoder (four dense layers: relu, relu, relu, sigmoid)');
  }
  const shapes = model.getWeights().map((x) => x.shape);
  const weights = model.getWeights().map((x) => Float32Array.from(x.dataSync()));
  const grads = weights.map((a) => new Float32Array(a.length));
  const adam = new AdamF32(weights.map((a) => a.length), opts.learningRate ?? 0.005);
  let current = weightTensors(weights, shapes);
  const perm = new Uint32Array(train.n);
  for (let i = 0; i < train.n; i++) perm[i] = i;
  const bx = new Float32Array(opts.batchSize * w);
  const bw = new Float32Array(opts.batchSize);

  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights: tf.Tensor[] | undefined;
  let lastTrain = 0;
  let bestTrain = 0;
  let epoch = 0;
  let epochsRun = 0;
  // After dedupe a training set can be a few dozen rows; an "epoch" then
  // repeats the shuffled rows so every epoch makes enough optimizer steps
  // for early stopping's patience to mean the same thing on any data size.
  const passes = Math.max(1, Math.ceil((MIN_STEPS_PER_EPOCH * opts.batchSize) / train.n));
  for (epoch = 1; epoch <= opts.epochs; epoch++) {
    let sum = 0;
    let den = 0;
    for (let pass = 0; pass < passes; pass++) {
      shuffleInPlace(perm, rng);
      for (let s = 0; s < train.n; s += opts.batchSize) {
        const m = Math.min(opts.batchSize, train.n - s);
        for (let r = 0; r < m; r++) {
          const src = perm[s + r]!;
          bx.set(train.x.subarray(src * w, src * w + w), r * w);
          bw[r] = train.weight[src]!;
        }
        // The loss optimizer.minimize was given, sum(mean((pred - tgt)^2, 1) * ws) / sum(ws), and its
        // gradient as the tape computes it (each op's registered gradient, in float32), so the weights
        // after each step are bit for bit the ones tfjs's Adam made (autoencoderGradients, AdamF32).
        const cost: tf.Scalar = tf.tidy(() => {
          const xs = tf.tensor2d(bx.subarray(0, m * w), [m, w]);
          const ws = tf.tensor1d(bw.subarray(0, m));
          const tgt = t === w ? xs : xs.slice([0, 0], [m, t]);
          const r = autoencoderGradients(xs, tgt, current, (d) => {
            const perRow = tf.div(tf.mul(tf.div(1, tf.sum(ws)), ws), t);
            return tf.mul<tf.Tensor2D>(tf.reshape(perRow, [m, 1]), tf.mul(d, 2));
          });
          for (let k = 0; k < grads.length; k++) grads[k]!.set(r.grads[k]!.dataSync() as Float32Array);
          const per = tf.mean(tf.square(r.diff), 1);
          return tf.div(tf.sum(tf.mul(per, ws)), tf.sum(ws)) as tf.Scalar;
        });
        adam.step(weights, grads);
        tf.dispose(current);
        current = weightTensors(weights, shapes);
        const bsum = bw.subarray(0, m).reduce((a, b) => a + b, 0);
        sum += (await cost.data())[0]! * bsum;
        den += bsum;
        cost.dispose();
      }
    }
    epochsRun = epoch;
    model.setWeights(current);
    lastTrain = den > 0 ? sum / den : 0;
    const valLoss = val.n > 0 ? weightedMean(predictLosses(model, val.x, val.n, spec), val.count) : lastTrain;
    opts.onProgress?.({ epoch, maxEpochs: opts.epochs, loss: lastTrain, valLoss });
    if (valLoss < best - 1e-7) {
      best = valLoss;
      bestEpoch = epoch;
      bestTrain = lastTrain;
      bestWeights?.forEach((x) => x.dispose());
      bestWeights = model.getWeights().map((x) => x.clone());
    } else if (epoch - bestEpoch >= opts.patience) {
      break;
    }
  }
  opts.onEpochsDone?.({ epochs: epochsRun, maxEpochs: opts.epochs, bestEpoch });
  if (bestWeights !== undefined) {
    model.setWeights(bestWeights);
    bestWeights.forEach((x) => x.dispose());
  }
  tf.dispose(current);

  const heldOut = heldOutStats(model, val, spec);
  return {
    model,
    spec,
    arch,
    samples: data.count + priorSamples,
    trainSamples: trainIdx.length + priorTrain,
    validationSamples: valIdx.length + priorVal,
    uniqueSamples: dedupe === 'none' ? encodeRowParts(trainParts, spec, 'count').n : train.n,
    epochsRun,
    bestEpoch,
    trainLoss: bestTrain,
    valLoss: best,
    heldOutLosses: heldOut.losses,
    heldOutPerByteError: heldOut.perByte,
    trainingRows: summarizeRows([...trainParts, ...valParts], spec),
    seconds: (performance.now() - started) / 1000,
    backend: tf.getBackend(),
  };
}

/**
 * Per-sample losses (each distinct held-out row's loss repeated by its
 * count) and the per-byte mean error over the held-out samples, from one
 * prediction of the distinct rows.
 */
function heldOutStats(model: tf.LayersModel, val: Rows, spec: FeatureSpec): { losses: Float32Array; perByte: Float32Array } {
  let total = 0;
  for (let r = 0; r < val.n; r++) total += val.count[r]!;
  const losses = new Float32Array(total);
  const perByte = new Float32Array(8);
  if (val.n === 0) return { losses, perByte };
  const w = featureWidth(spec);
  const t = targetWidth(spec);
  const sums = new Float64Array(8);
  const per = new Float32Array(8);
  let at = 0;
  forEachPrediction(model, val.x, val.n, spec, (pred, s, m) => {
    for (let r = 0; r < m; r++) {
      const c = val.count[s + r]!;
      losses.fill(rowLoss(pred, r * t, val.x, (s + r) * w, t), at, at + c);
      at += c;
      byteErrors(pred, r * t, val.x, (s + r) * w, spec, per);
      for (let k = 0; k < 8; k++) sums[k]! += per[k]! * c;
    }
  });
  for (let k = 0; k < 8; k++) perByte[k] = sums[k]! / total;
  return { losses, perByte };
}
