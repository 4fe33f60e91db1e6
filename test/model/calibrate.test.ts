import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrateThreshold, quantileSorted } from '../../src/model/calibrate.js';

describe('calibrateThreshold', () => {
  // Losses 1/1000 .. 1000/1000 in shuffled order: every value once.
  const uniform = Array.from({ length: 1000 }, (_, i) => ((i * 389) % 1000 + 1) / 1000);

  it('picks the smallest threshold meeting the target FPR on a known distribution', () => {
    const c = calibrateThreshold(uniform, 0.001);
    // One sample (1.0) may exceed it: the threshold is the second largest.
    expect(c.threshold).toBe(0.999);
    expect(c.observedFpr).toBe(0.001);
    const c1 = calibrateThreshold(uniform, 0.01);
    expect(c1.threshold).toBe(0.99);
    expect(calibrateThreshold(uniform, 0).threshold).toBe(1);
  });

  it('reports nearest-rank quantiles', () => {
    const c = calibrateThreshold(uniform, 0.001);
    expect(c.quantiles).toEqual({ q50: 0.5, q90: 0.9, q99: 0.99, q999: 0.999, max: 1 });
    expect(quantileSorted(Float64Array.from([3]), 0.5)).toBe(3);
  });

  it('handles ties: never exceeds the target even when many losses are equal', () => {
    const tied = [...Array(995).fill(0.1), 0.2, 0.2, 0.2, 0.2, 0.2];
    const c = calibrateThreshold(tied, 0.001);
    expect(c.threshold).toBe(0.2);
    expect(c.observedFpr).toBe(0);
  });

  it('satisfies fraction(loss > t) <= fpr and is minimal (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (losses, fpr) => {
          const { threshold } = calibrateThreshold(losses, fpr);
          const above = (t: number) => losses.filter((l) => l > t).length / losses.length;
          expect(above(threshold)).toBeLessThanOrEqual(fpr + 1e-12);
          // Any smaller observed value would let too many through.
          for (const l of losses) if (l < threshold) expect(above(l)).toBeGreaterThan(fpr);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects empty input and out-of-range FPR', () => {
    expect(() => calibrateThreshold([], 0.001)).toThrow(RangeError);
    expect(() => calibrateThreshold([1], 1)).toThrow(RangeError);
    expect(() => calibrateThreshold([1], -0.1)).toThrow(RangeError);
  });
});
