import * as tf from '@tensorflow/tfjs';
import { HEAD_BYTES } from '../flow/sample.js';
import { ModelError } from '../errors.js';
import { encodeRow, featureWidth, targetWidth, type FeatureSpec } from '../features/encode.js';
import { buildAutoencoder, DEFAULT_ARCH, type ArchSpec } from './autoencoder.js';
import { byteErrors, rowLoss } from './loss.js';

export { byteErrors } from './loss.js';
import { createRng, shuffleInPlace } from './rng.js';

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
  readonly onProgress?: (p: { epoch: number; loss: number; valLoss: number }) => void;
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

/** Encodes the listed samples, merging identical rows with their counts. */
export function encodeRows(data: TrainingSet, idx: Uint32Array, spec: FeatureSpec, dedupe: DedupeMode): Rows {
  const w = featureWidth(spec);
  const tmp = new Float32Array(w);
  const x = new Float32Array(idx.length * w);
  const count = new Uint32Array(idx.length);
  const seen = new Map<string, number>();
  let n = 0;
  for (const i of idx) {
    encodeRow(data.head, i * HEAD_BYTES, data.headLen[i]!, data.transport[i] ? 1 : 0, data.direction[i]!, data.payloadLength[i]!, spec, tmp, 0);
    if (dedupe === 'none') {
      x.set(tmp, n * w);
      count[n++] = 1;
      continue;
    }
    const key = tmp.join(',');
    const at = seen.get(key);
    if (at !== undefined) {
      count[at]!++;
    } else {
      seen.set(key, n);
      x.set(tmp, n * w);
      count[n++] = 1;
    }
  }
  const weight = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const c = count[r]!;
    weight[r] = dedupe === 'sqrt' ? Math.sqrt(c) : dedupe === 'unique' ? 1 : c;
  }
  return { x: x.subarray(0, n * w), weight, count: count.subarray(0, n), n };
}

/** Per-row reconstruction loss through tfjs predict (training-side reference). */
export function predictLosses(model: tf.LayersModel, x: Float32Array, n: number, spec: FeatureSpec): Float32Array {
  const w = featureWidth(spec);
  const t = targetWidth(spec);
  const out = new Float32Array(n);
  const chunk = 8192;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const pred = tf.tidy(() => (model.predict(tf.tensor2d(x.subarray(s * w, (s + m) * w), [m, w])) as tf.Tensor).dataSync() as Float32Array);
    for (let r = 0; r < m; r++) out[s + r] = rowLoss(pred, r * t, x, (s + r) * w, t);
  }
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

/**
 * Trains the autoencoder on benign samples with a seeded split, seeded batch
 * order and early stopping on held-out loss (best weights restored).
 */
export async function trainAutoencoder(data: TrainingSet, opts: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  if (data.count < 2) throw new ModelError('DNSAE_ERR_TRAINING', `need at least 2 benign samples to train, got ${data.count}`);
  const spec = opts.spec;
  const arch = opts.arch ?? DEFAULT_ARCH;
  const dedupe = opts.dedupe ?? 'count';
  const rng = createRng(opts.seed);
  const order = new Uint32Array(data.count);
  for (let i = 0; i < data.count; i++) order[i] = i;
  shuffleInPlace(order, rng);
  const nVal = Math.min(data.count - 1, Math.floor(data.count * opts.validationFraction));
  const valIdx = order.subarray(0, nVal);
  const trainIdx = order.subarray(nVal);

  const train = encodeRows(data, trainIdx, spec, dedupe);
  // Held-out rows are merged by count only to make evaluation cheap; their
  // loss is still a per-sample mean.
  const val = encodeRows(data, valIdx, spec, 'count');
  const w = featureWidth(spec);
  const t = targetWidth(spec);

  const model = buildAutoencoder(spec, arch, opts.seed);
  const optimizer = tf.train.adam(opts.learningRate ?? 0.005);
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
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
        const cost: tf.Scalar = tf.tidy(() => {
          const xs = tf.tensor2d(bx.subarray(0, m * w), [m, w]);
          const ws = tf.tensor1d(bw.subarray(0, m));
          const tgt = t === w ? xs : xs.slice([0, 0], [m, t]);
          return optimizer.minimize(
            () => {
              const pred = model.apply(xs, { training: true }) as tf.Tensor2D;
              const per = tf.mean(tf.square(tf.sub(pred, tgt)), 1);
              return tf.div(tf.sum(tf.mul(per, ws)), tf.sum(ws)) as tf.Scalar;
            },
            true,
            vars,
          ) as tf.Scalar;
        });
        const bsum = bw.subarray(0, m).reduce((a, b) => a + b, 0);
        sum += (await cost.data())[0]! * bsum;
        den += bsum;
        cost.dispose();
      }
    }
    lastTrain = den > 0 ? sum / den : 0;
    const valLoss = val.n > 0 ? weightedMean(predictLosses(model, val.x, val.n, spec), val.count) : lastTrain;
    opts.onProgress?.({ epoch, loss: lastTrain, valLoss });
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
  if (bestWeights !== undefined) {
    model.setWeights(bestWeights);
    bestWeights.forEach((x) => x.dispose());
  }
  optimizer.dispose();

  const heldOut = heldOutStats(model, data, valIdx, spec);
  return {
    model,
    spec,
    arch,
    samples: data.count,
    trainSamples: trainIdx.length,
    validationSamples: valIdx.length,
    uniqueSamples: dedupe === 'none' ? encodeRows(data, trainIdx, spec, 'count').n : train.n,
    epochsRun: Math.min(epoch, opts.epochs),
    bestEpoch,
    trainLoss: bestTrain,
    valLoss: best,
    heldOutLosses: heldOut.losses,
    heldOutPerByteError: heldOut.perByte,
    seconds: (performance.now() - started) / 1000,
    backend: tf.getBackend(),
  };
}

/** Per-sample losses and per-byte mean error for the listed samples. */
function heldOutStats(model: tf.LayersModel, data: TrainingSet, idx: Uint32Array, spec: FeatureSpec): { losses: Float32Array; perByte: Float32Array } {
  const rows = encodeRows(data, idx, spec, 'none');
  const losses = predictLosses(model, rows.x, rows.n, spec);
  const perByte = new Float32Array(8);
  if (rows.n === 0) return { losses, perByte };
  const w = featureWidth(spec);
  const t = targetWidth(spec);
  const pred = tf.tidy(() => (model.predict(tf.tensor2d(rows.x, [rows.n, w])) as tf.Tensor).dataSync() as Float32Array);
  const per = new Float32Array(8);
  for (let r = 0; r < rows.n; r++) {
    byteErrors(pred, r * t, rows.x, r * w, spec, per);
    for (let k = 0; k < 8; k++) perByte[k]! += per[k]!;
  }
  for (let k = 0; k < 8; k++) perByte[k]! /= rows.n;
  return { losses, perByte };
}
