import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { trailingBands } from '../../src/report/bands.js';

/** The band written out plainly: window t-N..t-1, population sd, strict two-sigma test. */
function plainBands(counts: number[], n: number): { mean: (number | null)[]; sd: (number | null)[]; flagged: number[] } {
  const mean: (number | null)[] = [];
  const sd: (number | null)[] = [];
  const flagged: number[] = [];
  counts.forEach((c, t) => {
    if (t < n) {
      mean.push(null);
      sd.push(null);
      return;
    }
    const w = counts.slice(t - n, t);
    const m = w.reduce((a, b) => a + b, 0) / n;
    const s = Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / n);
    mean.push(m);
    sd.push(s);
    if (c > m + 2 * s || c < m - 2 * s) flagged.push(t);
  });
  return { mean, sd, flagged };
}

describe('trailing bands', () => {
  it('a flat week then a jump: mean 10, sd 0, the jump flagged', () => {
    const b = trailingBands([10, 10, 10, 10, 10, 10, 10, 50], 7);
    expect(b.mean.slice(0, 7)).toEqual(new Array(7).fill(null));
    expect(b.mean[7]).toBe(10);
    expect(b.sd[7]).toBe(0);
    expect(b.flagged).toEqual([7]);
  });

  it('a spike does not widen its own band, and the band after it includes it', () => {
    // Window 1,2,3,4 (mean 2.5, sd sqrt(1.25)); 100 is far outside; the next band sees 2,3,4,100.
    const b = trailingBands([1, 2, 3, 4, 100, 3], 4);
    expect(b.mean[4]).toBe(2.5);
    expect(b.sd[4]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(b.mean[5]).toBe(27.25);
    expect(b.flagged).toEqual([4]);
  });

  it('empty buckets count as zero: a quiet day after a steady week is flagged below', () => {
    const b = trailingBands([5, 6, 5, 6, 5, 6, 5, 0], 7);
    expect(b.flagged).toEqual([7]);
    expect(b.mean[7]).toBeCloseTo(38 / 7, 12);
  });

  it('matches the plain computation on any series', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(5000), { maxLength: 120 }), fc.integer({ min: 2, max: 30 }), (counts, n) => {
        const got = trailingBands(counts, n);
        const want = plainBands(counts, n);
        expect(got.flagged).toEqual(want.flagged);
        for (let t = 0; t < counts.length; t++) {
          if (want.mean[t] === null) {
            expect(got.mean[t]).toBeNull();
            continue;
          }
          expect(got.mean[t]).toBeCloseTo(want.mean[t]!, 9);
          expect(got.sd[t]).toBeCloseTo(want.sd[t]!, 6);
        }
      }),
      { numRuns: 300 },
    );
  });
});
