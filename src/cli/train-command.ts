import { Command } from 'commander';
import { DEFAULT_SPEC, PURE_EIGHT_BYTE_SPEC, type FeatureSpec } from '../features/encode.js';
import { stageLogger } from '../logger.js';
import { DEFAULT_TARGET_FPR, type CalibrationMethod } from '../model/calibrate.js';
import { DEFAULT_QUESTION_TARGET_FPR } from '../model/question/question-model.js';
import type { BackendPreference } from '../model/backend.js';
import type { DedupeMode } from '../model/train.js';
import { addPipelineOptions, pipelineOptionsFrom, type PipelineCliOptions } from './pipeline-options.js';
import { trainingProgress } from './progress.js';
import { exitForErrors, oneOf, parseFloatOption, parseIntOption, runAction } from './run-action.js';

interface TrainOptions extends PipelineCliOptions {
  out: string;
  features: 'default' | 'eight-bytes' | 'with-length';
  seed: number;
  epochs: number;
  batchSize: number;
  validation: number;
  patience: number;
  targetFpr: number;
  calibration: CalibrationMethod;
  maxSamples: number;
  dedupe: DedupeMode;
  backend: BackendPreference;
  question: boolean;
  window: number;
  questionEpochs: number;
  questionTargetFpr: number;
  maxWindows: number;
  zoneDepth: number;
}

function specFor(name: TrainOptions['features']): FeatureSpec {
  if (name === 'eight-bytes') return PURE_EIGHT_BYTE_SPEC;
  if (name === 'with-length') return { ...DEFAULT_SPEC, lengthInput: true };
  return DEFAULT_SPEC;
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description('train an autoencoder on benign captures, calibrate its threshold, write a model directory')
    .argument('<capture...>', 'benign pcap or pcapng files; - reads standard input')
    .requiredOption('-o, --out <dir>', 'model directory to write (model.json, weights.bin, dnsae.json)')
    .option(
      '--features <set>',
      'default (bits of bytes 2-7, ID masked, conditioned on transport and direction), eight-bytes (the eight raw bytes scaled), with-length (default plus the message length)',
      oneOf('--features', ['default', 'eight-bytes', 'with-length'] as const),
      'default',
    )
    .option('--seed <n>', 'random seed: same data and seed give the same model', parseIntOption('--seed', 0, 2 ** 31 - 1), 53)
    .option('--epochs <n>', 'maximum epochs', parseIntOption('--epochs', 1, 10_000), 60)
    .option('--batch-size <n>', 'training batch size', parseIntOption('--batch-size', 1, 65_536), 256)
    .option('--validation <fraction>', 'share of samples held out for early stopping and calibration', parseFloatOption('--validation', 0.05, 0.9), 0.25)
    .option('--patience <n>', 'epochs without validation improvement before stopping', parseIntOption('--patience', 1, 1000), 6)
    .option('--target-fpr <rate>', 'false-positive rate the threshold is calibrated to', parseFloatOption('--target-fpr', 0, 0.5), DEFAULT_TARGET_FPR)
    .option(
      '--calibration <method>',
      'threshold rule: half-step (the held-out loss quantile plus half the loss of one wrong bit; byte encodings have no steps and use quantile) or quantile',
      oneOf('--calibration', ['half-step', 'quantile'] as const),
      'half-step',
    )
    .option('--max-samples <n>', 'samples kept for training (uniform reservoir beyond it)', parseIntOption('--max-samples', 100, 100_000_000), 2_000_000)
    .option('--dedupe <mode>', 'weighting of repeated inputs: count, sqrt, unique, none', oneOf('--dedupe', ['count', 'sqrt', 'unique', 'none'] as const), 'count')
    .option('--backend <name>', 'tensorflow.js backend: auto, node, wasm, cpu', oneOf('--backend', ['auto', 'node', 'wasm', 'cpu'] as const), 'auto')
    .option('--no-question', 'train the header stage alone (no question/ model for the tunnel stage)')
    .option('--window <sec>', 'seconds of packet time per (client, registered domain) window of the question stage', parseFloatOption('--window', 1, 86_400), 60)
    .option('--question-epochs <n>', 'maximum epochs of the question autoencoder', parseIntOption('--question-epochs', 1, 10_000), 200)
    .option('--question-target-fpr <rate>', 'share of benign windows the question threshold is calibrated to', parseFloatOption('--question-target-fpr', 0, 0.5), DEFAULT_QUESTION_TARGET_FPR)
    .option('--max-windows <n>', 'question windows kept for training (uniform reservoir beyond it)', parseIntOption('--max-windows', 50, 100_000_000), 1_000_000)
    .option('--zone-depth <n>', 'labels of a registered domain under a suffix not on the Public Suffix List', parseIntOption('--zone-depth', 1, 16), 2);
  addPipelineOptions(cmd);
  return cmd.action((inputs: string[], o: TrainOptions) =>
    runAction(async () => {
      const log = stageLogger('train');
      // Loaded on use: importing tfjs costs every other command about 0.2 s of startup.
      const { trainFromCaptures } = await import('../run/train.js');
      const result = await trainFromCaptures(
        inputs,
        {
          out: o.out,
          spec: specFor(o.features),
          seed: o.seed,
          epochs: o.epochs,
          batchSize: o.batchSize,
          validationFraction: o.validation,
          patience: o.patience,
          targetFpr: o.targetFpr,
          calibration: o.calibration,
          maxSamples: o.maxSamples,
          dedupe: o.dedupe,
          backend: o.backend,
          pipeline: pipelineOptionsFrom(o),
          onProgress: trainingProgress(log, o.epochs),
          ...(o.question
            ? {
                question: {
                  windowSec: o.window,
                  maxWindows: o.maxWindows,
                  tableWindows: 65_536,
                  epochs: o.questionEpochs,
                  batchSize: 256,
                  patience: 15,
                  targetFpr: o.questionTargetFpr,
                  domains: { zoneDepth: o.zoneDepth },
                  onProgress: trainingProgress(log, o.questionEpochs),
                },
              }
            : {}),
        },
        log,
      );
      log.info(
        {
          stats: result.stats,
          model: { dir: o.out, id: result.meta.modelId, threshold: result.meta.threshold },
          ...(result.question === undefined ? {} : { question_model: { id: result.question.modelId, threshold: result.question.threshold } }),
        },
        'train summary',
      );
      return exitForErrors(result.errors);
    }),
  );
}
