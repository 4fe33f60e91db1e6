import { ModelError, type DnsaeError } from '../errors.js';
import type { FeatureSpec } from '../features/encode.js';
import type { Logger } from '../logger.js';
import { selectBackend, type BackendPreference } from '../model/backend.js';
import { calibrateThreshold, calibrationRecord, lossStep, type CalibrationMethod } from '../model/calibrate.js';
import { saveModelDir, type ModelMeta } from '../model/model-dir.js';
import { trainAutoencoder, type DedupeMode } from '../model/train.js';
import { Pipeline, runFiles, type PipelineOptions } from '../pipeline.js';
import { VERSION } from '../version.js';
import { TrainingCollector } from './training-collector.js';

export interface TrainRunOptions {
  readonly out: string;
  readonly spec: FeatureSpec;
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly validationFraction: number;
  readonly patience: number;
  readonly targetFpr: number;
  /** Default 'half-step' (quantile for encodings without loss steps). */
  readonly calibration?: CalibrationMethod;
  readonly maxSamples: number;
  readonly dedupe: DedupeMode;
  readonly backend: BackendPreference;
  readonly pipeline: PipelineOptions;
  readonly onProgress?: (p: { epoch: number; loss: number; valLoss: number }) => void;
}

export interface TrainRunResult {
  readonly errors: DnsaeError[];
  readonly meta: ModelMeta;
  readonly stats: Record<string, unknown>;
}

/** `dnsae train`: benign captures -> samples -> autoencoder -> calibrated threshold -> model directory. */
export async function trainFromCaptures(inputs: readonly string[], o: TrainRunOptions, log: Logger): Promise<TrainRunResult> {
  const backend = await selectBackend(o.backend);
  log.info({ backend }, 'tensorflow backend');
  const collector = new TrainingCollector(o.maxSamples, o.seed);
  const pipeline = new Pipeline(o.pipeline, collector, log);
  const { errors } = await runFiles(inputs, pipeline, log);
  const set = collector.toTrainingSet();
  log.info({ samples: set.count, seen: collector.seen, errors: errors.length }, 'training samples collected');
  if (set.count < 100) {
    throw new ModelError('DNSAE_ERR_TRAINING', `only ${set.count} samples in the inputs; at least 100 are needed to train and calibrate`);
  }
  const result = await trainAutoencoder(set, {
    seed: o.seed,
    epochs: o.epochs,
    batchSize: o.batchSize,
    validationFraction: o.validationFraction,
    patience: o.patience,
    spec: o.spec,
    dedupe: o.dedupe,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  const step = o.calibration === 'quantile' ? undefined : lossStep(result.spec);
  const cal = calibrateThreshold(result.heldOutLosses, o.targetFpr, step);
  const meta = await saveModelDir(o.out, result.model, {
    spec: result.spec,
    arch: result.arch,
    threshold: cal.threshold,
    targetFpr: o.targetFpr,
    calibration: calibrationRecord(cal),
    calibrationSamples: cal.samples,
    quantiles: cal.quantiles,
    perByteMeanError: Array.from(result.heldOutPerByteError),
    training: {
      files: inputs.map((p) => p.split('/').pop() ?? p),
      samples: result.samples,
      uniqueSamples: result.uniqueSamples,
      date: new Date().toISOString(),
      dnsaeVersion: VERSION,
      seed: o.seed,
      backend: result.backend,
      epochs: result.epochsRun,
      valLoss: result.valLoss,
      seconds: result.seconds,
    },
  });
  return {
    errors,
    meta,
    stats: { ...pipeline.stats(), samples_collected: set.count, samples_seen: collector.seen, calibration: cal },
  };
}
