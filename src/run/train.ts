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
import { calibrateAndWriteFusion } from './train-fusion.js';
import { WindowCollector } from './window-collector.js';
import { RegisteredDomains, type RegisteredDomainOptions } from '../features/question/registered-domain.js';
import { MESSAGE_KEEP_BYTES, type SampleBatch } from '../flow/sample.js';
import { trainQuestionModel } from '../model/question/question-train.js';
import type { QuestionModelMeta } from '../model/question/question-model.js';

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
  /** The question stage's training; absent trains the header stage alone. */
  readonly question?: QuestionTrainRunOptions;
}

export interface QuestionTrainRunOptions {
  readonly windowSec: number;
  readonly maxWindows: number;
  readonly tableWindows: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly patience: number;
  readonly targetFpr: number;
  readonly domains: Partial<RegisteredDomainOptions>;
  readonly onProgress?: (p: { epoch: number; loss: number; valLoss: number }) => void;
}

export interface TrainRunResult {
  readonly errors: DnsaeError[];
  readonly meta: ModelMeta;
  readonly question?: QuestionModelMeta;
  readonly stats: Record<string, unknown>;
}

/** `dnsae train`: benign captures -> samples -> autoencoder -> calibrated threshold -> model directory. */
export async function trainFromCaptures(inputs: readonly string[], o: TrainRunOptions, log: Logger): Promise<TrainRunResult> {
  const backend = await selectBackend(o.backend);
  log.info({ backend }, 'tensorflow backend');
  const collector = new TrainingCollector(o.maxSamples, o.seed);
  const q = o.question;
  let windows: WindowCollector | undefined;
  const pipeline = new Pipeline(
    q === undefined ? o.pipeline : { ...o.pipeline, keepMessageBytes: MESSAGE_KEEP_BYTES },
    {
      onBatch(batch: SampleBatch): void {
        collector.onBatch(batch);
        windows?.onBatch(batch);
      },
      drain: () => Promise.resolve(),
    },
    log,
  );
  if (q !== undefined) windows = new WindowCollector(q.maxWindows, q.windowSec, q.tableWindows, new RegisteredDomains(q.domains), pipeline.weirds, o.seed);
  const { errors } = await runFiles(inputs, pipeline, log, (i) => windows?.endSource(i + 1));
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
  const fusion = await calibrateAndWriteFusion(o.out, set);
  let question: QuestionModelMeta | undefined;
  if (q !== undefined && windows !== undefined) {
    log.info({ windows: windows.count, seen: windows.seen }, 'question windows collected');
    const r = await trainQuestionModel(
      o.out,
      windows.rows(),
      windows.count,
      inputs.map((p) => p.split('/').pop() ?? p),
      {
        seed: o.seed,
        epochs: q.epochs,
        batchSize: q.batchSize,
        validationFraction: o.validationFraction,
        patience: q.patience,
        targetFpr: q.targetFpr,
        windowSec: q.windowSec,
        ...(q.onProgress ? { onProgress: q.onProgress } : {}),
      },
      VERSION,
    );
    question = r.meta;
  }
  return {
    errors,
    meta,
    ...(question === undefined ? {} : { question }),
    stats: {
      ...pipeline.stats(),
      samples_collected: set.count,
      samples_seen: collector.seen,
      calibration: cal,
      fusion,
      ...(windows === undefined || question === undefined
        ? {}
        : { question: { windows_collected: windows.count, windows_seen: windows.seen, ...windows.extractor.stats, threshold: question.threshold, calibration: question.calibration } }),
    },
  };
}
