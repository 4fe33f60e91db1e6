import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { DEFAULT_SPEC, PURE_EIGHT_BYTE_SPEC, type FeatureSpec } from '../features/encode.js';
import { stageLogger } from '../logger.js';
import { DEFAULT_TARGET_FPR, type CalibrationMethod } from '../model/calibrate.js';
import { DEFAULT_QUESTION_TARGET_FPR } from '../model/question/question-model.js';
import type { BackendPreference } from '../model/backend.js';
import type { DedupeMode } from '../model/train.js';
import { addPipelineOptions, pipelineOptionsFrom, type PipelineCliOptions } from './pipeline-options.js';
import { epochProgress } from './epoch-progress.js';
import { count, note, progressTarget } from './progress.js';
import { ReadProgress } from './read-progress.js';
import { addSummaryOption, table, writeSummary, type SummaryMode } from './summary.js';
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
  base?: string;
  benignAlerts?: string[];
  learningRate?: number;
  alertWeight: number;
  summary: SummaryMode;
}

function specFor(name: TrainOptions['features']): FeatureSpec {
  if (name === 'eight-bytes') return PURE_EIGHT_BYTE_SPEC;
  if (name === 'with-length') return { ...DEFAULT_SPEC, lengthInput: true };
  return DEFAULT_SPEC;
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description('train an autoencoder on benign captures, calibrate its threshold, write a model directory')
    .argument('[capture...]', 'benign pcap or pcapng files; - reads standard input (none with --base and --benign-alerts only)')
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
    .option('--zone-depth <n>', 'labels of a registered domain under a suffix not on the Public Suffix List', parseIntOption('--zone-depth', 1, 16), 2)
    .option('--base <dir>', "fine-tune the header stage of this model directory on its own training rows plus the captures given (site adaptation); its encoding is kept and its question stage copied (docs/site-adaptation.md)")
    .option('--benign-alerts <files...>', 'alerts (EVE NDJSON from dnsae score) an analyst marked as false positives, added as benign samples')
    .option('--alert-weight <n>', 'samples each --benign-alerts record counts as', parseIntOption('--alert-weight', 1, 1_000_000), 100)
    .option('--learning-rate <rate>', 'Adam learning rate (default 0.005, 0.001 with --base)', parseFloatOption('--learning-rate', 1e-6, 1));
  addSummaryOption(cmd);
  addPipelineOptions(cmd);
  return cmd.action((inputs: string[], o: TrainOptions) =>
    runAction(async () => {
      const log = stageLogger('train');
      if (inputs.length === 0 && (o.base === undefined || o.benignAlerts === undefined)) {
        throw new UsageError('train needs benign captures (or --base DIR with --benign-alerts FILES)');
      }
      const t = progressTarget(log);
      // Loaded on use: importing tfjs costs every other command about 0.2 s of startup.
      const { trainFromCaptures } = await import('../run/train.js');
      const reading = new ReadProgress(t);
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
          ...(o.base === undefined ? {} : { base: o.base }),
          ...(o.benignAlerts === undefined ? {} : { benignAlerts: o.benignAlerts }),
          ...(o.learningRate === undefined ? {} : { learningRate: o.learningRate }),
          alertWeight: o.alertWeight,
          progress: {
            reading,
            header: epochProgress(t, 'header stage'),
            question: epochProgress(t, 'question stage'),
            phase: (stage, phase, d) =>
              phase === 'calibrating'
                ? note(t, `${stage} stage: calibrating on ${count(d.samples ?? 0)} held-out samples`, { stage_model: stage, samples: d.samples }, 'calibrating')
                : phase === 'fusion'
                  ? note(t, `${stage} stage: calibrating the hybrid's autoencoder-only threshold on ${count(d.samples ?? 0)} benign samples`, { stage_model: stage, samples: d.samples }, 'calibrating fusion')
                  : note(t, `${stage} stage: writing ${d.dir}`, { stage_model: stage, dir: d.dir }, 'writing model'),
          },
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
                },
              }
            : {}),
        },
        log,
      );
      const m = result.meta;
      const s = result.stats as { frames: number; samples_collected: number; samples_seen: number; samples_dropped: number; benign_alerts?: number; base_samples?: number };
      writeSummary(
        o.summary,
        log,
        {
          stats: result.stats,
          model: { dir: o.out, id: m.modelId, threshold: m.threshold },
          ...(result.question === undefined ? {} : { question_model: { id: result.question.modelId, threshold: result.question.threshold } }),
        },
        'train summary',
        () =>
          table([
            ['read', `${inputs.length} capture${inputs.length === 1 ? '' : 's'}, ${count(s.frames)} packets, ${count(s.samples_seen)} samples (${count(s.samples_dropped)} past --max-samples not kept)`],
            ...(s.benign_alerts === undefined ? [] : [['alerts', `${count(s.benign_alerts)} analyst-marked alerts added as benign samples`] as [string, string]]),
            ...(m.training.base === undefined ? [] : [['base', `${m.training.base.modelId} (${count(s.base_samples ?? 0)} training samples kept as rows)`] as [string, string]]),
            ['header', `model ${m.modelId}, threshold ${m.threshold.toFixed(6)}, ${m.training.epochs} epochs (best ${m.training.bestEpoch}), ${count(m.training.samples)} samples, ${count(m.calibrationSamples)} held out, ${m.training.seconds.toFixed(1)} s`],
            ...(result.question === undefined
              ? []
              : [['question', `model ${result.question.modelId}, threshold ${result.question.threshold.toFixed(6)}, ${result.question.training.epochs} epochs, ${count(result.question.training.windows)} windows`] as [string, string]]),
            ['wrote', `${o.out}${result.question === undefined ? '' : ' (with question/)'}`],
          ]),
      );
      return exitForErrors(result.errors);
    }),
  );
}
