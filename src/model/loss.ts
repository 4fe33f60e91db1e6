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
