import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  confusionAtThreshold,
  confusionFromAlerts,
  operatingPointAuc,
  rates,
  rocAuc,
  rocCurve,
  thresholdForFpr,
} from '../../src/evaluate/metrics.js';

/*
 * Hand-checked case. Benign losses 0.1 0.2 0.3 0.6, anomalous 0.4 0.5 0.7 0.8.
 * AUC = P(anomalous score > benign score) over the 16 pairs:
 *   0.4 beats 0.1 0.2 0.3 (3), 0.5 beats the same 3, 0.7 and 0.8 beat all 4
 *   -> 14 / 16 = 0.875.
 * Descending order A A B A A B B B gives the ROC staircase
 *   (0,0) (0,.25) (0,.5) (.25,.5) (.25,.75) (.25,1) (.5,1) (.75,1) (1,1).
 */
const scores = [0.1, 0.2, 0.3, 0.6, 0.4, 0.5, 0.7, 0.8];
const labels = [0, 0, 0, 0, 1, 1, 1, 1];

/** Mann-Whitney: fraction of (anomalous, benign) pairs ordered right, ties half. */
function pairAuc(s: number[], l: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < s.length; i++) {
    if (l[i] !== 1) continue;
    for (let j = 0; j < s.length; j++) {
      if (l[j] !== 0) continue;
      den++;
      if (s[i]! > s[j]!) num += 1;
      else if (s[i] === s[j]) num += 0.5;
    }
  }
  return num / den;
}

describe('confusion and rates', () => {
  it('counts the hand-checked case at 0.35: every anomalous sample plus benign 0.6 alert', () => {
    const c = confusionAtThreshold(scores, labels, 0.35);
    expect(c).toEqual({ tp: 4, fp: 1, tn: 3, fn: 0 });
    const r = rates(c);
    expect(r.tpr).toBe(1);
    expect(r.fpr).toBe(0.25);
    expect(r.precision).toBe(0.8);
    // F1 = 2*4 / (2*4 + 1 + 0) = 8/9
    expect(r.f1).toBeCloseTo(8 / 9, 12);
  });

  it('counts the hand-checked case at 0.65: half the anomalous samples, no benign one', () => {
    const r = rates(confusionAtThreshold(scores, labels, 0.65));
    expect(r).toMatchObject({ tp: 2, fp: 0, tn: 4, fn: 2, tpr: 0.5, fpr: 0, precision: 1 });
    expect(r.f1).toBeCloseTo(2 / 3, 12);
  });

  it('alerts strictly above the threshold, as the scorer does', () => {
    expect(confusionAtThreshold([0.5, 0.5], [0, 1], 0.5)).toEqual({ tp: 0, fp: 0, tn: 1, fn: 1 });
  });

  it('gives null rates where the denominator is zero', () => {
    const r = rates(confusionFromAlerts([0, 0], [0, 0]));
    expect(r.tpr).toBeNull();
    expect(r.precision).toBeNull();
    expect(r.f1).toBeNull();
    expect(r.fpr).toBe(0);
  });

  it('counts binary alerts', () => {
    expect(confusionFromAlerts([1, 0, 1, 0], [1, 1, 0, 0])).toEqual({ tp: 1, fp: 1, tn: 1, fn: 1 });
  });
});

