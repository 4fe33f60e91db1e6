/**
 * Trailing moving average with one- and two-sigma bands.
 *
 * The band at bucket t is built from the N buckets before it, t-N..t-1,
 * never from t itself: a spike must not widen the band it is tested
 * against. The standard deviation is the population one (divide by N), as
 * Bollinger bands use. A bucket whose window would reach before the first
 * bucket of data has no band and is never flagged; empty buckets count as
 * zero. A bucket is flagged when its count is strictly outside mean ± 2 sd
 * (so with sd 0, any count other than the mean).
 */
export interface Bands {
  /** Mean of the trailing window, null while warming up. */
  readonly mean: (number | null)[];
  readonly sd: (number | null)[];
  /** Indexes (into the series) of buckets outside the two-sigma band. */
  readonly flagged: number[];
}

/**
 * `counts` starts at the first bucket of data or N buckets before the
 * period, whichever is later, so the first N entries are the warm-up.
 */
export function trailingBands(counts: ArrayLike<number>, window: number): Bands {
  const n = counts.length;
  const mean: (number | null)[] = new Array(n).fill(null);
  const sd: (number | null)[] = new Array(n).fill(null);
  const flagged: number[] = [];
  // Running sums over the window; counts are integers so the sums stay exact.
  let s = 0;
  let s2 = 0;
  for (let t = 0; t < n; t++) {
    if (t >= window) {
      const m = s / window;
      const v = Math.max(0, s2 / window - m * m);
      const d = Math.sqrt(v);
      mean[t] = m;
      sd[t] = d;
      const c = counts[t]!;
      if (c > m + 2 * d || c < m - 2 * d) flagged.push(t);
      const old = counts[t - window]!;
      s -= old;
      s2 -= old * old;
    }
    const c = counts[t]!;
    s += c;
    s2 += c * c;
  }
  return { mean, sd, flagged };
}
