/**
 * Per-byte tables for copying a DNS name: one lookup each instead of range
 * tests per byte (the copy loop is the decoder's only per-byte work).
 */

/** ASCII A-Z to a-z; every other byte unchanged (RFC 4343: DNS names compare case-insensitively, ASCII only). */
export const FOLD = new Uint8Array(256);

/** Bit set in BYTE_CLASS for a byte outside [a-z0-9-_] after folding. */
export const CLASS_NON_LDH = 1;
/** Bit set in BYTE_CLASS for a byte >= 0x80 or < 0x21 (control, space, non-ASCII). */
export const CLASS_NON_ASCII = 2;

export const BYTE_CLASS = new Uint8Array(256);

for (let b = 0; b < 256; b++) {
  const f = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
  FOLD[b] = f;
  const ldh = (f >= 0x61 && f <= 0x7a) || (f >= 0x30 && f <= 0x39) || f === 0x2d || f === 0x5f;
  BYTE_CLASS[b] = (ldh ? 0 : CLASS_NON_LDH) | (b >= 0x80 || b < 0x21 ? CLASS_NON_ASCII : 0);
}

/** 32-bit FNV-1a offset basis and prime. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;
