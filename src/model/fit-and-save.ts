import { ModelError } from '../errors.js';
import { VERSION } from '../version.js';
import { calibrateThreshold, calibrationRecord, DEFAULT_TARGET_FPR, lossStep, type CalibrationMethod } from './calibrate.js';
import { saveModelDir, type ModelMeta } from './model-dir.js';
import { trainAutoencoder, type TrainingSet, type TrainOptions } from './train.js';

export interface FitAndSaveOptions extends TrainOptions {
  readonly dir: string;
  readonly targetFpr?: number;
  /** Default 'half-step' (quantile for encodings without loss steps). */
  readonly calibration?: CalibrationMethod;
  /** Capture files the samples came from (recorded in dnsae.json). */
  readonly files: readonly string[];
}

/**
 * The whole of `dnsae train` after sample extraction: train, calibrate the
 * threshold on the held-out benign samples, write the model directory.
 */
export async function fitAndSave(data: TrainingSet, opts: FitAndSaveOptions): Promise<ModelMeta> {
  const r = await trainAutoencoder(data, opts);
  try {
    if (r.heldOutLosses.length === 0) {
      throw new ModelError('DNSAE_ERR_TRAINING', 'no held-out samples to calibrate on (raise --validation-fraction or add data)');
    }
    const step = opts.calibration === 'quantile' ? undefined : lossStep(r.spec);
    const cal = calibrateThreshold(r.heldOutLosses, opts.targetFpr ?? DEFAULT_TARGET_FPR, step);
    return await saveModelDir(opts.dir, r.model, {
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
      },
    });
  } finally {
    r.model.dispose();
  }
}
