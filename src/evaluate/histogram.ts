/**
 * Histogram over log10(score) for two classes on shared bins. Losses span
 * several decades, so linear bins would put almost everything in the first
 * one. Scores <= 0 cannot go on a log axis and +Infinity (rule-forced or
 * unscorable) has no place on it either: both are counted apart.
 */
export interface LogHistogram {
  /** log10 of the lower edge of bin 0 and of the upper edge of the last bin. */
  readonly log10Lo: number;
  readonly log10Hi: number;
  readonly bins: number;
  /** counts[label][bin]. */
  readonly counts: readonly [Float64Array, Float64Array];
  readonly nonPositive: readonly [number, number];
  readonly infinite: readonly [number, number];
  readonly total: readonly [number, number];
}

export function logHistogram(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins: number,
  /** Values that must fall inside the range (e.g. the threshold). */
  include: readonly number[] = [],
): LogHistogram {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  const widen = (v: number): void => {
    if (v > 0 && Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  };
  for (let i = 0; i < scores.length; i++) widen(scores[i]!);
  for (const v of include) widen(v);
  let a = lo === Number.POSITIVE_INFINITY ? -3 : Math.log10(lo);
  let b = hi === Number.NEGATIVE_INFINITY ? 0 : Math.log10(hi);
  if (b - a < 1e-9) {
    a -= 0.5;
    b += 0.5;
  }
  const counts: [Float64Array, Float64Array] = [new Float64Array(bins), new Float64Array(bins)];
  const nonPositive: [number, number] = [0, 0];
  const infinite: [number, number] = [0, 0];
  const total: [number, number] = [0, 0];
  const width = (b - a) / bins;
  for (let i = 0; i < scores.length; i++) {
    const c = labels[i] === 0 ? 0 : 1;
    const v = scores[i]!;
    total[c]++;
    if (Number.isNaN(v) || v === Number.POSITIVE_INFINITY) infinite[c]++;
    else if (v <= 0) nonPositive[c]++;
    else {
      const k = Math.min(bins - 1, Math.max(0, Math.floor((Math.log10(v) - a) / width)));
      counts[c][k]!++;
    }
  }
  return { log10Lo: a, log10Hi: b, bins, counts, nonPositive, infinite, total };
}
