const HEX: string[] = [];
/** The two hex digits of every byte value, the first in the low byte (little-endian stores). */
const HEX_PAIRS = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX.push(h);
  HEX_PAIRS[i] = h.charCodeAt(0) | (h.charCodeAt(1) << 8);
}

/** Lower-case hex of bytes[off, off+len) via a lookup table (no per-byte toString). */
export function toHex(bytes: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += HEX[bytes[off + i]!];
  return s;
}

/** The hex of src[off], src[off+1] as one little-endian word of four digits. */
export function hexWord(src: Uint8Array, off: number): number {
  return HEX_PAIRS[src[off]!]! | (HEX_PAIRS[src[off + 1]!]! << 16);
}

/** toHex(src, off, len) written as ASCII at p; returns the end. */
export function putHex(dv: DataView, p: number, src: Uint8Array, off: number, len: number): number {
  let k = 0;
  for (; k + 2 <= len; k += 2) {
    dv.setInt32(p, hexWord(src, off + k), true);
    p += 4;
  }
  if (k < len) {
    dv.setUint16(p, HEX_PAIRS[src[off + k]!]!, true);
    p += 2;
  }
  return p;
}
