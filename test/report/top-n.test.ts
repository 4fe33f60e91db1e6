import { describe, expect, it } from 'vitest';
import { SpaceSaving } from '../../src/report/top-n.js';
import { mulberry32 } from './rng.js';

describe('space-saving top-N', () => {
  it('is exact, with no eviction, while the keys fit', () => {
    const s = new SpaceSaving(10);
    const keys = ['a', 'b', 'a', 'c', 'a', 'b'];
    keys.forEach((k, i) => s.add(k, 1000 + i));
    expect(s.evictions).toBe(0);
    expect(s.top(3)).toEqual([
      { key: 'a', count: 3, error: 0, first: 1000, last: 1004 },
      { key: 'b', count: 2, error: 0, first: 1001, last: 1005 },
      { key: 'c', count: 1, error: 0, first: 1003, last: 1003 },
    ]);
  });

  it('over a skewed stream with many more keys than slots: bounds hold and heavy keys are kept', () => {
    const rnd = mulberry32(42);
    const truth = new Map<string, number>();
    const s = new SpaceSaving(50);
    const N = 60_000;
    for (let i = 0; i < N; i++) {
      // A few heavy hitters among thousands of one-offs.
      const r = rnd();
      const key = r < 0.3 ? 'heavy-1' : r < 0.45 ? 'heavy-2' : r < 0.5 ? 'heavy-3' : `k${Math.floor(rnd() * 20_000)}`;
      truth.set(key, (truth.get(key) ?? 0) + 1);
      s.add(key, i);
    }
    expect(s.total).toBe(N);
    expect(s.size).toBe(50);
    expect(s.evictions).toBeGreaterThan(1000);
    const top = s.top(50);
    for (const e of top) {
      const t = truth.get(e.key)!;
      expect(e.count).toBeGreaterThanOrEqual(t);
      expect(e.count - e.error).toBeLessThanOrEqual(t);
    }
    // Every key above total/capacity is guaranteed to be tracked.
    for (const [k, c] of truth) if (c > N / 50) expect(top.map((e) => e.key)).toContain(k);
    expect(top.slice(0, 3).map((e) => e.key)).toEqual(['heavy-1', 'heavy-2', 'heavy-3']);
  });
});
