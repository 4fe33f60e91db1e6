/**
 * Address text for flows. IPv6 follows RFC 5952 (lowercase, no leading
 * zeros, the longest run of two or more zero groups shortened to "::", the
 * first run on a tie) so EVE records match Suricata and tshark.
 *
 * The writers take an address as the flow key's 32-bit words (see FlowKey)
 * and put its text as ASCII bytes into a buffer, so an output record can
 * carry a flow's addresses without a string per flow; the string forms are
 * made by the same writers, so the two cannot disagree.
 */

/** Most bytes an address's text takes: eight groups of four hex digits and seven colons. */
export const IP_TEXT_MAX = 39;
/** Bytes the writers may store past the end they return (a whole word for a shorter tail). */
export const IP_TEXT_SLACK = 4;

/**
 * Per octet value: its decimal digits and a '.', as a little-endian word
 * (one store per octet), and in OCTET_LEN the number of digits.
 */
const OCTET_DOT = new Int32Array(256);
const OCTET_LEN = new Uint8Array(256);
/** Per byte value: its two hex digits, the first in the low byte. */
const HEX_PAIRS = new Uint16Array(256);
for (let v = 0; v < 256; v++) {
  const s = `${v}.`;
  let w = 0;
  for (let k = 0; k < s.length; k++) w |= s.charCodeAt(k) << (8 * k);
  OCTET_DOT[v] = w;
  OCTET_LEN[v] = s.length - 1;
  const h = v.toString(16).padStart(2, '0');
  HEX_PAIRS[v] = h.charCodeAt(0) | (h.charCodeAt(1) << 8);
}

/**
 * Writes the dotted quad of `w` (an IPv4 address as a big-endian 32-bit
 * word) at p and returns its end. Stores up to IP_TEXT_SLACK bytes past
 * that end, which the caller overwrites or ignores.
 */
export function putIpv4Word(dv: DataView, p: number, w: number): number {
  // Per octet one word store ("ddd."), the next octet starting after the dot.
  const a = w >>> 24;
  const b = (w >>> 16) & 255;
  const c = (w >>> 8) & 255;
  const d = w & 255;
  dv.setInt32(p, OCTET_DOT[a]!, true);
  p += OCTET_LEN[a]! + 1;
  dv.setInt32(p, OCTET_DOT[b]!, true);
  p += OCTET_LEN[b]! + 1;
  dv.setInt32(p, OCTET_DOT[c]!, true);
  p += OCTET_LEN[c]! + 1;
  dv.setInt32(p, OCTET_DOT[d]!, true);
  return p + OCTET_LEN[d]!;
}

/** One group in hex without leading zeros: the four digits as a word, shifted past the zeros. */
function putGroup(dv: DataView, p: number, g: number): number {
  const digits = g >= 0x1000 ? 4 : g >= 0x100 ? 3 : g >= 0x10 ? 2 : 1;
  const word = HEX_PAIRS[g >>> 8]! | (HEX_PAIRS[g & 255]! << 16);
  dv.setInt32(p, word >>> (8 * (4 - digits)), true);
  return p + digits;
}

const groups = new Uint16Array(8);

/**
 * Writes the RFC 5952 text of the IPv6 address in four big-endian 32-bit
 * words at p and returns its end; like putIpv4Word it stores up to
 * IP_TEXT_SLACK bytes past the end.
 */
export function putIpv6Words(dv: DataView, p: number, w0: number, w1: number, w2: number, w3: number): number {
  // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
    dv.setInt32(p, 0x66663a3a, true); // "::ff"
    dv.setInt32(p + 4, 0x3a6666, true); // "ff:"
    return putIpv4Word(dv, p + 7, w3);
  }
  const g = groups;
  g[0] = w0 >>> 16;
  g[1] = w0 & 0xffff;
  g[2] = w1 >>> 16;
  g[3] = w1 & 0xffff;
  g[4] = w2 >>> 16;
  g[5] = w2 & 0xffff;
  g[6] = w3 >>> 16;
  g[7] = w3 & 0xffff;
  // The first longest run of zero groups; a single zero group is never shortened (RFC 5952 section 4.2.2).
  let bestStart = 8;
  let bestLen = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (g[i] !== 0) {
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = i;
    if (i - runStart + 1 > bestLen) {
      bestStart = runStart;
      bestLen = i - runStart + 1;
    }
  }
  for (let i = 0; i < bestStart; i++) {
    if (i > 0) dv.setUint8(p++, 0x3a); // ':'
    p = putGroup(dv, p, g[i]!);
  }
  if (bestStart === 8) return p;
  dv.setUint16(p, 0x3a3a, true);
  p += 2;
  for (let i = bestStart + bestLen; i < 8; i++) {
    if (i > bestStart + bestLen) dv.setUint8(p++, 0x3a);
    p = putGroup(dv, p, g[i]!);
  }
  return p;
}

/** An address given as words, as putIpv4Word or putIpv6Words writes it. */
export function putIpWords(dv: DataView, p: number, ipVersion: 4 | 6, w0: number, w1: number, w2: number, w3: number): number {
  return ipVersion === 4 ? putIpv4Word(dv, p, w0) : putIpv6Words(dv, p, w0, w1, w2, w3);
}

const scratch = Buffer.alloc(IP_TEXT_MAX + IP_TEXT_SLACK);
const scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.length);

/** The text of an address given as words (once per flow, when a consumer asks for the string). */
export function formatIpWords(ipVersion: 4 | 6, w0: number, w1: number, w2: number, w3: number): string {
  return scratch.toString('latin1', 0, putIpWords(scratchView, 0, ipVersion, w0, w1, w2, w3));
}

function word(bytes: Uint8Array, off: number): number {
  return (bytes[off]! << 24) | (bytes[off + 1]! << 16) | (bytes[off + 2]! << 8) | bytes[off + 3]!;
}

export function formatIpv4(bytes: Uint8Array, off: number): string {
  return formatIpWords(4, word(bytes, off), 0, 0, 0);
}

export function formatIpv6(bytes: Uint8Array, off: number): string {
  return formatIpWords(6, word(bytes, off), word(bytes, off + 4), word(bytes, off + 8), word(bytes, off + 12));
}

export function formatIp(bytes: Uint8Array, off: number, ipVersion: 4 | 6): string {
  return ipVersion === 4 ? formatIpv4(bytes, off) : formatIpv6(bytes, off);
}
