import { describe, expect, it } from 'vitest';
import { sumSources, sumStats } from '../../src/run/stats-sum.js';

describe('sumStats', () => {
  it('adds numbers key by key at every depth, keeps the first of anything else, and keys missing from some parts', () => {
    const a = { frames: 10, detector: 'hybrid', flows: { created: 3, evicted: 0 }, weirds: { short: 1 }, model_id: 'x' };
    const b = { frames: 0, detector: 'hybrid', flows: { created: 4, evicted: 2 }, weirds: { truncated: 5 }, model_id: 'x', extra: 7 };
    expect(sumStats([a, b])).toEqual({ frames: 10, detector: 'hybrid', flows: { created: 7, evicted: 2 }, weirds: { short: 1, truncated: 5 }, model_id: 'x', extra: 7 });
    expect(sumStats([])).toEqual({});
  });

  it('does not change its inputs', () => {
    const a = { n: 1, o: { m: 2 } };
    sumStats([a, { n: 5, o: { m: 3 } }]);
    expect(a).toEqual({ n: 1, o: { m: 2 } });
  });
});

describe('sumSources', () => {
  it('one summary per input that has any, in input order', () => {
    const got = sumSources([[{ name: 'a', frames: 3, samples: 1 }, { name: 'a', frames: 0, samples: 2 }], [], [{ name: 'c', frames: 9, samples: 4, error: 'c: bad [X]' }]]);
    expect(got).toEqual([
      { name: 'a', frames: 3, samples: 3 },
      { name: 'c', frames: 9, samples: 4, error: 'c: bad [X]' },
    ]);
  });
});
