import { DETECTORS, type Detector, type EvalColumns } from './eval-types.js';

/**
 * Per-sample verdicts of the four detectors, and the continuous scores behind
 * the two model-based ones.
 *
 * The model keeps one threshold per transport/direction, so raw losses of
 * different samples are not on one scale. The continuous score is the
 * "scaled loss" `reference * loss / sampleThreshold`: it exceeds the
 * reference threshold exactly when the loss exceeds its own threshold, and
 * equals the raw loss when all thresholds are the reference. ROC curves,
 * histograms and the FPR threshold are computed on it.
 */
export interface SampleScores {
  readonly count: number;
  readonly aeScore: Float64Array;
  /**
   * The hybrid's score: +Infinity for samples failing a structural rule,
   * else the loss scaled by the autoencoder-only threshold (the model's
   * fusion record; the model threshold without one), so that it exceeds the
   * reference exactly when the hybrid alerts.
   */
  readonly hybridScore: Float64Array;
  /** 1 = the detector alerted on this sample. */
  readonly alerts: Readonly<Record<Detector, Uint8Array>>;
}

export function scaledLoss(loss: number, sampleThreshold: number, reference: number): number {
  if (Number.isNaN(loss)) return Number.POSITIVE_INFINITY;
  if (sampleThreshold === reference || !(sampleThreshold > 0) || !Number.isFinite(sampleThreshold)) return loss;
  return reference * (loss / sampleThreshold);
}

export function scoreSamples(cols: EvalColumns, reference: number): SampleScores {
  const n = cols.count;
  const aeScore = new Float64Array(n);
  const hybridScore = new Float64Array(n);
  const alerts = Object.fromEntries(DETECTORS.map((d) => [d, new Uint8Array(n)])) as Record<Detector, Uint8Array>;
  for (let i = 0; i < n; i++) {
    const loss = cols.loss[i]!;
    // The verdict is taken on the raw loss, as the scorer does; a NaN loss alerts.
    const ae = !(loss <= cols.threshold[i]!);
    const rule = cols.ruleMask[i] !== 0;
    const aeOnly = cols.aeOnlyThreshold[i]!;
    aeScore[i] = scaledLoss(loss, cols.threshold[i]!, reference);
    hybridScore[i] = rule ? Number.POSITIVE_INFINITY : scaledLoss(loss, aeOnly, reference);
    alerts.ae[i] = ae ? 1 : 0;
    alerts.rules[i] = rule ? 1 : 0;
    // Fusion (docs/model.md): a rule hit alerts whatever the loss; alone, the autoencoder needs its stricter threshold.
    alerts.hybrid[i] = rule || !(loss <= aeOnly) ? 1 : 0;
    alerts.dns_decode[i] = cols.decodesAsDns[i] === 0 ? 1 : 0;
  }
  return { count: n, aeScore, hybridScore, alerts };
}
