import { cp } from 'node:fs/promises';
import path from 'node:path';
import { ModelError, UsageError, type DnsaeError } from '../errors.js';
import type { FeatureSpec } from '../features/encode.js';
import type { Logger } from '../logger.js';
import { selectBackend, type BackendPreference } from '../model/backend.js';
import type { Calibration, CalibrationMethod } from '../model/calibrate.js';
import { fitAndSaveDetailed } from '../model/fit-and-save.js';
import { loadModelDir, type ModelMeta } from '../model/model-dir.js';
import type { DedupeMode, EpochProgress, TrainingSet, WeightedSet } from '../model/train.js';
import { readTrainingRows, TRAINING_ROWS_JSON } from '../model/training-rows.js';
import { Pipeline, runFiles, type PipelineOptions, type SourceObserver } from '../pipeline.js';
import { VERSION } from '../version.js';
import { readBenignAlerts } from './benign-alerts.js';
import { TrainingCollector } from './training-collector.js';
import { calibrateAndWriteFusion } from './train-fusion.js';
import { WindowCollector } from './window-collector.js';
import { RegisteredDomains, type RegisteredDomainOptions } from '../features/question/registered-domain.js';
import { HEAD_BYTES, MESSAGE_KEEP_BYTES, type SampleBatch } from '../flow/sample.js';
import { trainQuestionModel } from '../model/question/question-train.js';
import { QUESTION_DIR, readQuestionModel, type QuestionModelMeta } from '../model/question/question-model.js';
import type * as tf from '@tensorflow/tfjs';

/** What a run tells about itself while it goes (the CLI's bars or log lines). */
export interface EpochHooks {
  onProgress(p: EpochProgress): void;
  onEpochsDone(p: { epochs: number; maxEpochs: number; bestEpoch?: number }): void;
}

export interface TrainProgress {
  readonly reading?: SourceObserver;
  readonly header?: EpochHooks;
  readonly question?: EpochHooks;
  phase?(stage: 'header' | 'question', phase: 'calibrating' | 'writing' | 'fusion', detail: { samples?: number; dir?: string }): void;
}

export interface TrainRunOptions {
  readonly out: string;
  /** Ignored with `base`: the base model's encoding is kept. */
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
  /** Model directory to fine-tune from, with its training rows (site adaptation). */
  readonly base?: string;
  /** EVE records an analyst marked as false positives, taken as benign samples. */
  readonly benignAlerts?: readonly string[];
  /** Samples each analyst-marked alert counts as (DEFAULT_ALERT_WEIGHT). */
  readonly alertWeight?: number;
  /** Learning rate; default 0.005 from scratch, 0.001 from a base. */
  readonly learningRate?: number;
  readonly progress?: TrainProgress;
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
}

export interface TrainRunResult {
  readonly errors: DnsaeError[];
  readonly meta: ModelMeta;
  readonly question?: QuestionModelMeta;
  readonly stats: Record<string, unknown>;
}

/**
 * Each analyst-marked alert counts as this many samples by default: one
 * alert per flow stands for a whole class of traffic the model has seen too
 * rarely, and at a weight of 1 beside a base's hundred thousand samples
 * fine-tuning barely moves (3 of 4 zone-transfer alerts were left at 1).
 */
export const DEFAULT_ALERT_WEIGHT = 100;

function concatWeighted(a: WeightedSet | undefined, b: WeightedSet | undefined): WeightedSet | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const counts = new Uint32Array(a.counts.length + b.counts.length);
  counts.set(a.counts);
  counts.set(b.counts, a.counts.length);
  return { data: concatSets(a.data, b.data), counts };
}

/**
 * Each row of `w` repeated by its count, as the samples it stands for, at
 * most about `max` in all: past it every count is scaled down alike (each
 * row kept at least once), so a base that has been through many rounds
 * costs no more memory than --max-samples.
 */
