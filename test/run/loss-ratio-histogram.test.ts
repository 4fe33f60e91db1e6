import { describe, expect, it } from 'vitest';
import { SampleBatch, TRANSPORT_TCP, TRANSPORT_UDP } from '../../src/flow/sample.js';
import { LOSS_RATIO_BOUNDS, LossRatioHistogram } from '../../src/run/loss-ratio-histogram.js';
import type { BatchScorer } from '../../src/scoring/batch-scorer.js';

/** Thresholds per (transport, direction), powers of two so float32 losses divide exactly: udp 0.125 / 0.25, tcp 0.5. */
const scorer: BatchScorer = {
  modelId: 'test',
  score: () => undefined,
  rowPerByteError: () => undefined,
  threshold: (transport, direction) => (transport === 1 ? 0.5 : direction === 0 ? 0.125 : 0.25),
};

function batchOf(rows: { transport: 'udp' | 'tcp'; direction: 0 | 1 }[]): SampleBatch {
  const b = new SampleBatch(rows.length);
  rows.forEach((r, i) => {
    b.transport[i] = r.transport === 'udp' ? TRANSPORT_UDP : TRANSPORT_TCP;
    b.direction[i] = r.direction;
  });
  b.count = rows.length;
  return b;
}

describe('LossRatioHistogram', () => {
  it('divides each loss by the threshold of its transport and direction, bounds inclusive', () => {
    const h = new LossRatioHistogram();
    const batch = batchOf([
      { transport: 'udp', direction: 0 },
      { transport: 'udp', direction: 1 },
      { transport: 'tcp', direction: 0 },
      { transport: 'tcp', direction: 1 },
    ]);
    // ratios: 1 (exactly on the alert threshold), 0.5, 3, 1000
    h.observeBatch(batch, Float32Array.from([0.125, 0.125, 1.5, 500]), scorer);
    const s = h.snapshot();
    expect(s.count).toBe(4);
    expect(s.sum).toBeCloseTo(1 + 0.5 + 3 + 1000, 3);
    const at = (le: number): number => s.cumulative[LOSS_RATIO_BOUNDS.indexOf(le)]!;
    expect(at(0.25)).toBe(0);
    expect(at(0.5)).toBe(1);
    expect(at(1)).toBe(2);
    expect(at(2)).toBe(2);
    expect(at(4)).toBe(3);
    expect(at(100)).toBe(3);
    expect(s.cumulative.at(-1)).toBe(4);
    expect(s.cumulative).toHaveLength(LOSS_RATIO_BOUNDS.length + 1);
  });

  it('counts only the rows of the batch and accumulates over batches', () => {
    const h = new LossRatioHistogram();
    const batch = batchOf([
      { transport: 'udp', direction: 0 },
      { transport: 'udp', direction: 0 },
    ]);
    batch.count = 1;
    h.observeBatch(batch, Float32Array.from([0, 99]), scorer);
    h.observeBatch(batch, Float32Array.from([0.0001, 99]), scorer);
    const s = h.snapshot();
    expect(s.count).toBe(2);
    expect(s.cumulative[0]).toBe(2); // both at or below 0.001
  });
});
