import { ModelError } from '../errors.js';
import { VERSION } from '../version.js';
import { calibrateThreshold, calibrationRecord, DEFAULT_TARGET_FPR, lossStep, type Calibration, type CalibrationMethod } from './calibrate.js';
import { saveModelDir, type ModelMeta } from './model-dir.js';
import type { BaseModelRecord } from './model-weights.js';
import { trainAutoencoder, type TrainingSet, type TrainOptions, type TrainResult } from './train.js';
import { writeTrainingRows } from './training-rows.js';

export interface FitAndSaveOptions extends TrainOptions {
  readonly dir: string;
  readonly targetFpr?: number;
  /** Default 'half-step' (quantile for encodings without loss steps). */
  readonly calibration?: CalibrationMethod;
  /** Capture files the samples came from (recorded in dnsae.json). */
  readonly files: readonly string[];
  /** The model this one was fine-tuned from (`dnsae train --base`). */
  readonly base?: BaseModelRecord;
  /** Samples that came from analyst-marked alerts (`--benign-alerts`). */
  readonly benignAlerts?: number;
  /** Told when each phase after the epochs starts. */
  readonly onPhase?: (phase: 'calibrating' | 'writing', detail: { samples?: number; dir?: string }) => void;
}

export interface FitAndSaveResult {
  readonly meta: ModelMeta;
  readonly calibration: Calibration;
  readonly train: Omit<TrainResult, 'model' | 'heldOutLosses'>;
}

/**
 * The whole of `dnsae train`'s header stage after sample extraction: train,
 * calibrate the threshold on the held-out benign samples, write the model
 * directory with its training rows (training-rows.json, for a later --base).
 */
function withThreshold(c: Calibration, threshold: number, losses: Float32Array): Calibration {
  let above = 0;
  for (let i = 0; i < losses.length; i++) if (losses[i]! > threshold) above++;
  return { ...c, threshold, margin: threshold - c.quantileLoss, observedFpr: above / losses.length };
}

export async function fitAndSave(data: TrainingSet, opts: FitAndSaveOptions): Promise<ModelMeta> {
  return (await fitAndSaveDetailed(data, opts)).meta;
}

export async function fitAndSaveDetailed(data: TrainingSet, opts: FitAndSaveOptions): Promise<FitAndSaveResult> {
  const r = await trainAutoencoder(data, opts);
  try {
    if (r.heldOutLosses.length === 0) {
      throw new ModelError('DNSAE_ERR_TRAINING', 'no held-out samples to calibrate on (raise --validation-fraction or add data)');
    }
    opts.onPhase?.('calibrating', { samples: r.heldOutLosses.length });
    const step = opts.calibration === 'quantile' ? undefined : lossStep(r.spec);
    const recal = calibrateThreshold(r.heldOutLosses, opts.targetFpr ?? DEFAULT_TARGET_FPR, step);
    // A round of site adaptation is there to silence false alarms; a
    // recalibration that lands below the base's threshold (the fine-tuned
    // model fits the union better) would alert on traffic the base let
    // through: 5 flows of the public benign corpus in the zone-transfer round
    // of docs/site-adaptation.md. The base's threshold is the floor.
    const cal = opts.base === undefined || recal.threshold >= opts.base.threshold ? recal : withThreshold(recal, opts.base.threshold, r.heldOutLosses);
    opts.onPhase?.('writing', { dir: opts.dir });
    const meta = await saveModelDir(opts.dir, r.model, {
      spec: r.spec,
      arch: r.arch,
      threshold: cal.threshold,
      targetFpr: cal.targetFpr,
      calibration: calibrationRecord(cal),
      calibrationSamples: cal.samples,
      quantiles: cal.quantiles,
      perByteMeanError: Array.from(r.heldOutPerByteError),
      training: {
        files: opts.files,
        samples: r.samples,
        uniqueSamples: r.uniqueSamples,
        date: new Date().toISOString(),
        dnsaeVersion: VERSION,
        seed: opts.seed,
        backend: r.backend,
        epochs: r.epochsRun,
        valLoss: r.valLoss,
        seconds: r.seconds,
        bestEpoch: r.bestEpoch,
        maxEpochs: opts.epochs,
        distinctRows: r.trainingRows.data.count,
        ...(r.trainingRows.droppedRows > 0 ? { droppedRows: r.trainingRows.droppedRows, droppedSamples: r.trainingRows.droppedSamples } : {}),
        ...(opts.base === undefined ? {} : { base: opts.base }),
        ...(opts.benignAlerts === undefined ? {} : { benignAlerts: opts.benignAlerts }),
      },
    });
    await writeTrainingRows(opts.dir, r.trainingRows);
    const { model: _m, heldOutLosses: _h, ...train } = r;
    return { meta, calibration: cal, train };
  } finally {
    r.model.dispose();
  }
}