function expandWeighted(w: WeightedSet, max: number): TrainingSet {
  let total = 0;
  for (let i = 0; i < w.counts.length; i++) total += w.counts[i]!;
  const scale = total > max ? max / total : 1;
  const counts = scale === 1 ? w.counts : w.counts.map((c) => (c === 0 ? 0 : Math.max(1, Math.floor(c * scale))));
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  const out = { count: n, head: new Uint8Array(n * HEAD_BYTES), headLen: new Uint8Array(n), payloadLength: new Int32Array(n), transport: new Uint8Array(n), direction: new Uint8Array(n) };
  let at = 0;
  const d = w.data;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    for (let k = 0; k < c; k++, at++) out.head.set(d.head.subarray(i * HEAD_BYTES, (i + 1) * HEAD_BYTES), at * HEAD_BYTES);
    out.headLen.fill(d.headLen[i]!, at - c, at);
    out.payloadLength.fill(d.payloadLength[i]!, at - c, at);
    out.transport.fill(d.transport[i]!, at - c, at);
    out.direction.fill(d.direction[i]!, at - c, at);
  }
  return out;
}

function concatAll(sets: ReadonlyArray<TrainingSet | undefined>): TrainingSet {
  return sets.reduce<TrainingSet>((acc, s) => (s === undefined || s.count === 0 ? acc : acc.count === 0 ? s : concatSets(acc, s)), sets[0]!);
}

