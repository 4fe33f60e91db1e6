import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEC, PURE_EIGHT_BYTE_SPEC } from '../../src/features/encode.js';
import { calibrateThreshold, calibrationRecord, lossStep, quantileSorted } from '../../src/model/calibrate.js';

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

  it('records the quantile method with no margin when no step is given', () => {
    const c = calibrateThreshold(uniform, 0.001);
    expect(calibrationRecord(c)).toEqual({ method: 'quantile', quantileLoss: 0.999, margin: 0, nextLoss: 1 });
  });
});

describe('half-step calibration on stepped losses', () => {
  const step = 1 / 48;
  // Bit-target losses: k wrong bits give about k/48 plus a small residual.
  // 10000 held-out losses: 9000 at 0 bits, 800 at 1, 160 at 2, 30 at 3,
  // 8 at 4, 2 at 5; residuals up to 4e-6 as a trained model leaves them.
  const held: number[] = [];
  const put = (bits: number, count: number): void => {
    for (let i = 0; i < count; i++) held.push(bits * step + ((i * 7919) % 1000) * 4e-9);
  };
  put(0, 9000);
  put(1, 800);
  put(2, 160);
  put(3, 30);
  put(4, 8);
  put(5, 2);

  it('lands the quantile on a step, the half-step threshold between that step and the next', () => {
    // fpr 0.001 lets 10 of 10000 above: the quantile is the largest 3-bit loss.
    const q = calibrateThreshold(held, 0.001);
    expect(Math.floor(q.threshold / step + 1e-3)).toBe(3);
    const h = calibrateThreshold(held, 0.001, step);
    expect(h.method).toBe('half-step');
    expect(h.quantileLoss).toBe(q.threshold);
    expect(h.margin).toBe(step / 2);
    expect(h.threshold).toBeCloseTo(q.threshold + step / 2, 12);
    expect(h.nextLoss).toBe(Math.min(...held.filter((l) => l > q.threshold)));
    expect(h.threshold / step).toBeGreaterThan(3.4);
    expect(h.threshold / step).toBeLessThan(3.6);
    expect(h.observedFpr).toBe(0.001);
  });

  it('does not alert on an unseen sample of the quantile step a hair above it, and alerts one bit above', () => {
    const q = calibrateThreshold(held, 0.001);
    const h = calibrateThreshold(held, 0.001, step);
    const sameStep = q.threshold + 6e-6;
    expect(sameStep > q.threshold).toBe(true);
    expect(sameStep > h.threshold).toBe(false);
    expect(4 * step > h.threshold).toBe(true);
  });

  it('gives the same alert decisions under float noise of the held-out losses', () => {
    const noisy = held.map((l, i) => l + ((i * 104729) % 997) * 1e-9);
    const a = calibrateThreshold(held, 0.001, step).threshold;
    const b = calibrateThreshold(noisy, 0.001, step).threshold;
    for (let bits = 0; bits <= 6; bits++) {
      for (const r of [0, 2e-6, 8e-6]) expect(bits * step + r > a).toBe(bits * step + r > b);
    }
  });

  it('keeps fraction(loss > t) <= fpr (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 48 }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (bits, fpr) => {
          const losses = bits.map((b, i) => b * step + (i % 5) * 1e-7);
          const h = calibrateThreshold(losses, fpr, step);
          expect(losses.filter((l) => l > h.threshold).length / losses.length).toBeLessThanOrEqual(fpr + 1e-12);
          expect(h.threshold).toBeCloseTo(calibrateThreshold(losses, fpr).threshold + step / 2, 12);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('takes the step from bit encodings only', () => {
    expect(lossStep(DEFAULT_SPEC)).toBe(1 / 48);
    expect(lossStep({ ...DEFAULT_SPEC, lengthInput: true })).toBe(1 / 49);
    expect(lossStep(PURE_EIGHT_BYTE_SPEC)).toBeUndefined();
    expect(() => calibrateThreshold(held, 0.001, 0)).toThrow(RangeError);
    expect(() => calibrateThreshold(held, 0.001, Number.NaN)).toThrow(RangeError);
  });
});
