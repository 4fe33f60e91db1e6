import { B_EX_LONG, W_EX_LONG_LEN, W_MAX_NAME, W_Q, W_QT, WindowTable } from '../../features/question/window-table.js';

/**
 * The tunnel rules a SOC writes by hand, as a baseline for the question
 * stage (the kind of thresholds in SANS and vendor DNS-tunnelling guides):
 * a window alerts when a query name is longer than 52 bytes, when a label
 * of its longest name has a Shannon entropy above 4 bits per character,
 * or when TXT and NULL queries are more than half of 10 or more.
 */
export const BASELINE_NAME_LENGTH = 52;
export const BASELINE_LABEL_ENTROPY = 4.0;
export const BASELINE_TXT_NULL_SHARE = 0.5;
export const BASELINE_MIN_QUERIES = 10;

const counts = new Int32Array(256);

/** Highest per-label entropy (bits per character) of bytes[off .. off+len), labels split at '.'. */
export function maxLabelEntropy(bytes: Uint8Array, off: number, len: number): number {
  let best = 0;
  let start = off;
  for (let k = off; k <= off + len; k++) {
    if (k < off + len && bytes[k] !== 0x2e) continue;
    const n = k - start;
    if (n > 0) {
      for (let j = start; j < k; j++) counts[bytes[j]!]!++;
      let h = 0;
      for (let j = start; j < k; j++) {
        const c = counts[bytes[j]!]!;
        if (c === 0) continue;
        const p = c / n;
        h -= p * Math.log2(p);
        counts[bytes[j]!] = 0;
      }
      if (h > best) best = h;
    }
    start = k + 1;
  }
  return best;
}

/** Which of the baseline's rules window `s` breaks (empty: none). */
export function baselineRules(t: WindowTable, s: number): string[] {
  const w = t.i32;
  const b = s * WindowTable.I32_WORDS;
  const out: string[] = [];
  if (w[b + W_MAX_NAME]! > BASELINE_NAME_LENGTH) out.push('name_length');
  const n = w[b + W_EX_LONG_LEN]!;
  if (n > 0) {
    const e = t.example(s, B_EX_LONG, n);
    if (maxLabelEntropy(e.bytes, e.offset, n) > BASELINE_LABEL_ENTROPY) out.push('label_entropy');
  }
  const q = w[b + W_Q]!;
  const txtNull = w[b + W_QT + 2]! + w[b + W_QT + 3]!;
  if (q >= BASELINE_MIN_QUERIES && txtNull / q > BASELINE_TXT_NULL_SHARE) out.push('txt_null_share');
  return out;
}
