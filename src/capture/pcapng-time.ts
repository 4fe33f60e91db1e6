/**
 * pcapng timestamps are 64-bit counts of 1/units-per-second since the epoch
 * (plus a per-interface offset in seconds). A double holds only 53 bits, so
 * the count is kept as two 32-bit halves and divided exactly: directly when
 * the value fits in 53 bits (every timestamp before 2255 at µs resolution),
 * otherwise by long division in base 2^16. Resolutions too fine for that
 * (more than 2^37 ticks per second, or binary fractions finer than 2^-23)
 * take a BigInt path; they are set per interface and practically unseen.
 */

const TWO32 = 4294967296;
const TWO16 = 65536;
/** hi below this means hi * 2^32 + lo < 2^53. */
const SAFE_HI = 1 << 21;
const NS_PER_SEC = 1e9;

export interface TimestampScale {
  /** Ticks per second (may be inexact for resolutions beyond 2^53). */
  readonly units: number;
  readonly unitsBig: bigint;
  /** How to turn a remainder in ticks into nanoseconds. */
  readonly kind: 'mul' | 'div' | 'binary' | 'bigint';
  /** 1e9 / units for 'mul', units / 1e9 for 'div'. */
  readonly factor: number;
}

/** Decodes the if_tsresol option byte (high bit set: power of 2, else power of 10). */
export function scaleFromTsresol(v: number): TimestampScale {
  const binary = (v & 0x80) !== 0;
  const exp = v & 0x7f;
  const unitsBig = binary ? 1n << BigInt(exp) : 10n ** BigInt(exp);
  const units = Number(unitsBig);
  if (!binary) {
    if (exp <= 9) return { units, unitsBig, kind: 'mul', factor: 10 ** (9 - exp) };
    if (units < 2 ** 37) return { units, unitsBig, kind: 'div', factor: 10 ** (exp - 9) };
    return { units, unitsBig, kind: 'bigint', factor: 0 };
  }
  if (exp <= 23) return { units, unitsBig, kind: 'binary', factor: 0 };
  return { units, unitsBig, kind: 'bigint', factor: 0 };
}

/** Default resolution when an interface has no if_tsresol option: microseconds. */
export const MICROSECONDS: TimestampScale = scaleFromTsresol(6);

/** Output of splitTimestamp, reused to avoid an allocation per packet. */
export interface SplitTime {
  sec: number;
  nsec: number;
}

/** Splits the 64-bit tick count (hi, lo) into whole seconds and nanoseconds. */
export function splitTimestamp(hi: number, lo: number, scale: TimestampScale, out: SplitTime): void {
  if (scale.kind === 'bigint') {
    splitBig(hi, lo, scale, out);
    return;
  }
  const d = scale.units;
  let q: number;
  let r: number;
  if (hi < SAFE_HI) {
    // Exact: for v < 2^53 the quotient k - r/d (r >= 1) is more than half an
    // ulp of k below k, so rounding the division cannot reach the next integer.
    const v = hi * TWO32 + lo;
    q = Math.floor(v / d);
    r = v - q * d;
  } else {
    // Long division by d over the four 16-bit digits; r < d < 2^37 keeps r * 2^16 exact.
    let acc = hi >>> 16;
    q = Math.floor(acc / d);
    r = acc - q * d;
    acc = r * TWO16 + (hi & 0xffff);
    let qd = Math.floor(acc / d);
    q = q * TWO16 + qd;
    r = acc - qd * d;
    acc = r * TWO16 + (lo >>> 16);
    qd = Math.floor(acc / d);
    q = q * TWO16 + qd;
    r = acc - qd * d;
    acc = r * TWO16 + (lo & 0xffff);
    qd = Math.floor(acc / d);
    q = q * TWO16 + qd;
    r = acc - qd * d;
  }
  out.sec = q;
  switch (scale.kind) {
    case 'mul':
      out.nsec = r * scale.factor;
      break;
    case 'div':
      out.nsec = Math.floor(r / scale.factor);
      break;
    default:
      // Binary: r < 2^23 so r * 1e9 < 2^53, and dividing by a power of two is exact.
      out.nsec = Math.floor((r * NS_PER_SEC) / d);
  }
}

function splitBig(hi: number, lo: number, scale: TimestampScale, out: SplitTime): void {
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  const u = scale.unitsBig;
  out.sec = Number(v / u);
  out.nsec = Number(((v % u) * 1_000_000_000n) / u);
}
