import { targetWidth, type FeatureSpec } from '../features/encode.js';

/**
 * Threshold calibration on held-out benign losses. A sample alerts when its
 * loss is strictly greater than the threshold.
 *
 * The base is the quantile threshold q: the smallest t with
 * fraction(loss > t) <= targetFpr, always one of the observed losses.
 *
 * With bit targets the loss is the mean squared error over T outputs that sit
 * near 0 or 1, so it is close to (wrong bits) / T plus a small residual: the
 * losses form steps 1/T apart, and q lands on one of them. Benign samples on
 * the same step as q then alert or not by the residual's float noise (a few
 * 1e-6), which is why the 'half-step' method adds half a step: an alert needs
 * at least half a wrong bit more than the worst tolerated held-out sample.
 * That keeps the FPR bound (the threshold only grows) and puts it in the
 * empty band between two steps. Byte targets (x/255) have no steps; they keep
 * the plain quantile.
 */
export const QUANTILE_LEVELS = [0.5, 0.9, 0.99, 0.999] as const;

export interface LossQuantiles {
  readonly q50: number;
  readonly q90: number;
  readonly q99: number;
  readonly q999: number;
  readonly max: number;
}

/** 'quantile': threshold = q. 'half-step': threshold = q + step/2 (bit targets). */
export type CalibrationMethod = 'quantile' | 'half-step';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['quantile', 'half-step'];

/** How the threshold was derived; stored in dnsae.json as `calibration`. */
export interface CalibrationRecord {
  readonly method: CalibrationMethod;
  /** The quantile threshold q (the threshold itself for 'quantile'). */
  readonly quantileLoss: number;
  /** Added to q: half the loss of one wrong bit for 'half-step', else 0. */
  readonly margin: number;
  /** Smallest held-out loss above q, or q when none is above it. */
  readonly nextLoss: number;
}

export interface Calibration extends CalibrationRecord {
  readonly threshold: number;
  readonly targetFpr: number;
  /** Fraction of the calibration losses above the threshold (<= targetFpr). */
  readonly observedFpr: number;
  readonly samples: number;
  readonly quantiles: LossQuantiles;
}

export const DEFAULT_TARGET_FPR = 0.001;

/**
 * Loss of one wrong output when the targets are bits (1/T for T targets), or
 * undefined when they are not: the step the 'half-step' method is built on.
 */
export function lossStep(spec: FeatureSpec): number | undefined {
  return spec.encoding === 'bits' ? 1 / targetWidth(spec) : undefined;
}

/** Nearest-rank quantile of ascending `sorted`: the ceil(q*n)-th smallest value. */
export function quantileSorted(sorted: Float64Array | Float32Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)));
  return sorted[rank - 1]!;
}

/**
 * Calibrates on held-out losses. With `step` (see lossStep) the threshold is
 * q + step/2 ('half-step'); without it, q ('quantile').
 */
export function calibrateThreshold(losses: ArrayLike<number>, targetFpr: number = DEFAULT_TARGET_FPR, step?: number): Calibration {
  if (!(targetFpr >= 0 && targetFpr < 1)) throw new RangeError(`targetFpr must be in [0,1), got ${targetFpr}`);
  if (step !== undefined && !(step > 0 && Number.isFinite(step))) throw new RangeError(`step must be a positive number, got ${step}`);
  const n = losses.length;
  if (n === 0) throw new RangeError('no held-out losses to calibrate on');
  const sorted = Float64Array.from(losses).sort();
  // At most `allowed` samples may sit strictly above the quantile threshold.
  const allowed = Math.floor(targetFpr * n + 1e-9);
  const q = sorted[n - 1 - allowed]!;
  let firstAbove = n;
  while (firstAbove > 0 && sorted[firstAbove - 1]! > q) firstAbove--;
  const margin = step === undefined ? 0 : step / 2;
  const threshold = q + margin;
  let above = 0;
  for (let i = n - 1; i >= 0 && sorted[i]! > threshold; i--) above++;
  return {
    method: step === undefined ? 'quantile' : 'half-step',
    quantileLoss: q,
    margin,
    nextLoss: firstAbove < n ? sorted[firstAbove]! : q,
    threshold,
    targetFpr,
    observedFpr: above / n,
    samples: n,
    quantiles: {
      q50: quantileSorted(sorted, 0.5),
      q90: quantileSorted(sorted, 0.9),
      q99: quantileSorted(sorted, 0.99),
      q999: quantileSorted(sorted, 0.999),
      max: sorted[n - 1]!,
    },
  };
}

/** The part of a calibration that dnsae.json records. */
export function calibrationRecord(c: Calibration): CalibrationRecord {
  return { method: c.method, quantileLoss: c.quantileLoss, margin: c.margin, nextLoss: c.nextLoss };
}
