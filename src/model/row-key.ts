import type { FeatureSpec } from '../features/encode.js';

/**
 * Key of an encoded row for merging: the row's values as characters (0/1
 * bits and the conditioning one-hot, 16 to a character), unique per
 * distinct row. Joining the 52 floats with commas built a 100-character
 * string per sample; other encodings still do.
 */
export function rowKey(row: Float32Array, w: number, spec: FeatureSpec): string {
  if (spec.encoding !== 'bits' || spec.lengthInput) return row.join(',');
  let k = '';
  for (let j = 0; j < w; j += 16) {
    let v = 0;
    const end = Math.min(w, j + 16);
    for (let b = j; b < end; b++) v = (v << 1) | (row[b]! > 0.5 ? 1 : 0);
    k += String.fromCharCode(v);
  }
  return k;
}

