import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelError, type ErrorCode } from '../errors.js';
import { FEATURE_VERSION, featureWidth, specProblem, targetWidth, type FeatureSpec } from '../features/encode.js';
import type { ArchSpec } from './autoencoder.js';
import { CALIBRATION_METHODS, type CalibrationRecord, type LossQuantiles } from './calibrate.js';

/**
 * Reading and validating a model directory without TensorFlow.js. Importing
 * tfjs costs about 0.2 s of startup, more than scoring a million packets
 * takes with the fused scorer, which needs only the weights as arrays; so
 * the scoring path reads the directory here and only loadModelDir
 * (model-dir.ts) goes on to build a tfjs model.
 *
 * A model directory holds three files:
 *   model.json   tfjs layers topology + weights manifest (tfjs format, so
 *                tf.loadLayersModel('file://...') also works with tfjs-node),
 *   weights.bin  float32 weights, little-endian, manifest order,
 *   dnsae.json   our metadata: encoding spec, threshold, quantiles, provenance.
 */
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const META_JSON = 'dnsae.json';

const MAX_JSON_BYTES = 1 << 20;
const MAX_WEIGHT_BYTES = 64 << 20;
const ACTIVATIONS = new Set(['relu', 'linear', 'sigmoid', 'tanh']);

export type Activation = 'relu' | 'linear' | 'sigmoid' | 'tanh';

/** What a training run records of itself, in both stages' metadata. */
export interface TrainingRun {
  readonly files: readonly string[];
  readonly date: string;
  readonly dnsaeVersion: string;
  readonly seed: number;
  readonly backend: string;
  readonly epochs: number;
  readonly valLoss: number;
  readonly seconds: number;
}

export interface TrainingSummary extends TrainingRun {
  readonly samples: number;
  readonly uniqueSamples: number;
  /** The epoch whose weights were kept, and the most allowed (absent in older models). */
  readonly bestEpoch?: number;
  readonly maxEpochs?: number;
  /** Distinct rows in training-rows.json, and what did not fit in it. */
  readonly distinctRows?: number;
  readonly droppedRows?: number;
  readonly droppedSamples?: number;
  /** Present when this model was fine-tuned from another (`dnsae train --base`). */
  readonly base?: BaseModelRecord;
  /** Samples taken from analyst-marked alerts (`dnsae train --benign-alerts`). */
  readonly benignAlerts?: number;
}

export interface BaseModelRecord {
  readonly modelId: string;
  /** The base's threshold: the adapted model's threshold is never below it. */
  readonly threshold: number;
  readonly samples: number;
  readonly files: readonly string[];
}

export interface ModelMeta {
  readonly formatVersion: number;
  readonly featureVersion: number;
  readonly spec: FeatureSpec;
  readonly arch: ArchSpec;
  /** Alert when loss > threshold. */
  readonly threshold: number;
  readonly targetFpr: number;
  /**
   * How the threshold was calibrated. Absent in models written before the
   * field existed: their threshold is the plain quantile and is used as is.
   */
  readonly calibration?: CalibrationRecord;
  readonly calibrationSamples: number;
  readonly quantiles: LossQuantiles;
  /** Mean squared error per header byte on held-out benign (8 values). */
  readonly perByteMeanError: readonly number[];
  readonly training: TrainingSummary;
  /** First 12 hex digits of sha256(weights.bin). */
  readonly modelId: string;
}

/** One dense layer as plain arrays: kernel is row-major [inDim][outDim]. */
export interface DenseWeights {
  readonly inDim: number;
  readonly outDim: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly activation: Activation;
}

/** Everything a model directory holds, checked, with no tfjs objects. */
export interface ModelWeights {
  readonly dir: string;
  readonly meta: ModelMeta;
  readonly layers: readonly DenseWeights[];
  /** model.json's modelTopology, as read (for rebuilding the tfjs model). */
  readonly topology: unknown;
  /** Weight manifest entries in weightData order. */
  readonly weightSpecs: readonly WeightSpec[];
  /** The concatenated weight files (their sha256 prefix is meta.modelId). */
  readonly weightData: ArrayBuffer;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

function fail(code: ErrorCode, file: string, message: string, cause?: unknown): never {
  throw new ModelError(code, message, cause === undefined ? { file } : { file, cause });
}

export function modelIdOf(weights: Uint8Array): string {
  return createHash('sha256').update(weights).digest('hex').slice(0, 12);
}

async function readBounded(file: string, max: number): Promise<Buffer> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) fail('DNSAE_ERR_MODEL_NOT_FOUND', file, 'not a regular file');
    size = st.size;
  } catch (err) {
    if (err instanceof ModelError) throw err;
    fail('DNSAE_ERR_MODEL_NOT_FOUND', file, 'model file missing', err);
  }
  if (size > max) fail('DNSAE_ERR_MODEL_INVALID', file, `file too large (${size} bytes, limit ${max})`);
  try {
    return await readFile(file);
  } catch (err) {
    fail('DNSAE_ERR_MODEL_NOT_FOUND', file, 'model file unreadable', err);
  }
}

