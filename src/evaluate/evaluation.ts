import { DETECTORS, type Detector, type EvalInput } from './eval-types.js';
import { scoreSamples, type SampleScores } from './detectors.js';
import { aggregateFlows, type FlowTable } from './flow-aggregate.js';
import { fileTable, ruleHitCounts, type FileRow } from './file-table.js';
import { perByteMean } from './per-byte.js';
import type { TunnelEvaluation } from './tunnel-metrics.js';
import {
  confusionAtThreshold,
  confusionFromAlerts,
  operatingPointAuc,
  rates,
  rocCurve,
  thresholdForFpr,
  trapezoidAuc,
  type FprThreshold,
  type Rates,
  type RocCurve,
} from './metrics.js';

/** Everything the JSON, text and HTML reports show, computed once. */
export interface LevelResult {
  readonly rates: Readonly<Record<Detector, Rates>>;
  /** Continuous ROC area for ae and hybrid; single-operating-point area for rules and dns_decode. */
  readonly auc: Readonly<Record<Detector, number | null>>;
  readonly roc: { readonly ae: RocCurve; readonly hybrid: RocCurve };
}

export interface FprResult extends FprThreshold {
  /** threshold / model threshold: multiply each per-transport threshold by it. */
  readonly scale: number | null;
  /** Sample-level rates of the ae detector at that threshold. */
  readonly rates: Rates | null;
}

export interface Evaluation {
  readonly modelId: string;
  readonly threshold: number;
  /** The hybrid's autoencoder-only threshold; equals `threshold` for a model without a fusion record. */
  readonly aeOnlyThreshold: number;
  readonly counts: {
    readonly samples: number;
    readonly benignSamples: number;
    readonly anomalousSamples: number;
    readonly flows: number;
    readonly benignFlows: number;
    readonly anomalousFlows: number;
  };
  readonly perSample: LevelResult;
  readonly perFlow: LevelResult;
  readonly thresholdForFpr: FprResult;
  readonly perByteMean: { readonly benign: (number | null)[]; readonly anomalous: (number | null)[] };
  readonly ruleHits: { readonly benign: Record<string, number>; readonly anomalous: Record<string, number> };
  readonly files: FileRow[];
  readonly scores: SampleScores;
  readonly flows: FlowTable;
  readonly labels: Uint8Array;
  /** The tunnel stage's metrics, when the model has that stage and it ran (tunnel-metrics.ts). */
  readonly tunnel?: TunnelEvaluation;
}

export interface EvaluateOptions {
  /** Target false-positive rate for the suggested threshold (default 0.001). */
  readonly fpr?: number;
}

export const DEFAULT_TARGET_FPR = 0.001;

function level(
  labels: ArrayLike<number>,
  aeScore: ArrayLike<number>,
  hybridScore: ArrayLike<number>,
  alerts: Readonly<Record<Detector, Uint8Array>>,
): LevelResult {
  const r = {} as Record<Detector, Rates>;
  const auc = {} as Record<Detector, number | null>;
  for (const d of DETECTORS) {
    const c = confusionFromAlerts(alerts[d], labels);
    r[d] = rates(c);
    auc[d] = operatingPointAuc(c);
  }
  const roc = { ae: rocCurve(aeScore, labels), hybrid: rocCurve(hybridScore, labels) };
  auc.ae = trapezoidAuc(roc.ae);
  auc.hybrid = trapezoidAuc(roc.hybrid);
  return { rates: r, auc, roc };
}

function countOnes(a: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) k++;
  return k;
}

export function computeEvaluation(input: EvalInput, options: EvaluateOptions = {}): Evaluation {
  const cols = input.samples;
  const scores = scoreSamples(cols, input.threshold);
  const flows = aggregateFlows(cols, scores);
  const labels = cols.label;

  const fpr = options.fpr ?? DEFAULT_TARGET_FPR;
  const t = thresholdForFpr(scores.aeScore, labels, fpr);
  const scale = t.threshold === null || !(input.threshold > 0) ? null : t.threshold / input.threshold;
  const thresholdResult: FprResult = {
    ...t,
    scale: scale !== null && Number.isFinite(scale) ? scale : null,
    rates: t.threshold === null ? null : rates(confusionAtThreshold(scores.aeScore, labels, t.threshold)),
  };

  const anomalousSamples = countOnes(labels);
  const anomalousFlows = countOnes(flows.label);
  return {
    modelId: input.modelId,
    threshold: input.threshold,
    aeOnlyThreshold: input.aeOnlyThreshold ?? input.threshold,
    counts: {
      samples: cols.count,
      benignSamples: cols.count - anomalousSamples,
      anomalousSamples,
      flows: flows.count,
      benignFlows: flows.count - anomalousFlows,
      anomalousFlows,
    },
    perSample: level(labels, scores.aeScore, scores.hybridScore, scores.alerts),
    perFlow: level(flows.label, flows.aeScore, flows.hybridScore, flows.alerts),
    thresholdForFpr: thresholdResult,
    perByteMean: { benign: perByteMean(cols, 0), anomalous: perByteMean(cols, 1) },
    ruleHits: {
      benign: ruleHitCounts(cols.ruleMask, input.ruleNames, (i) => labels[i] === 0),
      anomalous: ruleHitCounts(cols.ruleMask, input.ruleNames, (i) => labels[i] !== 0),
    },
    files: fileTable(input.files, cols, scores, flows, input.ruleNames),
    scores,
    flows,
    labels,
  };
}
