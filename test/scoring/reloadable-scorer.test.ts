import { describe, expect, it } from 'vitest';
import { SampleBatch } from '../../src/flow/sample.js';
import type { BatchScorer } from '../../src/scoring/batch-scorer.js';
import { ReloadableScorer } from '../../src/scoring/reloadable-scorer.js';

/** A scorer whose every loss is `loss` and whose threshold is `threshold`. */
function constantScorer(modelId: string, loss: number, threshold: number): BatchScorer {
  return {
    modelId,
    score(batch, losses) {
      for (let i = 0; i < batch.count; i++) losses[i] = loss;
    },
    rowPerByteError(_batch, _row, out, off) {
      out.fill(loss, off, off + 8);
    },
    threshold: () => threshold,
  };
}

function batchOf(n: number): SampleBatch {
  const b = new SampleBatch(n);
  b.count = n;
  return b;
}

describe('ReloadableScorer', () => {
  it('scores with the current model, swaps to the next and reports which model scored each batch', () => {
    const a = constantScorer('aaaaaaaaaaaa', 0.25, 0.5);
    const b = constantScorer('bbbbbbbbbbbb', 2, 1);
    const seen: string[] = [];
    const r = new ReloadableScorer(a, (_batch, losses, scorer) => seen.push(`${scorer.modelId}:${losses[0]}`));
    const losses = new Float32Array(2);
    const perByte = new Float32Array(16);
    expect(r.modelId).toBe('aaaaaaaaaaaa');
    r.score(batchOf(2), losses, perByte);
    expect([...losses]).toEqual([0.25, 0.25]);
    expect(r.threshold(0, 0)).toBe(0.5);

    expect(r.swap(b)).toBe(a);
    expect(r.modelId).toBe('bbbbbbbbbbbb');
    expect(r.scorer).toBe(b);
    r.score(batchOf(2), losses, perByte);
    expect([...losses]).toEqual([2, 2]);
    expect(r.threshold(1, 1)).toBe(1);
    const one = new Float32Array(8);
    r.rowPerByteError(batchOf(2), 1, one, 0);
    expect([...one]).toEqual(new Array(8).fill(2));
    expect(seen).toEqual(['aaaaaaaaaaaa:0.25', 'bbbbbbbbbbbb:2']);
  });
});
