import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../../errors.js';
import { QUESTION_FEATURE_COUNT, QUESTION_FEATURE_VERSION, QUESTION_FEATURES } from '../../features/question/question-features.js';
import { META_JSON, readDenseNetwork, readModelMetaJson, type DenseNetwork, type TrainingRun } from '../model-weights.js';

/**
 * The question stage's model lives in a `question/` directory inside the
 * model directory, in the same three files as the header model (model.json,
 * weights.bin, dnsae.json), with its own feature version and threshold. A
 * model directory without it is a header-only model: it loads, and scoring
 * runs the header stage alone.
 */
export const QUESTION_DIR = 'question';
export const QUESTION_FORMAT_VERSION = 1;
/** One benign (client, registered domain) window in 10,000 may alert. */
export const DEFAULT_QUESTION_TARGET_FPR = 1e-4;

export interface QuestionCalibration {
  /**
   * 'quantile': the held-out loss at the target FPR; 'tail': too few
   * held-out windows to see that quantile, so it is extrapolated from the
   * largest ones (an exponential tail, never below the largest held-out
   * loss); 'max': too few held-out windows even for that, the largest.
   */
  readonly method: 'quantile' | 'tail' | 'max';
  readonly heldOutWindows: number;
  readonly quantileLoss: number;
  readonly margin: number;
  readonly observedFpr: number;
}

export interface QuestionModelMeta {
  readonly formatVersion: number;
  readonly featureVersion: number;
  readonly features: readonly string[];
  readonly arch: { readonly hidden: number; readonly bottleneck: number };
  /** Seconds of packet time per (client, registered domain) window the model was trained on. */
  readonly windowSec: number;
  readonly threshold: number;
  readonly targetFpr: number;
  readonly calibration: QuestionCalibration;
  readonly quantiles: { readonly q50: number; readonly q90: number; readonly q99: number; readonly q999: number; readonly max: number };
  /** Mean squared error per feature on held-out benign windows. */
  readonly perFeatureMeanError: readonly number[];
  readonly training: TrainingRun & { readonly windows: number };
  readonly modelId: string;
}

export interface QuestionModel extends DenseNetwork {
  readonly dir: string;
  readonly meta: QuestionModelMeta;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function fail(file: string, message: string, code: 'DNSAE_ERR_MODEL_INVALID' | 'DNSAE_ERR_MODEL_VERSION' = 'DNSAE_ERR_MODEL_INVALID'): never {
  throw new ModelError(code, message, { file });
}

function checkMeta(raw: unknown, file: string): QuestionModelMeta {
  if (typeof raw !== 'object' || raw === null) fail(file, 'metadata is not a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.formatVersion !== QUESTION_FORMAT_VERSION) {
    fail(file, `question model format version ${String(m.formatVersion)} not supported (this dnsae reads ${QUESTION_FORMAT_VERSION})`, 'DNSAE_ERR_MODEL_VERSION');
  }
  if (m.featureVersion !== QUESTION_FEATURE_VERSION) {
    fail(file, `question feature version ${String(m.featureVersion)} not supported (this dnsae computes version ${QUESTION_FEATURE_VERSION})`, 'DNSAE_ERR_MODEL_VERSION');
  }
  const f = m.features;
  if (!Array.isArray(f) || f.length !== QUESTION_FEATURE_COUNT || f.some((x, i) => x !== QUESTION_FEATURES[i])) {
    fail(file, 'features do not match this dnsae\'s question features of the same version');
  }
  const arch = m.arch as Record<string, unknown> | undefined;
  if (!arch || !isNum(arch.hidden) || !isNum(arch.bottleneck)) fail(file, 'arch.hidden/arch.bottleneck missing');
  if (!isNum(m.windowSec) || m.windowSec <= 0) fail(file, 'windowSec missing or not positive');
  if (!isNum(m.threshold) || m.threshold < 0) fail(file, 'threshold missing or not a non-negative number');
  if (!isNum(m.targetFpr)) fail(file, 'targetFpr missing');
  const pf = m.perFeatureMeanError;
  if (!Array.isArray(pf) || pf.length !== QUESTION_FEATURE_COUNT || !pf.every(isNum)) fail(file, `perFeatureMeanError must be ${QUESTION_FEATURE_COUNT} numbers`);
  if (typeof m.modelId !== 'string' || !/^[0-9a-f]{12}$/.test(m.modelId)) fail(file, 'modelId missing');
  if (typeof m.training !== 'object' || m.training === null) fail(file, 'training summary missing');
  if (typeof m.calibration !== 'object' || m.calibration === null) fail(file, 'calibration missing');
  return raw as QuestionModelMeta;
}

/** The question model of model directory `modelDir`, or undefined when it has none (a header-only model). */
export async function readQuestionModel(modelDir: string): Promise<QuestionModel | undefined> {
  const dir = path.join(modelDir, QUESTION_DIR);
  try {
    await stat(dir);
  } catch {
    return undefined;
  }
  const metaFile = path.join(dir, META_JSON);
  const meta = checkMeta(await readModelMetaJson(metaFile), metaFile);
  const net = await readDenseNetwork(dir, QUESTION_FEATURE_COUNT, QUESTION_FEATURE_COUNT, meta.modelId);
  return { dir, meta, ...net };
}
