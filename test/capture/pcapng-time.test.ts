import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MICROSECONDS, scaleFromTsresol, splitTimestamp, type SplitTime } from '../../src/capture/pcapng-time.js';

/** Reference: exact BigInt arithmetic, written independently of the fast paths. */
function reference(hi: number, lo: number, tsresol: number): [number, number] {
  const ticks = (BigInt(hi) << 32n) + BigInt(lo);
  const units = (tsresol & 0x80) !== 0 ? 2n ** BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  return [Number(ticks / units), Number(((ticks % units) * 1_000_000_000n) / units)];
}

describe('splitTimestamp', () => {
  const out: SplitTime = { sec: 0, nsec: 0 };
  const split = (hi: number, lo: number, tsresol: number): [number, number] => {
    splitTimestamp(hi, lo, scaleFromTsresol(tsresol), out);
    return [out.sec, out.nsec];
  };

  it('gives 2^32 s for the year-2106 tick count at µs resolution', () => {
    // 2^32 s = 4294967296e6 µs = 1_000_000 * 2^32 ticks: hi = 1_000_000, lo = 0.
    splitTimestamp(1_000_000, 0, MICROSECONDS, out);
    expect([out.sec, out.nsec]).toEqual([4294967296, 0]);
  });

  it('is exact one tick below a whole second at the top of the 53-bit fast path and just above it', () => {
    for (const tsresol of [6, 9, 10]) {
      const units = 10n ** BigInt(tsresol);
      for (const top of [2n ** 53n, 2n ** 53n + 2n ** 40n]) {
        const ticks = (top / units) * units - 1n;
        const hi = Number(ticks >> 32n);
        const lo = Number(ticks & 0xffffffffn);
        expect(split(hi, lo, tsresol), `${tsresol} ${ticks}`).toEqual(reference(hi, lo, tsresol));
        // One tick short of a second: at most one µs of nanoseconds missing.
        expect(split(hi, lo, tsresol)[1]).toBeGreaterThanOrEqual(999_999_000);
      }
    }
  });

  for (const tsresol of [0, 3, 6, 9, 10, 11, 12, 15, 0x80 | 10, 0x80 | 20, 0x80 | 23, 0x80 | 30, 0x80 | 40]) {
    it(`matches BigInt arithmetic for if_tsresol 0x${tsresol.toString(16)}`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (hi, lo) => {
          const [sec, nsec] = split(hi, lo, tsresol);
          const [rs, rn] = reference(hi, lo, tsresol);
          // Seconds beyond 2^53 cannot be exact in a number; compare what a double can hold.
          expect(sec).toBe(rs);
          expect(nsec).toBe(rn);
          expect(nsec).toBeGreaterThanOrEqual(0);
          expect(nsec).toBeLessThan(1e9);
        }),
        { numRuns: 2000 },
      );
    });
  }
});
