/**
 * Calibration of the hybrid detector as one detector.
 *
 * The hybrid alerts when the structure checks fail or the autoencoder's loss
 * is above its threshold, so its false alarms are the union of both. With
 * one threshold for both cases the hybrid can only be noisier than the rules
 * alone. The fusion keeps the model's calibrated threshold where the two
 * agree (a message the rules already flag: the autoencoder's vote only sets
 * the severity) and gives an alert of the autoencoder alone a stricter
 * threshold, calibrated on the benign messages the rules pass: the quantile
 * at `targetFpr` of their losses plus a margin of `marginSteps` loss steps
 * for bit targets, never below the model threshold. The default margin is
 * one wrong bit beyond the half-step band of the model threshold: benign
 * headers the training captures did not hold scored up to 0.92 bits above
 * the worst training one (docs/model.md, "Hybrid fusion").
 */

/** Default share of rule-passing benign messages that may alert on the autoencoder alone. */
export const DEFAULT_FUSION_TARGET_FPR = 1e-5;
/** Loss steps (wrong bits) added to the quantile loss for bit targets. */
export const DEFAULT_FUSION_MARGIN_STEPS = 1.5;

export interface FusionCalibration {
  /** A rule-passing message alerts when its loss is strictly above this. */
  readonly aeOnlyThreshold: number;
  /** The model threshold it was calibrated against (kept where the rules also fire). */
  readonly threshold: number;
  /** 'step-margin': quantile + marginSteps loss steps (bit targets); 'quantile': the quantile itself. */
  readonly method: 'step-margin' | 'quantile';
  readonly marginSteps: number;
  readonly targetFpr: number;
  /** Quantile loss of the rule-passing benign messages. */
  readonly quantileLoss: number;
  readonly margin: number;
  /** Benign messages the calibration saw, and how many of them the rules pass. */
  readonly samples: number;
  readonly rulePassSamples: number;
  /** Rule-passing messages above the model threshold (alerts the fusion removes on this data). */
  readonly aboveThreshold: number;
  /** Rule-passing messages above aeOnlyThreshold (<= targetFpr of rulePassSamples). */
  readonly aboveAeOnly: number;
}

/**
 * `losses[i]` and `ruleMasks[i]` of every benign message; `step` is the loss
 * of one wrong output (lossStep) or undefined for encodings without steps,
 * which have no margin.
 */
export function calibrateFusion(
  losses: ArrayLike<number>,
  ruleMasks: ArrayLike<number>,
  threshold: number,
  targetFpr: number = DEFAULT_FUSION_TARGET_FPR,
  step?: number,
  marginSteps: number = DEFAULT_FUSION_MARGIN_STEPS,
): FusionCalibration {
  if (losses.length !== ruleMasks.length) throw new RangeError(`${losses.length} losses but ${ruleMasks.length} rule masks`);
  if (!(targetFpr >= 0 && targetFpr < 1)) throw new RangeError(`targetFpr must be in [0,1), got ${targetFpr}`);
  if (!Number.isFinite(threshold)) throw new RangeError(`threshold must be finite, got ${threshold}`);
  if (!(marginSteps >= 0 && Number.isFinite(marginSteps))) throw new RangeError(`marginSteps must be a non-negative number, got ${marginSteps}`);
  let n = 0;
  for (let i = 0; i < ruleMasks.length; i++) if (ruleMasks[i] === 0) n++;
  const pass = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < ruleMasks.length; i++) {
    // A NaN loss would sort last and stand for "no threshold is enough"; it alerts anyway.
    if (ruleMasks[i] === 0) pass[k++] = Number.isNaN(losses[i]!) ? Number.POSITIVE_INFINITY : losses[i]!;
  }
  pass.sort();
  const margin = step === undefined ? 0 : step * marginSteps;
  let quantileLoss = threshold;
  let aeOnly = threshold;
  if (n > 0) {
    const allowed = Math.floor(targetFpr * n + 1e-9);
    // Skip infinities: no finite threshold could keep them quiet, and they must not make it infinite.
    let top = n - 1 - allowed;
    while (top > 0 && !Number.isFinite(pass[top]!)) top--;
    quantileLoss = Number.isFinite(pass[top]!) ? pass[top]! : threshold;
    aeOnly = Math.max(threshold, quantileLoss + margin);
  }
  let aboveThreshold = 0;
  let aboveAeOnly = 0;
  for (let i = 0; i < n; i++) {
    if (pass[i]! > threshold) aboveThreshold++;
    if (pass[i]! > aeOnly) aboveAeOnly++;
  }
  return {
    aeOnlyThreshold: aeOnly,
    threshold,
    method: step === undefined ? 'quantile' : 'step-margin',
    marginSteps: step === undefined ? 0 : marginSteps,
    targetFpr,
    quantileLoss,
    margin,
    samples: losses.length,
    rulePassSamples: n,
    aboveThreshold,
    aboveAeOnly,
  };
}