/** Appends `b`'s samples to `a`'s. */
function concatSets(a: TrainingSet, b: TrainingSet): TrainingSet {
  const cat = <T extends Uint8Array | Int32Array>(x: T, y: T): T => {
    const out = new (x.constructor as new (n: number) => T)(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return {
    count: a.count + b.count,
    head: cat(a.head, b.head),
    headLen: cat(a.headLen, b.headLen),
    payloadLength: cat(a.payloadLength, b.payloadLength),
    transport: cat(a.transport, b.transport),
    direction: cat(a.direction, b.direction),
  };
}

interface Base {
  readonly meta: ModelMeta;
  readonly model: tf.Sequential;
  readonly rows: WeightedSet & { samples: number };
}

async function openBase(dir: string): Promise<Base> {
  const rows = await readTrainingRows(dir);
  if (rows === undefined) {
    throw new ModelError('DNSAE_ERR_MODEL_NOT_FOUND', `no ${TRAINING_ROWS_JSON}: the model was trained before dnsae kept its training rows; retrain it with this dnsae to adapt from it`, { file: dir });
  }
  const loaded = await loadModelDir(dir);
  return { meta: loaded.meta, model: loaded.model as tf.Sequential, rows };
}

async function keepBaseQuestion(baseDir: string, out: string, log: Logger): Promise<QuestionModelMeta | undefined> {
  const q = await readQuestionModel(baseDir);
  if (q === undefined) return undefined;
  await cp(path.join(baseDir, QUESTION_DIR), path.join(out, QUESTION_DIR), { recursive: true });
  log.info({ question_model: q.meta.modelId }, 'question stage kept from the base model');
  return q.meta;
}

/**
 * `dnsae train`: benign captures (and analyst-marked alerts, and a base
 * model's training rows) -> samples -> autoencoder -> calibrated threshold
 * -> model directory.
 */
export async function trainFromCaptures(inputs: readonly string[], o: TrainRunOptions, log: Logger): Promise<TrainRunResult> {
  const backend = await selectBackend(o.backend);
  log.info({ backend }, 'tensorflow backend');
  const base = o.base === undefined ? undefined : await openBase(o.base);
  const alerts = o.benignAlerts === undefined || o.benignAlerts.length === 0 ? undefined : await readBenignAlerts(o.benignAlerts);
  if (alerts !== undefined) log.info({ used: alerts.used, skipped: alerts.skipped }, 'benign alerts read');
  const collector = new TrainingCollector(o.maxSamples, o.seed);
  // A base's question stage is kept as it is: --base adapts the header stage to the site.
  const q = base === undefined ? o.question : undefined;
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
  const { errors } = await runFiles(inputs, pipeline, log, (i) => windows?.endSource(i + 1), undefined, o.progress?.reading);
  const captured = collector.toTrainingSet();
  const set = captured;
  const alertWeight = o.alertWeight ?? DEFAULT_ALERT_WEIGHT;
  const marked: WeightedSet | undefined = alerts === undefined ? undefined : { data: alerts.set, counts: new Uint32Array(alerts.set.count).fill(alertWeight) };
  const prior = concatWeighted(base?.rows, marked);
  log.info({ samples: captured.count, seen: collector.seen, dropped: collector.dropped, errors: errors.length }, 'training samples collected');
  const total = set.count + (base?.rows.samples ?? 0) + (alerts?.used ?? 0);
  if (total < 100) {
    throw new ModelError('DNSAE_ERR_TRAINING', `only ${total} samples in the inputs; at least 100 are needed to train and calibrate`);
  }
  if (base !== undefined && set.count === 0 && alerts === undefined) throw new UsageError('--base needs the site\'s own captures or --benign-alerts to add');
  const own = inputs.map((p) => p.split('/').pop() ?? p);
  // An adapted model's training data is the base's and the site's.
  const files = base === undefined ? own : [...new Set([...base.meta.training.files, ...own])];
  const header = o.progress?.header;
  let cal: Calibration;
  let meta: ModelMeta;
  {
    // fitAndSave disposes the model it trained, the base's included.
    const r = await fitAndSaveDetailed(set, {
      dir: o.out,
      files,
      seed: o.seed,
      epochs: o.epochs,
      batchSize: o.batchSize,
      validationFraction: o.validationFraction,
      patience: o.patience,
      spec: base?.meta.spec ?? o.spec,
      ...(base === undefined ? {} : { arch: base.meta.arch, initial: base.model, base: { modelId: base.meta.modelId, threshold: base.meta.threshold, samples: base.meta.training.samples, files: base.meta.training.files } }),
      ...(prior === undefined ? {} : { prior }),
      learningRate: o.learningRate ?? (base === undefined ? 0.005 : 0.001),
      targetFpr: o.targetFpr,
      ...(o.calibration === undefined ? {} : { calibration: o.calibration }),
      dedupe: o.dedupe,
      ...(alerts === undefined ? {} : { benignAlerts: alerts.used }),
      ...(header === undefined ? {} : { onProgress: (p: EpochProgress) => header.onProgress(p), onEpochsDone: (p: { epochs: number; maxEpochs: number; bestEpoch: number }) => header.onEpochsDone(p) }),
      onPhase: (phase, detail) => o.progress?.phase?.('header', phase, detail),
    });
    cal = r.calibration;
    meta = r.meta;
  }
  // The hybrid's autoencoder-only threshold is calibrated on every benign
  // sample the model now stands for: the captures, the marked alerts and
  // the base's rows (repeated by their counts).
  o.progress?.phase?.('header', 'fusion', { samples: set.count + (alerts?.used ?? 0) + (base?.rows.samples ?? 0) });
  const fusion = await calibrateAndWriteFusion(o.out, concatAll([set, alerts?.set, base === undefined ? undefined : expandWeighted(base.rows, o.maxSamples)]));
  let question: QuestionModelMeta | undefined;
  let windowsPerEpoch: number | undefined;
  if (base !== undefined && o.question !== undefined) question = await keepBaseQuestion(o.base!, o.out, log);
  if (q !== undefined && windows !== undefined) {
    log.info({ windows: windows.count, seen: windows.seen, dropped: windows.seen - windows.count }, 'question windows collected');
    const qh = o.progress?.question;
    const r = await trainQuestionModel(
      o.out,
      windows.rows(),
      windows.count,
      files,
      {
        seed: o.seed,
        epochs: q.epochs,
        batchSize: q.batchSize,
        validationFraction: o.validationFraction,
        patience: q.patience,
        targetFpr: q.targetFpr,
        windowSec: q.windowSec,
        ...(qh === undefined ? {} : { onProgress: (p: EpochProgress) => qh.onProgress(p) }),
      },
      VERSION,
    );
    qh?.onEpochsDone({ epochs: r.meta.training.epochs, maxEpochs: q.epochs });
    question = r.meta;
    windowsPerEpoch = r.windowsPerEpoch;
  }
  return {
    errors,
    meta,
    ...(question === undefined ? {} : { question }),
    stats: {
      ...pipeline.stats(),
      samples_collected: captured.count,
      samples_seen: collector.seen,
      samples_dropped: collector.dropped,
      ...(alerts === undefined ? {} : { benign_alerts: alerts.used, benign_alerts_skipped: alerts.skipped }),
      ...(base === undefined ? {} : { base_model_id: base.meta.modelId, base_samples: base.rows.samples }),
      calibration: cal,
      fusion,
      ...(windows === undefined || question === undefined
        ? {}
        : {
            question: {
              windows_collected: windows.count,
              windows_seen: windows.seen,
              windows_per_epoch: windowsPerEpoch,
              ...windows.extractor.stats,
              threshold: question.threshold,
              calibration: question.calibration,
            },
          }),
    },
  };
}
