import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  B_DOMAIN,
  B_EX_FIRST,
  B_EX_LONG,
  DOMAIN_BYTES,
  EXAMPLE_BYTES,
  EXAMPLE_HEAD,
  F_START,
  W_C0,
  W_DOM_LEN,
  WindowTable,
  windowTableBytes,
  type CloseReason,
} from '../../../src/features/question/window-table.js';

/** A key as the extractor builds it: client words, IP version, registered domain hash and length. */
interface Key {
  c: [number, number, number, number];
  cv: number;
  dh: number;
  dl: number;
}

const DOM = new TextEncoder().encode('example.com');

function keyOf(i: number): Key {
  // Small keyspace with keys that differ in one word only, so the index sees near-identical keys.
  return { c: [0x0a000000 + (i % 5), 0, 0, i >= 40 ? 1 : 0], cv: i % 7 === 3 ? 6 : 4, dh: 0x1234 + (i >> 2), dl: 11 };
}

function find(t: WindowTable, k: Key): number {
  return t.find(k.c[0], k.c[1], k.c[2], k.c[3], k.cv, k.dh, k.dl);
}

function open(t: WindowTable, k: Key, ts: number): number {
  return t.open(k.c[0], k.c[1], k.c[2], k.c[3], k.cv, k.dh, DOM, 0, k.dl, ts);
}

function table(capacity: number, windowSec = 60): { t: WindowTable; closed: { slot: number; reason: CloseReason; c0: number; start: number }[] } {
  const closed: { slot: number; reason: CloseReason; c0: number; start: number }[] = [];
  const t: WindowTable = new WindowTable(capacity, windowSec, (slot, reason) => {
    // Read the slot during the call: it must still hold the closing window's key and start.
    closed.push({ slot, reason, c0: t.i32[slot * WindowTable.I32_WORDS + W_C0]!, start: t.f64[slot * WindowTable.F64_WORDS + F_START]! });
  });
  return { t, closed };
}

function statsAddUp(t: WindowTable): void {
  const s = t.stats;
  expect(s.windows_opened).toBe(s.windows_closed + s.windows_active);
  // 'window' closes are the remainder of closed.
  expect(s.windows_expired + s.windows_evicted + s.windows_flushed).toBeLessThanOrEqual(s.windows_closed);
}

