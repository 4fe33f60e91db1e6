import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertPolicy, DEFAULT_ALERT_POLICY } from '../../src/scoring/alert-policy.js';
import { FifoMap } from '../../src/scoring/fifo-map.js';

describe('FifoMap', () => {
  it('keeps the newest `capacity` keys, evicting in insertion order (model check against an array)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer()), { maxLength: 200 }), (cap, ops) => {
        const m = new FifoMap<number, number>(cap);
        const order: number[] = [];
        const values = new Map<number, number>();
        for (const [k, v] of ops) {
          let expectEvict = false;
          if (!values.has(k)) {
            if (order.length >= cap) {
              values.delete(order.shift()!);
              expectEvict = true;
            }
            order.push(k);
          }
          values.set(k, v);
          expect(m.set(k, v)).toBe(expectEvict);
          expect(m.size).toBe(values.size);
        }
        for (let k = 0; k <= 20; k++) expect(m.get(k)).toBe(values.get(k));
      }),
    );
  });

  it('starts over after clear()', () => {
    const m = new FifoMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.set('c', 3)).toBe(false);
    expect(m.set('d', 4)).toBe(false);
    expect(m.set('e', 5)).toBe(true);
    expect(m.get('c')).toBeUndefined();
    expect(m.get('d')).toBe(4);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new FifoMap(0)).toThrow(RangeError);
  });
});

describe('AlertPolicy tables under a flood of alerting flows', () => {
  it('counts one flow-table eviction per alerting flow beyond the limit, and an evicted flow alerts again', () => {
    const p = new AlertPolicy({ ...DEFAULT_ALERT_POLICY, maxTrackedFlows: 3, maxTrackedSources: 2, limitPerSource: 10 });
    for (let f = 0; f < 5; f++) expect(p.decide(f, `10.0.0.${f}`, 0)).toBe('alert');
    expect(p.counters.flow_table_evictions).toBe(2);
    expect(p.counters.source_table_evictions).toBe(3);
    expect(p.decide(4, '10.0.0.4', 0)).toBe('suppressed_flow');
    expect(p.decide(0, '10.0.0.0', 0)).toBe('alert');
  });
});
