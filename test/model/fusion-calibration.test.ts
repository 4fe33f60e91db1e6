import { describe, expect, it } from 'vitest';
import { calibrateFusion } from '../../src/model/fusion-calibration.js';

const STEP = 1 / 48;

describe('calibrateFusion', () => {
  it('puts the autoencoder-only threshold marginSteps above the worst rule-passing benign loss', () => {
    // Four wrong bits is the worst loss the rules pass; the rule-failing sample at ten bits does not count.
    const losses = [1, 2, 0, 4, 10, 3].map((b) => b * STEP + 1e-6);
    const masks = [0, 0, 0, 0, 0b10, 0];
    const c = calibrateFusion(losses, masks, 2.5 * STEP, 0, STEP, 0.5);
    expect(c.quantileLoss).toBeCloseTo(4 * STEP + 1e-6, 12);
    expect(c.aeOnlyThreshold).toBeCloseTo(4.5 * STEP + 1e-6, 12);
    expect(c.method).toBe('step-margin');
    expect(c.marginSteps).toBe(0.5);
    expect(c.samples).toBe(6);
    expect(c.rulePassSamples).toBe(5);
    // 3 and 4 bits are above the 2.5-bit model threshold; none above the new one.
    expect(c.aboveThreshold).toBe(2);
    expect(c.aboveAeOnly).toBe(0);
  });

  it('adds one and a half wrong bits by default', () => {
    const c = calibrateFusion([3 * STEP, 0], [0, 0], STEP, 0, STEP);
    expect(c.aeOnlyThreshold).toBeCloseTo(4.5 * STEP, 12);
  });

  it('allows floor(targetFpr * n) rule-passing samples above it', () => {
    const losses = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const masks = new Array<number>(1000).fill(0);
    const c = calibrateFusion(losses, masks, 0.1, 0.003);
    expect(c.method).toBe('quantile');
    expect(c.marginSteps).toBe(0);
    expect(c.quantileLoss).toBe(0.996);
    expect(c.aeOnlyThreshold).toBe(0.996);
    expect(c.aboveAeOnly).toBe(3);
  });

  it('never goes below the model threshold', () => {
    const c = calibrateFusion([0.01, 0.02, 0.03], [0, 0, 0], 0.5, 0, STEP);
    expect(c.aeOnlyThreshold).toBe(0.5);
    expect(c.aboveThreshold).toBe(0);
  });

  it('keeps the model threshold when every benign sample fails a rule', () => {
    const c = calibrateFusion([0.9, 0.8], [1, 4], 0.2, 0, STEP);
    expect(c.rulePassSamples).toBe(0);
    expect(c.aeOnlyThreshold).toBe(0.2);
  });

  it('ignores NaN losses instead of making the threshold infinite', () => {
    const c = calibrateFusion([0.1, Number.NaN, 0.3], [0, 0, 0], 0.05, 0);
    expect(c.aeOnlyThreshold).toBe(0.3);
    expect(c.aboveAeOnly).toBe(1);
  });

  it('rejects mismatched inputs and bad rates', () => {
    expect(() => calibrateFusion([0.1], [0, 0], 0.1)).toThrow(RangeError);
    expect(() => calibrateFusion([0.1], [0], 0.1, 1)).toThrow(RangeError);
    expect(() => calibrateFusion([0.1], [0], Number.NaN)).toThrow(RangeError);
    expect(() => calibrateFusion([0.1], [0], 0.1, 0, STEP, -1)).toThrow(RangeError);
  });
});