describe('WindowTable', () => {
  it('opens, finds and closes a window; keeps the registered domain bytes', () => {
    const { t, closed } = table(8);
    const k = keyOf(1);
    expect(find(t, k)).toBe(-1);
    const s = open(t, k, 100.5);
    expect(find(t, k)).toBe(s);
    expect(find(t, { ...k, dl: 12 })).toBe(-1);
    expect(find(t, { ...k, cv: 6 })).toBe(-1);
    expect(find(t, { ...k, c: [k.c[0], k.c[1], k.c[2], k.c[3] + 1] })).toBe(-1);
    expect(t.i32[s * WindowTable.I32_WORDS + W_DOM_LEN]).toBe(11);
    expect(new TextDecoder().decode(t.bytes.subarray(s * WindowTable.BYTES_PER + B_DOMAIN, s * WindowTable.BYTES_PER + B_DOMAIN + 11))).toBe('example.com');
    expect(t.ended(s, 160.4)).toBe(false);
    expect(t.ended(s, 160.5)).toBe(true);
    t.close(s, 'window');
    expect(closed).toEqual([{ slot: s, reason: 'window', c0: k.c[0], start: 100.5 }]);
    expect(find(t, k)).toBe(-1);
    expect(t.stats).toMatchObject({ windows_opened: 1, windows_closed: 1, windows_active: 0, windows_expired: 0, windows_evicted: 0, windows_flushed: 0 });
  });

  it('cuts a registered domain longer than DOMAIN_BYTES but keys on its whole length', () => {
    const { t } = table(2);
    const long = new Uint8Array(DOMAIN_BYTES + 20).fill(0x61);
    const s = t.open(1, 0, 0, 0, 4, 99, long, 0, long.length, 0);
    expect(t.find(1, 0, 0, 0, 4, 99, long.length)).toBe(s);
    expect(t.find(1, 0, 0, 0, 4, 99, DOMAIN_BYTES)).toBe(-1);
    // The bytes after the kept domain belong to the example names: untouched.
    expect(t.bytes[s * WindowTable.BYTES_PER + DOMAIN_BYTES]).toBe(0);
  });

  it('keeps each example name whole, its first EXAMPLE_HEAD bytes beside the domain and the rest in the tail', () => {
    const { t } = table(3);
    const dom = new TextEncoder().encode('example.com');
    const s = t.open(1, 0, 0, 0, 4, 7, dom, 0, dom.length, 0);
    const other = t.open(2, 0, 0, 0, 4, 7, dom, 0, dom.length, 0);
    const name = (n: number, c: number): Uint8Array => Uint8Array.from({ length: n }, (_, k) => c + (k % 20));
    for (const [n1, n2] of [[10, 3], [EXAMPLE_HEAD, EXAMPLE_HEAD + 1], [EXAMPLE_BYTES, EXAMPLE_BYTES], [EXAMPLE_HEAD + 1, EXAMPLE_BYTES - 1]] as const) {
      const long = name(n1, 0x41);
      const first = name(n2, 0x61);
      t.putExample(s, B_EX_LONG, long, n1);
      t.putExample(s, B_EX_FIRST, first, n2);
      t.putExample(other, B_EX_LONG, name(EXAMPLE_BYTES, 0x30), EXAMPLE_BYTES);
      const e1 = t.example(s, B_EX_LONG, n1);
      expect(Array.from(e1.bytes.subarray(e1.offset, e1.offset + n1))).toEqual(Array.from(long));
      const e2 = t.example(s, B_EX_FIRST, n2);
      expect(Array.from(e2.bytes.subarray(e2.offset, e2.offset + n2))).toEqual(Array.from(first));
    }
    // The domain is where it was written, whatever the examples did.
    expect(new TextDecoder().decode(t.bytes.subarray(s * WindowTable.BYTES_PER + B_DOMAIN, s * WindowTable.BYTES_PER + B_DOMAIN + dom.length))).toBe('example.com');
    // A short name leaves the tail untouched: its pages are faulted in only for long names.
    const { t: fresh } = table(2);
    const f = fresh.open(1, 0, 0, 0, 4, 7, dom, 0, dom.length, 0);
    fresh.putExample(f, B_EX_LONG, name(EXAMPLE_HEAD, 0x41), EXAMPLE_HEAD);
    fresh.putExample(f, B_EX_FIRST, name(EXAMPLE_HEAD, 0x61), EXAMPLE_HEAD);
    expect(fresh.nameTail.every((b) => b === 0)).toBe(true);
  });

  it('expires windows in opening order, only those whose time is up', () => {
    const { t, closed } = table(8, 10);
    for (let i = 0; i < 5; i++) open(t, keyOf(i), 100 + i);
    t.expire(112); // windows opened at 100, 101, 102 are 10 s old or more
    expect(closed.map((c) => [c.start, c.reason])).toEqual([
      [100, 'expired'],
      [101, 'expired'],
      [102, 'expired'],
    ]);
    expect(find(t, keyOf(3))).toBeGreaterThanOrEqual(0);
    expect(find(t, keyOf(0))).toBe(-1);
    t.flush();
    expect(closed.slice(3).map((c) => [c.start, c.reason])).toEqual([
      [103, 'flushed'],
      [104, 'flushed'],
    ]);
    expect(t.stats).toMatchObject({ windows_opened: 5, windows_closed: 5, windows_expired: 3, windows_flushed: 2, windows_active: 0 });
  });

  it('when full, evicts the oldest window (counted, reported before its slot is reused)', () => {
    const { t, closed } = table(3);
    const slots = [0, 1, 2].map((i) => open(t, keyOf(i), 10 + i));
    expect(new Set(slots).size).toBe(3);
    const s = open(t, keyOf(3), 20);
    expect(closed).toHaveLength(1);
    // onClose saw the evicted window's own key and start, not the new one's.
    expect(closed[0]).toEqual({ slot: slots[0], reason: 'evicted', c0: keyOf(0).c[0], start: 10 });
    expect(s).toBe(slots[0]);
    expect(t.f64[s * WindowTable.F64_WORDS + F_START]).toBe(20);
    expect(find(t, keyOf(0))).toBe(-1);
    for (const i of [1, 2, 3]) expect(find(t, keyOf(i))).toBeGreaterThanOrEqual(0);
    expect(t.stats.windows_evicted).toBe(1);
    expect(t.stats.windows_active).toBe(3);
    // The next eviction takes the next oldest (opened at 11), not the one reopened in slot 0.
    open(t, keyOf(4), 21);
    expect(closed[1]).toMatchObject({ slot: slots[1], reason: 'evicted', start: 11 });
    statsAddUp(t);
  });

  it('works with a capacity of one', () => {
    const { t, closed } = table(1);
    open(t, keyOf(0), 0);
    open(t, keyOf(1), 1);
    expect(closed.map((c) => c.reason)).toEqual(['evicted']);
    expect(find(t, keyOf(1))).toBe(0);
    expect(find(t, keyOf(0))).toBe(-1);
  });

  it('refuses a capacity below one', () => {
    expect(() => new WindowTable(0, 60, () => undefined)).toThrow(RangeError);
  });

  it('windowTableBytes grows linearly with capacity and covers the typed arrays', () => {
    const { t } = table(1000);
    const arrays = t.i32.byteLength + t.f64.byteLength + t.hist.byteLength + t.bytes.byteLength + t.nameTail.byteLength;
    expect(windowTableBytes(1000)).toBeGreaterThan(arrays);
    expect(windowTableBytes(2000)).toBeLessThanOrEqual(2 * windowTableBytes(1000) + 16 * 1024);
  });

  // Against a plain Map and an array in opening order. Capacity 4 has an 8-entry
  // index, so 40 keys collide on home slots all the time: probe runs form,
  // and every close (explicit, expiry, eviction) exercises the backward shift.
  it('keeps every open key findable through random opens and closes (model-based)', () => {
    type Op = { kind: 'touch'; key: number; dt: number } | { kind: 'close'; pick: number } | { kind: 'expire'; dt: number } | { kind: 'flush' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('touch' as const), key: fc.integer({ min: 0, max: 47 }), dt: fc.integer({ min: 0, max: 4 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), dt: fc.integer({ min: 0, max: 30 }) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
        const windowSec = 20;
        const { t, closed } = table(capacity, windowSec);
        const model = new Map<number, { slot: number; start: number }>();
        const order: number[] = []; // keys by opening time
        let now = 0;
        let expected: { key: number; reason: CloseReason }[] = [];
        const modelClose = (key: number, reason: CloseReason): void => {
          model.delete(key);
          order.splice(order.indexOf(key), 1);
          expected.push({ key, reason });
        };
        for (const o of ops) {
          expected = [];
          const before = closed.length;
          if (o.kind === 'touch') {
            now += o.dt;
            const k = keyOf(o.key);
            const s = find(t, k);
            expect(s).toBe(model.get(o.key)?.slot ?? -1);
            if (s < 0) {
              if (model.size === capacity) modelClose(order[0]!, 'evicted');
              const ns = open(t, k, now);
              model.set(o.key, { slot: ns, start: now });
              order.push(o.key);
            }
          } else if (o.kind === 'close') {
            if (order.length === 0) continue;
            const key = order[o.pick % order.length]!;
            const slot = model.get(key)!.slot;
            modelClose(key, 'window');
            t.close(slot, 'window');
          } else if (o.kind === 'expire') {
            now += o.dt;
            while (order.length > 0 && now - model.get(order[0]!)!.start >= windowSec) modelClose(order[0]!, 'expired');
            t.expire(now);
          } else {
            while (order.length > 0) modelClose(order[0]!, 'flushed');
            t.flush();
          }
          const got = closed.slice(before).map((c) => c.reason);
          expect(got).toEqual(expected.map((e) => e.reason));
          for (let key = 0; key < 48; key++) expect(find(t, keyOf(key))).toBe(model.get(key)?.slot ?? -1);
          expect(t.stats.windows_active).toBe(model.size);
          statsAddUp(t);
        }
      }),
      { numRuns: 300 },
    );
  });
});