async function readJson(file: string): Promise<unknown> {
  const buf = await readBounded(file, MAX_JSON_BYTES);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    fail('DNSAE_ERR_MODEL_INVALID', file, `not valid JSON (${(err as Error).message})`, err);
  }
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function checkMeta(raw: unknown, file: string): ModelMeta {
  if (typeof raw !== 'object' || raw === null) fail('DNSAE_ERR_MODEL_INVALID', file, 'metadata is not a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.formatVersion !== MODEL_FORMAT_VERSION) {
    fail('DNSAE_ERR_MODEL_VERSION', file, `model format version ${String(m.formatVersion)} not supported (this dnsae reads ${MODEL_FORMAT_VERSION})`);
  }
  const spec = m.spec as Record<string, unknown> | undefined;
  if (m.featureVersion !== FEATURE_VERSION || (typeof spec === 'object' && spec !== null && spec.featureVersion !== FEATURE_VERSION)) {
    fail('DNSAE_ERR_MODEL_VERSION', file, `feature version ${String(m.featureVersion)} not supported (this dnsae encodes version ${FEATURE_VERSION})`);
  }
  const problem = specProblem(m.spec);
  if (problem !== undefined) fail('DNSAE_ERR_MODEL_INVALID', file, problem);
  const arch = m.arch as Record<string, unknown> | undefined;
  if (!arch || !isNum(arch.hidden) || !isNum(arch.bottleneck)) fail('DNSAE_ERR_MODEL_INVALID', file, 'arch.hidden/arch.bottleneck missing');
  if (!isNum(m.threshold) || m.threshold < 0) fail('DNSAE_ERR_MODEL_INVALID', file, 'threshold missing or not a non-negative number');
  if (!isNum(m.targetFpr)) fail('DNSAE_ERR_MODEL_INVALID', file, 'targetFpr missing');
  if (m.calibration !== undefined) checkCalibration(m.calibration, file);
  const q = m.quantiles as Record<string, unknown> | undefined;
  if (!q || !['q50', 'q90', 'q99', 'q999', 'max'].every((k) => isNum(q[k]))) fail('DNSAE_ERR_MODEL_INVALID', file, 'quantiles incomplete');
  const pb = m.perByteMeanError;
  if (!Array.isArray(pb) || pb.length !== 8 || !pb.every(isNum)) fail('DNSAE_ERR_MODEL_INVALID', file, 'perByteMeanError must be 8 numbers');
  if (typeof m.modelId !== 'string' || !/^[0-9a-f]{12}$/.test(m.modelId)) fail('DNSAE_ERR_MODEL_INVALID', file, 'modelId missing');
  if (typeof m.training !== 'object' || m.training === null) fail('DNSAE_ERR_MODEL_INVALID', file, 'training summary missing');
  return raw as ModelMeta;
}

/** The record explains the threshold; scoring uses `threshold`, which an operator may have edited. */
function checkCalibration(raw: unknown, file: string): void {
  if (typeof raw !== 'object' || raw === null) fail('DNSAE_ERR_MODEL_INVALID', file, 'calibration is not a JSON object');
  const c = raw as Record<string, unknown>;
  if (!(CALIBRATION_METHODS as readonly unknown[]).includes(c.method)) {
    fail('DNSAE_ERR_MODEL_VERSION', file, `calibration method ${JSON.stringify(c.method)} not supported (this dnsae knows ${CALIBRATION_METHODS.join(', ')})`);
  }
  if (!isNum(c.quantileLoss) || !isNum(c.margin) || !isNum(c.nextLoss) || c.margin < 0) {
    fail('DNSAE_ERR_MODEL_INVALID', file, 'calibration.quantileLoss/margin/nextLoss missing or not numbers');
  }
}

interface DenseTopo {
  name: string;
  units: number;
  activation: Activation;
  useBias: boolean;
}

