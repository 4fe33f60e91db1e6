/**
 * Threshold calibration on held-out benign losses. A sample alerts when its
 * loss is strictly greater than the threshold, so the threshold is the
 * smallest t with fraction(loss > t) <= targetFpr; that t is always one of
 * the observed losses.
 */
export const QUANTILE_LEVELS = [0.5, 0.9, 0.99, 0.999] as const;

export interface LossQuantiles {
  readonly q50: number;
  readonly q90: number;
  readonly q99: number;
  readonly q999: number;
  readonly max: number;
}

export interface Calibration {
  readonly threshold: number;
  readonly targetFpr: number;
  /** Fraction of the calibration losses above the threshold (<= targetFpr). */
  readonly observedFpr: number;
  readonly samples: number;
  readonly quantiles: LossQuantiles;
}

export const DEFAULT_TARGET_FPR = 0.001;

/** Nearest-rank quantile of ascending `sorted`: the ceil(q*n)-th smallest value. */
export function quantileSorted(sorted: Float64Array | Float32Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)));
  return sorted[rank - 1]!;
}

export function calibrateThreshold(losses: ArrayLike<number>, targetFpr: number = DEFAULT_TARGET_FPR): Calibration {
  if (!(targetFpr >= 0 && targetFpr < 1)) throw new RangeError(`targetFpr must be in [0,1), got ${targetFpr}`);
  const n = losses.length;
  if (n === 0) throw new RangeError('no held-out losses to calibrate on');
  const sorted = Float64Array.from(losses).sort();
  // At most `allowed` samples may sit strictly above the threshold.
  const allowed = Math.floor(targetFpr * n + 1e-9);
  const threshold = sorted[n - 1 - allowed]!;
  let above = 0;
  for (let i = n - 1; i >= 0 && sorted[i]! > threshold; i--) above++;
  return {
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
