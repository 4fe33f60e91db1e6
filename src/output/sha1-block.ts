/**
 * SHA-1 (FIPS 180-4) of a message of at most 55 bytes: one padded 64-byte
 * block, so no buffering and no allocation. The Community ID hashes at most
 * 40 bytes once per flow; in `dnsae extract` of the bench capture a flow
 * has about four records, and node:crypto's createHash/update/digest (a
 * native object and a Buffer per digest) took 0.9-2.5 us a flow against
 * 0.3-0.6 us here (279k hashes, Node 20, a loaded 2-core VM).
 */

export const SHA1_SHORT_MAX = 55;

const W = new Int32Array(80);
const BLOCK = new Uint8Array(64);
const BLOCK_VIEW = new DataView(BLOCK.buffer);

/**
 * Writes the digest of `msg[0..len)` into `out` as five big-endian words
 * (signed 32-bit, as Int32Array holds them).
 */
export function sha1Short(msg: Uint8Array, len: number, out: Int32Array): void {
  if (len > SHA1_SHORT_MAX) throw new RangeError(`sha1Short takes at most ${SHA1_SHORT_MAX} bytes, got ${len}`);
  const blk = BLOCK;
  for (let i = 0; i < len; i++) blk[i] = msg[i]!;
  blk[len] = 0x80;
  for (let i = len + 1; i < 60; i++) blk[i] = 0;
  // Length in bits in the block's last 64 bits (the high word is 0 for so short a message).
  BLOCK_VIEW.setInt32(60, len * 8);
  const w = W;
  for (let k = 0; k < 16; k++) w[k] = BLOCK_VIEW.getInt32(4 * k);
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = 0x67452301;
  let b = 0xefcdab89 | 0;
  let c = 0x98badcfe | 0;
  let d = 0x10325476;
  let e = 0xc3d2e1f0 | 0;
  // Four loops of twenty rounds, so no round tests which function it uses.
  for (let t = 0; t < 20; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (let t = 20; t < 40; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (let t = 40; t < 60; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (let t = 60; t < 80; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  out[0] = (0x67452301 + a) | 0;
  out[1] = (0xefcdab89 + b) | 0;
  out[2] = (0x98badcfe + c) | 0;
  out[3] = (0x10325476 + d) | 0;
  out[4] = (0xc3d2e1f0 + e) | 0;
}