describe('ROC and AUC', () => {
  it('draws the hand-checked staircase and its area', () => {
    const roc = rocCurve(scores, labels);
    expect(Array.from(roc.fpr)).toEqual([0, 0, 0, 0.25, 0.25, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(roc.tpr)).toEqual([0, 0.25, 0.5, 0.5, 0.75, 1, 1, 1, 1]);
    expect(Array.from(roc.threshold)).toEqual([0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, -Infinity]);
    expect(rocAuc(scores, labels)).toBeCloseTo(0.875, 12);
  });

  it('gives half credit to a benign/anomalous tie whatever the input order', () => {
    // Pairs: 0.5A-0.5B tie (0.5), 0.5A>0.2B (1), 0.9A beats both (2) -> 3.5/4.
    expect(rocAuc([0.5, 0.2, 0.5, 0.9], [0, 0, 1, 1])).toBeCloseTo(0.875, 12);
    expect(rocAuc([0.5, 0.9, 0.5, 0.2], [1, 1, 0, 0])).toBeCloseTo(0.875, 12);
    // All scores equal: one diagonal step, chance level.
    const flat = rocCurve([1, 1, 1, 1], [0, 1, 0, 1]);
    expect(Array.from(flat.fpr)).toEqual([0, 1]);
    expect(Array.from(flat.tpr)).toEqual([0, 1]);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
  });

  it('ranks a NaN score as +Infinity and ties it with +Infinity', () => {
    expect(rocAuc([Number.NaN, 0.1], [1, 0])).toBe(1);
    expect(rocAuc([Number.NaN, Number.POSITIVE_INFINITY], [1, 0])).toBe(0.5);
  });

  it('is empty (and AUC null) when a class is missing', () => {
    expect(rocCurve([0.1, 0.2], [0, 0]).fpr.length).toBe(0);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNull();
  });

  it('matches the pairwise AUC and every point matches confusionAtThreshold (property)', () => {
    fc.assert(
      fc.property(
        // Few distinct values force many ties.
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 40 }),
        (rows) => {
          const s = rows.map(([v]) => v / 4);
          const l = rows.map(([, c]) => c);
          const pos = l.filter((x) => x === 1).length;
          if (pos === 0 || pos === l.length) return;
          expect(rocAuc(s, l)).toBeCloseTo(pairAuc(s, l), 10);
          const roc = rocCurve(s, l);
          for (let k = 0; k < roc.fpr.length; k++) {
            const r = rates(confusionAtThreshold(s, l, roc.threshold[k]!));
            expect(r.fpr).toBeCloseTo(roc.fpr[k]!, 12);
            expect(r.tpr).toBeCloseTo(roc.tpr[k]!, 12);
          }
        },
      ),
    );
  });

  it('gives a binary detector the area of its single operating point', () => {
    // TPR 3/4, FPR 1/4: (1 + 0.75 - 0.25) / 2 = 0.75
    expect(operatingPointAuc({ tp: 3, fn: 1, fp: 1, tn: 3 })).toBe(0.75);
    expect(operatingPointAuc({ tp: 3, fn: 1, fp: 0, tn: 0 })).toBeNull();
  });
});

describe('threshold for a target FPR', () => {
  const tenBenign = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const zeros = tenBenign.map(() => 0);

  it('allows floor(fpr * n) benign scores above the threshold', () => {
    // 10% of 10 = 1 may exceed: the threshold is 9, only 10 is above it.
    expect(thresholdForFpr(tenBenign, zeros, 0.1)).toMatchObject({ threshold: 9, achievedFpr: 0.1, benign: 10 });
    // 5% of 10 = 0.5 -> none may exceed.
    expect(thresholdForFpr(tenBenign, zeros, 0.05)).toMatchObject({ threshold: 10, achievedFpr: 0 });
    expect(thresholdForFpr(tenBenign, zeros, 1)).toMatchObject({ threshold: 1, achievedFpr: 0.9 });
  });

  it('ignores anomalous scores', () => {
    expect(thresholdForFpr([1, 2, 100, 200], [0, 0, 1, 1], 0).threshold).toBe(2);
  });

  it('does not lose a sample to floating-point rounding (0.29 * 100)', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    const r = thresholdForFpr(s, s.map(() => 0), 0.29);
    expect(r.threshold).toBe(71);
    expect(r.achievedFpr).toBe(0.29);
  });

  it('handles ties at the threshold', () => {
    // Eight benign scores of 3: the smallest value with <= 1 above it is 3.
    const r = thresholdForFpr([3, 3, 3, 3, 3, 3, 3, 3, 1, 5], zeros, 0.1);
    expect(r).toMatchObject({ threshold: 3, achievedFpr: 0.1 });
  });

  it('is null without benign samples and rejects an FPR outside [0,1]', () => {
    expect(thresholdForFpr([1], [1], 0.1).threshold).toBeNull();
    expect(() => thresholdForFpr([1], [0], 1.5)).toThrow(RangeError);
    expect(() => thresholdForFpr([1], [0], Number.NaN)).toThrow(RangeError);
  });

  it('meets the target and no smaller benign score would (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (vals, fpr) => {
          const l = vals.map(() => 0);
          const r = thresholdForFpr(vals, l, fpr);
          const above = (t: number): number => vals.filter((v) => v > t).length / vals.length;
          expect(above(r.threshold!)).toBe(r.achievedFpr);
          expect(vals.length * r.achievedFpr!).toBeLessThanOrEqual(Math.floor(fpr * vals.length + 1e-9));
          for (const v of vals) if (v < r.threshold!) expect(vals.length * above(v)).toBeGreaterThan(Math.floor(fpr * vals.length + 1e-9));
        },
      ),
    );
  });
});
