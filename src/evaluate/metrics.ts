/**
 * Detection metrics over plain arrays. Labels: 1 = anomalous (the positive
 * class), 0 = benign. A continuous score alerts when `score > threshold`,
 * matching how the scorer applies the model threshold. NaN scores rank as
 * +Infinity: a sample the model could not score is treated as the most
 * suspicious, never silently as the most benign.
 */

export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** Rates are null where their denominator is zero (e.g. TPR with no anomalous samples). */
export interface Rates extends Confusion {
  readonly tpr: number | null;
  readonly fpr: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
}

/** Struct of arrays; point k alerts on `score > threshold[k]`. */
export interface RocCurve {
  readonly threshold: Float64Array;
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
}

export function rankScore(s: number): number {
  return Number.isNaN(s) ? Number.POSITIVE_INFINITY : s;
}

/** alerts[i] != 0 means sample i raised an alert. */
export function confusionFromAlerts(alerts: ArrayLike<number>, labels: ArrayLike<number>): Confusion {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const pos = labels[i] !== 0;
    if (alerts[i] !== 0) {
      if (pos) tp++;
      else fp++;
    } else if (pos) fn++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

export function confusionAtThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): Confusion {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const pos = labels[i] !== 0;
    if (rankScore(scores[i]!) > threshold) {
      if (pos) tp++;
      else fp++;
    } else if (pos) fn++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

function ratio(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

export function rates(c: Confusion): Rates {
  const tpr = ratio(c.tp, c.tp + c.fn);
  const precision = ratio(c.tp, c.tp + c.fp);
  // F1 = 2TP / (2TP + FP + FN): defined whenever anything was positive or alerted.
  const f1 = ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
  return { ...c, tpr, fpr: ratio(c.fp, c.fp + c.tn), precision, recall: tpr, f1 };
}

/**
 * ROC over every distinct score. Samples with equal scores enter together,
 * so a tie between a benign and an anomalous sample is one diagonal step
 * (worth half credit under the trapezoid rule), never an optimistic or
 * pessimistic staircase that depends on input order. Empty when either
 * class is absent (the rates would be undefined).
 */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocCurve {
  const n = labels.length;
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i] !== 0) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) {
    return { threshold: new Float64Array(0), fpr: new Float64Array(0), tpr: new Float64Array(0) };
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = rankScore(scores[i]!);
  order.sort((a, b) => s[b]! - s[a]! || 0);
  // Infinity - Infinity is NaN; the `|| 0` above keeps such pairs equal.
  const thr: number[] = [s[order[0]!]!];
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  let tp = 0;
  let fp = 0;
  let k = 0;
  while (k < n) {
    const v = s[order[k]!]!;
    while (k < n && s[order[k]!] === v) {
      if (labels[order[k]!] !== 0) tp++;
      else fp++;
      k++;
    }
    thr.push(k < n ? s[order[k]!]! : Number.NEGATIVE_INFINITY);
    fpr.push(fp / neg);
    tpr.push(tp / pos);
  }
  return { threshold: Float64Array.from(thr), fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr) };
}

/** Area under a curve whose points are ordered by non-decreasing FPR. */
export function trapezoidAuc(curve: Pick<RocCurve, 'fpr' | 'tpr'>): number | null {
  const m = curve.fpr.length;
  if (m < 2) return null;
  let area = 0;
  for (let k = 1; k < m; k++) {
    area += (curve.fpr[k]! - curve.fpr[k - 1]!) * (curve.tpr[k]! + curve.tpr[k - 1]!) * 0.5;
  }
  return area;
}

export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  return trapezoidAuc(rocCurve(scores, labels));
}

/**
 * A binary detector has one operating point; its ROC is (0,0)-(fpr,tpr)-(1,1)
 * and the trapezoid area is (1 + TPR - FPR) / 2.
 */
export function operatingPointAuc(c: Confusion): number | null {
  const r = rates(c);
  if (r.tpr === null || r.fpr === null) return null;
  return (1 + r.tpr - r.fpr) / 2;
}

export interface FprThreshold {
  /** The requested false-positive rate. */
  readonly targetFpr: number;
  /**
   * The smallest benign score t with at most floor(targetFpr * benign)
   * benign scores strictly above it; null without benign samples.
   */
  readonly threshold: number | null;
  /** FPR the threshold actually gives on these benign scores. */
  readonly achievedFpr: number | null;
  readonly benign: number;
}

export function thresholdForFpr(scores: ArrayLike<number>, labels: ArrayLike<number>, targetFpr: number): FprThreshold {
  if (!(targetFpr >= 0 && targetFpr <= 1)) throw new RangeError(`FPR must be within [0, 1], got ${targetFpr}`);
  const benign: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === 0) benign.push(rankScore(scores[i]!));
  const n = benign.length;
  if (n === 0) return { targetFpr, threshold: null, achievedFpr: null, benign: 0 };
  const sorted = Float64Array.from(benign).sort();
  // The epsilon absorbs products like 0.29 * 100 = 28.999999999999996.
  const allowed = Math.min(n, Math.floor(targetFpr * n + 1e-9));
  const t = sorted[Math.max(0, n - 1 - allowed)]!;
  let above = 0;
  for (let i = 0; i < n; i++) if (sorted[i]! > t) above++;
  return { targetFpr, threshold: t, achievedFpr: above / n, benign: n };
}
