import { PER_BYTE, type EvalColumns } from './eval-types.js';

/**
 * Mean reconstruction error per header byte for one class: shows which bytes
 * the model finds unfamiliar. Non-finite errors (short samples) are skipped
 * per byte; a byte with no values has mean null.
 */
export function perByteMean(cols: EvalColumns, label: 0 | 1): (number | null)[] {
  const sum = new Float64Array(PER_BYTE);
  const cnt = new Float64Array(PER_BYTE);
  for (let i = 0; i < cols.count; i++) {
    if (cols.label[i] !== label) continue;
    const base = i * PER_BYTE;
    for (let k = 0; k < PER_BYTE; k++) {
      const v = cols.perByteError[base + k]!;
      if (Number.isFinite(v)) {
        sum[k]! += v;
        cnt[k]!++;
      }
    }
  }
  return Array.from(sum, (s, k) => (cnt[k] === 0 ? null : s / cnt[k]!));
}