function denseLayersOf(topology: unknown, file: string): { inputWidth: number; layers: DenseTopo[] } {
  const t = topology as { class_name?: unknown; config?: { layers?: unknown } } | null;
  if (!t || t.class_name !== 'Sequential' || !Array.isArray(t.config?.layers)) {
    fail('DNSAE_ERR_MODEL_INVALID', file, 'modelTopology is not a Sequential model');
  }
  const layers: DenseTopo[] = [];
  let inputWidth = -1;
  for (const l of t.config.layers as Array<{ class_name?: unknown; config?: Record<string, unknown> }>) {
    if (l?.class_name === 'InputLayer') continue;
    const c = l?.config ?? {};
    if (l?.class_name !== 'Dense') fail('DNSAE_ERR_MODEL_INVALID', file, `unsupported layer ${String(l?.class_name)} (only Dense)`);
    if (!isNum(c.units) || typeof c.name !== 'string') fail('DNSAE_ERR_MODEL_INVALID', file, 'Dense layer without units/name');
    const act = c.activation ?? 'linear';
    if (typeof act !== 'string' || !ACTIVATIONS.has(act)) fail('DNSAE_ERR_MODEL_INVALID', file, `unsupported activation ${String(act)}`);
    const bis = c.batch_input_shape;
    if (layers.length === 0 && Array.isArray(bis) && isNum(bis[1])) inputWidth = bis[1];
    layers.push({ name: c.name, units: c.units, activation: act as Activation, useBias: c.use_bias !== false });
  }
  if (layers.length === 0) fail('DNSAE_ERR_MODEL_INVALID', file, 'model has no layers');
  return { inputWidth, layers };
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Reads and validates a model directory. Everything is checked before any
 * weight is used: versions, spec, manifest paths (plain file names in the
 * directory only), weight byte size against the manifest shapes, layer
 * shapes against the spec, the weights' hash against modelId, and that every
 * weight is finite.
 */
export async function readModelWeights(dir: string): Promise<ModelWeights> {
  await checkModelDir(dir);
  const metaFile = path.join(dir, META_JSON);
  const meta = checkMeta(await readJson(metaFile), metaFile);
  const net = await readDenseNetwork(dir, featureWidth(meta.spec), targetWidth(meta.spec), meta.modelId);
  return { dir, meta, ...net };
}

export async function checkModelDir(dir: string): Promise<void> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) fail('DNSAE_ERR_MODEL_NOT_FOUND', dir, 'model path is not a directory');
  } catch (err) {
    if (err instanceof ModelError) throw err;
    fail('DNSAE_ERR_MODEL_NOT_FOUND', dir, 'model directory not found', err);
  }
}

/** Reads a model directory's metadata file as JSON (bounded, coded errors). */
export async function readModelMetaJson(file: string): Promise<unknown> {
  return readJson(file);
}

/** A dense network as scoring needs it, and what rebuilding it in tfjs needs. */
export interface DenseNetwork {
  readonly layers: readonly DenseWeights[];
  readonly topology: unknown;
  readonly weightSpecs: readonly WeightSpec[];
  readonly weightData: ArrayBuffer;
}

/**
 * Reads model.json and its weights from `dir`: a Sequential stack of Dense
 * layers from `inW` inputs to `outW` outputs whose weights hash to `modelId`.
 * Both stages' models are read by it.
 */
