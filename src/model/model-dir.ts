import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';
import { FEATURE_VERSION } from '../features/encode.js';
import {
  MODEL_FORMAT_VERSION,
  MODEL_JSON,
  META_JSON,
  WEIGHTS_BIN,
  modelIdOf,
  readModelWeights,
  type DenseWeights,
  type ModelMeta,
} from './model-weights.js';

/**
 * Model directories with TensorFlow.js: saving a trained tfjs model, and
 * loading one back as a tfjs model (reference predict, further training).
 * The file format and every check live in model-weights.ts, which scoring
 * uses directly so that it never imports tfjs.
 */
export {
  MODEL_FORMAT_VERSION,
  MODEL_JSON,
  META_JSON,
  WEIGHTS_BIN,
  modelIdOf,
  readModelWeights,
  type Activation,
  type DenseWeights,
  type ModelMeta,
  type ModelWeights,
  type TrainingSummary,
  type WeightSpec,
} from './model-weights.js';

export interface LoadedModel {
  readonly dir: string;
  readonly meta: ModelMeta;
  readonly layers: readonly DenseWeights[];
  /** The same network as a tfjs model (reference predict, further training). */
  readonly model: tf.LayersModel;
}

/** Writes model.json, weights.bin and dnsae.json; returns the final metadata. */
export async function saveModelDir(
  dir: string,
  model: tf.LayersModel,
  meta: Omit<ModelMeta, 'formatVersion' | 'featureVersion' | 'modelId'>,
): Promise<ModelMeta> {
  const weights = await writeTfjsModel(dir, model);
  const full: ModelMeta = {
    formatVersion: MODEL_FORMAT_VERSION,
    featureVersion: FEATURE_VERSION,
    ...meta,
    modelId: modelIdOf(weights),
  };
  await writeFile(path.join(dir, META_JSON), JSON.stringify(full, null, 2) + '\n');
  return full;
}

/**
 * Writes a tfjs model as model.json and weights.bin in `dir` (made if
 * missing) and returns the weight bytes, whose hash is the model id. The
 * caller writes the metadata that goes with them.
 */
export async function writeTfjsModel(dir: string, model: tf.LayersModel): Promise<Uint8Array> {
  await mkdir(dir, { recursive: true });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts?.weightData === undefined || artifacts.weightSpecs === undefined) {
    throw new ModelError('DNSAE_ERR_INTERNAL', 'tfjs produced no weights on save', { file: dir });
  }
  const parts = Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    weights.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
  };
  await writeFile(path.join(dir, WEIGHTS_BIN), weights);
  await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
  return weights;
}

/**
 * Loads and validates a model directory (readModelWeights) and rebuilds the
 * network as a tfjs model; needs a tfjs backend.
 */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  const w = await readModelWeights(dir);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: w.topology as tf.io.ModelJSON['modelTopology'],
        weightSpecs: w.weightSpecs as tf.io.WeightsManifestEntry[],
        weightData: w.weightData,
      }),
    );
  } catch (err) {
    throw new ModelError('DNSAE_ERR_MODEL_INVALID', `tfjs cannot build the model (${(err as Error).message})`, { file: path.join(dir, MODEL_JSON), cause: err });
  }
  return { dir: w.dir, meta: w.meta, layers: w.layers, model };
}
