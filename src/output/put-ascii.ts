/**
 * ASCII writers for byte-level record formatters. Each writes through a
 * DataView at offset p of a buffer the caller has reserved room in, and
 * returns the offset after what it wrote. No strings, no allocation.
 *
 * Why a DataView and 2- or 4-byte stores: V8 (11.x) re-checks a typed
 * array's map, length and base pointer on every indexed store in a loop,
 * about 30 instructions per byte copied; a DataView store of 4 bytes costs
 * about 13 in straight-line code, and a native set() about 200 whatever the
 * length (instruction counts under cachegrind, see docs/performance.md).
 * Some writers store a few bytes past the end they return (a whole word for
 * a shorter tail); the caller's next write or the end of the record covers
 * them, so callers reserve that much more room (SLACK).
 */

/** Bytes a writer here may store past the end it returns. */
export const SLACK = 20;

/** "00".."99" as two digit bytes, first digit in the low byte (little-endian stores). */
const PAIRS = new Uint16Array(100);
for (let v = 0; v < 100; v++) PAIRS[v] = (48 + ((v / 10) | 0)) | ((48 + (v % 10)) << 8);

/** A constant of at most 20 bytes as five little-endian words, written whole by putLabel. */
export interface Label {
  readonly length: number;
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  readonly w4: number;
}

export function label(text: string): Label {
  const b = Buffer.alloc(20);
  const n = b.write(text, 'latin1');
  if (n !== text.length || n > 20) throw new Error(`label longer than 20 bytes: ${text}`);
  return { length: n, w0: b.readInt32LE(0), w1: b.readInt32LE(4), w2: b.readInt32LE(8), w3: b.readInt32LE(12), w4: b.readInt32LE(16) };
}

/** A Label: five word stores, whatever its length (the rest is overwritten after). */
export function putLabel(dv: DataView, p: number, l: Label): number {
  dv.setInt32(p, l.w0, true);
  dv.setInt32(p + 4, l.w1, true);
  dv.setInt32(p + 8, l.w2, true);
  dv.setInt32(p + 12, l.w3, true);
  dv.setInt32(p + 16, l.w4, true);
  return p + l.length;
}

/** Longer constants: one native copy. */
export function putBytes(buf: Uint8Array, p: number, bytes: Uint8Array): number {
  buf.set(bytes, p);
  return p + bytes.length;
}

/** v in 0..99 as exactly two digits. */
export function put2(dv: DataView, p: number, v: number): number {
  dv.setUint16(p, PAIRS[v]!, true);
  return p + 2;
}

/** v in 0..9999 as exactly four digits (zero-padded). */
export function put4(dv: DataView, p: number, v: number): number {
  const q = (v / 100) | 0;
  dv.setUint32(p, PAIRS[q]! | (PAIRS[v - 100 * q]! << 16), true);
  return p + 4;
}

/** v in 0..999999 as exactly six digits (zero-padded). */
export function put6(dv: DataView, p: number, v: number): number {
  const q = (v / 10000) | 0;
  put2(dv, p, q);
  return put4(dv, p + 2, v - 10000 * q);
}

/** v in 0..99999999 as exactly eight digits (zero-padded). */
export function put8(dv: DataView, p: number, v: number): number {
  const q = (v / 10000) | 0;
  put4(dv, p, q);
  return put4(dv, p + 4, v - 10000 * q);
}

/** v in 0..9999 without leading zeros. */
function putUpTo4(dv: DataView, p: number, v: number): number {
  if (v < 10) {
    dv.setUint8(p, 48 + v);
    return p + 1;
  }
  if (v < 100) return put2(dv, p, v);
  const q = (v / 100) | 0;
  if (v < 1000) {
    dv.setUint8(p, 48 + q);
    return put2(dv, p + 1, v - 100 * q);
  }
  put2(dv, p, q);
  return put2(dv, p + 2, v - 100 * q);
}

/** A non-negative integer below 2^31 in decimal. */
export function putSmallInt(dv: DataView, p: number, v: number): number {
  if (v < 10000) return putUpTo4(dv, p, v);
  if (v < 100000000) {
    const q = (v / 10000) | 0;
    return put4(dv, putUpTo4(dv, p, q), v - 10000 * q);
  }
  const q = (v / 100000000) | 0;
  return put8(dv, putUpTo4(dv, p, q), v - 100000000 * q);
}

/**
 * An integer (|v| < 2^53) in decimal, as `${v}` writes it. Kept small so
 * that V8 inlines it: counts and ports take the first line; flow ids and
 * negative numbers go to putWideInt.
 */
export function putInt(dv: DataView, p: number, v: number): number {
  if (v >= 0 && v < 0x80000000) return putSmallInt(dv, p, v | 0);
  return putWideInt(dv, p, v);
}

/**
 * Negative numbers and numbers from 2^31 on. Flow ids are 16-digit numbers:
 * they are split at 10^8 into parts that fit in 31 bits (with `| 0` so the
 * compiler keeps them as integers), since digit by digit division of a
 * double cost more than the rest of a record.
 */
function putWideInt(dv: DataView, p: number, v: number): number {
  if (v < 0) {
    dv.setUint8(p++, 45); // '-'
    v = -v;
    if (v < 0x80000000) return putSmallInt(dv, p, v | 0);
  }
  const hi = Math.floor(v / 1e8);
  const lo = (v - hi * 1e8) | 0;
  return put8(dv, hi < 0x80000000 ? putSmallInt(dv, p, hi | 0) : putLarge(dv, p, hi), lo);
}

/** Beyond 2^31 * 10^8 (not a flow id or a count): digit by digit. */
function putLarge(dv: DataView, p: number, v: number): number {
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  for (let k = digits - 1; k >= 0; k--) {
    dv.setUint8(p + k, 48 + (v % 10));
    v = Math.floor(v / 10);
  }
  return p + digits;
}