export async function readDenseNetwork(dir: string, inW: number, outW: number, modelId: string): Promise<DenseNetwork> {
  const modelFile = path.join(dir, MODEL_JSON);
  const mj = (await readJson(modelFile)) as { modelTopology?: unknown; weightsManifest?: unknown; format?: unknown } | null;
  if (!mj || typeof mj !== 'object') fail('DNSAE_ERR_MODEL_INVALID', modelFile, 'not a JSON object');
  if (mj.format !== undefined && mj.format !== 'layers-model') fail('DNSAE_ERR_MODEL_VERSION', modelFile, `unsupported tfjs format ${String(mj.format)}`);
  const { inputWidth, layers: topo } = denseLayersOf(mj.modelTopology, modelFile);
  if (!Array.isArray(mj.weightsManifest)) fail('DNSAE_ERR_MODEL_INVALID', modelFile, 'weightsManifest missing');

  const paths: string[] = [];
  const specs: WeightSpec[] = [];
  for (const g of mj.weightsManifest as Array<{ paths?: unknown; weights?: unknown }>) {
    if (!Array.isArray(g?.paths) || !Array.isArray(g?.weights)) fail('DNSAE_ERR_MODEL_INVALID', modelFile, 'malformed weightsManifest group');
    for (const p of g.paths) {
      if (typeof p !== 'string' || !SAFE_NAME.test(p) || p === '..' || p === META_JSON || p === MODEL_JSON) {
        fail('DNSAE_ERR_MODEL_INVALID', modelFile, `weight path ${JSON.stringify(p)} is not a plain file name inside the model directory`);
      }
      paths.push(p);
    }
    for (const w of g.weights as WeightSpec[]) {
      if (typeof w?.name !== 'string' || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d > 0)) {
        fail('DNSAE_ERR_MODEL_INVALID', modelFile, 'malformed weight entry');
      }
      if (w.dtype !== 'float32') fail('DNSAE_ERR_MODEL_INVALID', modelFile, `weight ${w.name} has dtype ${String(w.dtype)} (only float32)`);
      specs.push(w);
    }
  }
  const expected = specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  let actual = 0;
  const sizes: number[] = [];
  for (const p of paths) {
    const f = path.join(dir, p);
    try {
      const st = await stat(f);
      if (!st.isFile()) fail('DNSAE_ERR_MODEL_NOT_FOUND', f, 'weights path is not a regular file');
      sizes.push(st.size);
      actual += st.size;
    } catch (err) {
      if (err instanceof ModelError) throw err;
      fail('DNSAE_ERR_MODEL_NOT_FOUND', f, 'weights file missing', err);
    }
  }
  const weightsLabel = path.join(dir, paths[0] ?? WEIGHTS_BIN);
  if (actual !== expected) fail('DNSAE_ERR_MODEL_INVALID', weightsLabel, `weights are ${actual} bytes, manifest shapes need ${expected}`);
  if (expected > MAX_WEIGHT_BYTES) fail('DNSAE_ERR_MODEL_INVALID', weightsLabel, `weights too large (${expected} bytes)`);

  // Shapes against the topology and the spec, still before reading weights.
  if (inputWidth !== -1 && inputWidth !== inW) {
    fail('DNSAE_ERR_MODEL_INVALID', modelFile, `model input width ${inputWidth} does not match the encoding spec (${inW})`);
  }
  let si = 0;
  let prev = inW;
  const plan: Array<{ topo: DenseTopo; kernel: WeightSpec; bias: WeightSpec | undefined }> = [];
  for (const l of topo) {
    const kernel = specs[si++];
    if (!kernel || kernel.shape.length !== 2 || kernel.shape[0] !== prev || kernel.shape[1] !== l.units) {
      fail('DNSAE_ERR_MODEL_INVALID', modelFile, `layer ${l.name}: kernel shape ${JSON.stringify(kernel?.shape)} does not fit [${prev},${l.units}]`);
    }
    let bias: WeightSpec | undefined;
    if (l.useBias) {
      bias = specs[si++];
      if (!bias || bias.shape.length !== 1 || bias.shape[0] !== l.units) {
        fail('DNSAE_ERR_MODEL_INVALID', modelFile, `layer ${l.name}: bias shape ${JSON.stringify(bias?.shape)} does not fit [${l.units}]`);
      }
    }
    plan.push({ topo: l, kernel, bias });
    prev = l.units;
  }
  if (si !== specs.length) fail('DNSAE_ERR_MODEL_INVALID', modelFile, `manifest lists ${specs.length} weights, layers use ${si}`);
  if (prev !== outW) fail('DNSAE_ERR_MODEL_INVALID', modelFile, `model output width ${prev} does not match the encoding spec (${outW})`);

  const buf = new Uint8Array(expected);
  let off = 0;
  for (let i = 0; i < paths.length; i++) {
    const f = path.join(dir, paths[i]!);
    const b = await readBounded(f, sizes[i]!);
    if (b.length !== sizes[i]) fail('DNSAE_ERR_MODEL_INVALID', f, 'weights file changed while loading');
    buf.set(b, off);
    off += b.length;
  }
  if (modelIdOf(buf) !== modelId) {
    fail('DNSAE_ERR_MODEL_INVALID', weightsLabel, `weights do not match modelId ${modelId} (corrupted or from another model)`);
  }
  const all = new Float32Array(buf.buffer, 0, expected / 4);
  let at = 0;
  const take = (w: WeightSpec | undefined, n: number): Float32Array => {
    if (w === undefined) return new Float32Array(n);
    const size = w.shape.reduce((a, b) => a * b, 1);
    const v = all.slice(at, at + size);
    at += size;
    return v;
  };
  const layers: DenseWeights[] = [];
  let inDim = inW;
  for (const p of plan) {
    const kernel = take(p.kernel, 0);
    const bias = take(p.bias, p.topo.units);
    layers.push({ inDim, outDim: p.topo.units, kernel, bias, activation: p.topo.activation });
    inDim = p.topo.units;
  }
  for (const l of layers) {
    if (!l.kernel.every(Number.isFinite) || !l.bias.every(Number.isFinite)) fail('DNSAE_ERR_MODEL_INVALID', weightsLabel, 'weights contain NaN or Infinity');
  }

  return { layers, topology: mj.modelTopology, weightSpecs: specs, weightData: buf.buffer };
}
