import type { FeatureSpec } from '../features/encode.js';

/**
 * The one loss definition shared by training, calibration and the fused
 * scorer: mean squared error over the reconstructed targets of a row. Any
 * drift between these would make the calibrated threshold meaningless.
 */
export function rowLoss(pred: Float32Array, predOff: number, row: Float32Array, rowOff: number, targets: number): number {
  let s = 0;
  for (let j = 0; j < targets; j++) {
    const d = pred[predOff + j]! - row[rowOff + j]!;
    s += d * d;
  }
  return s / targets;
}

/**
 * Mean squared error per header byte (8 values) for one row; masked ID
 * bytes get 0. Shared by training reports and the fused scorer so they agree.
 */
export function byteErrors(pred: Float32Array, predOff: number, row: Float32Array, rowOff: number, spec: FeatureSpec, out: Float32Array): void {
  const first = spec.maskId ? 2 : 0;
  const per = spec.encoding === 'bits' ? 8 : 1;
  for (let k = 0; k < first; k++) out[k] = 0;
  let j = 0;
  for (let k = first; k < 8; k++) {
    let s = 0;
    for (let b = 0; b < per; b++, j++) {
      const d = pred[predOff + j]! - row[rowOff + j]!;
      s += d * d;
    }
    out[k] = s / per;
  }
}
