import type { DecodedPacket } from '../decode/packet.js';

/**
 * The 5-tuple (plus VLAN ids) in a canonical order, so both directions of a
 * conversation map to one key. Endpoint A is the lower (address, port) pair
 * compared bytewise. The key is filled in place from each packet: the table
 * looks flows up by a numeric hash and compares bytes on collision, so no
 * string is built per packet.
 */
export interface FlowKey {
  /**
   * Endpoint A's address as four big-endian 32-bit words (signed), then B's;
   * IPv4 uses the first word of each and leaves the rest 0. Words rather
   * than a Uint8Array: every flow table entry holds a key, and a typed array
   * (with its ArrayBuffer) per entry was most of an entry's size and of what
   * the scavenger copied while the table filled.
   */
  a0: number;
  a1: number;
  a2: number;
  a3: number;
  b0: number;
  b1: number;
  b2: number;
  b3: number;
  ipVersion: 4 | 6;
  proto: number;
  portA: number;
  portB: number;
  vlan0: number;
  vlan1: number;
  /** True when the packet that filled the key was sent by endpoint A. */
  srcIsA: boolean;
  /** 30-bit bucket hash (a small integer); the flow table indexes its buckets with the low bits. */
  hash: number;
  /** Second, independent 32-bit hash; with `hash` it makes the 53-bit flow id. */
  hash2: number;
}

export function newFlowKey(): FlowKey {
  return { a0: 0, a1: 0, a2: 0, a3: 0, b0: 0, b1: 0, b2: 0, b3: 0, ipVersion: 4, proto: 0, portA: 0, portB: 0, vlan0: 0, vlan1: 0, srcIsA: true, hash: 0, hash2: 0 };
}

function word(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Fills `key` from the packet. Returns false when the packet has no IP layer
 * (nothing to key on). Allocation-free.
 */
export function flowKeyFromPacket(pkt: DecodedPacket, key: FlowKey): boolean {
  const v = pkt.ipVersion;
  if (v !== 4 && v !== 6) return false;
  const alen = v === 4 ? 4 : 16;
  const b = pkt.bytes;
  const s = pkt.srcAddrOffset;
  const d = pkt.dstAddrOffset;
  let cmp = 0;
  for (let i = 0; i < alen && cmp === 0; i++) cmp = b[s + i]! - b[d + i]!;
  if (cmp === 0) cmp = pkt.srcPort - pkt.dstPort;
  const srcIsA = cmp <= 0;
  const aOff = srcIsA ? s : d;
  const bOff = srcIsA ? d : s;
  let h1 = 0x811c9dc5 ^ v;
  let h2 = 0x9747b28c ^ pkt.protocol;
  for (let i = 0; i < alen; i++) {
    const x = b[aOff + i]!;
    const y = b[bOff + i]!;
    h1 = Math.imul(h1 ^ x, 0x01000193);
    h2 = Math.imul(h2 ^ y, 0x5bd1e995);
    h2 ^= h2 >>> 15;
    h1 = Math.imul(h1 ^ y, 0x01000193);
    h2 = Math.imul(h2 ^ x, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  const portA = srcIsA ? pkt.srcPort : pkt.dstPort;
  const portB = srcIsA ? pkt.dstPort : pkt.srcPort;
  const tail1 = (portA << 16) | portB;
  const tail2 = (pkt.protocol << 24) ^ (pkt.vlan0 << 12) ^ pkt.vlan1;
  h1 = Math.imul(h1 ^ tail1, 0x01000193);
  h1 = Math.imul(h1 ^ tail2, 0x01000193);
  h2 = Math.imul(h2 ^ tail2, 0x5bd1e995);
  h2 = Math.imul(h2 ^ tail1, 0x5bd1e995);
  key.a0 = word(b, aOff);
  key.b0 = word(b, bOff);
  if (v === 6) {
    key.a1 = word(b, aOff + 4);
    key.a2 = word(b, aOff + 8);
    key.a3 = word(b, aOff + 12);
    key.b1 = word(b, bOff + 4);
    key.b2 = word(b, bOff + 8);
    key.b3 = word(b, bOff + 12);
  } else {
    key.a1 = key.a2 = key.a3 = 0;
    key.b1 = key.b2 = key.b3 = 0;
  }
  key.ipVersion = v;
  key.proto = pkt.protocol;
  key.portA = portA;
  key.portB = portB;
  key.vlan0 = pkt.vlan0;
  key.vlan1 = pkt.vlan1;
  key.srcIsA = srcIsA;
  key.hash = fmix32(h1) & 0x3fffffff;
  key.hash2 = fmix32(h2);
  return true;
}

export function flowKeyEquals(x: FlowKey, y: FlowKey): boolean {
  if (
    x.hash !== y.hash ||
    x.hash2 !== y.hash2 ||
    x.ipVersion !== y.ipVersion ||
    x.proto !== y.proto ||
    x.portA !== y.portA ||
    x.portB !== y.portB ||
    x.vlan0 !== y.vlan0 ||
    x.vlan1 !== y.vlan1
  ) {
    return false;
  }
  // IPv4 keys have zero in words 1..3, so comparing all eight is exact for both families.
  return (
    x.a0 === y.a0 && x.b0 === y.b0 && x.a1 === y.a1 && x.a2 === y.a2 && x.a3 === y.a3 && x.b1 === y.b1 && x.b2 === y.b2 && x.b3 === y.b3
  );
}

export function copyFlowKey(src: FlowKey, dst: FlowKey): void {
  dst.a0 = src.a0;
  dst.a1 = src.a1;
  dst.a2 = src.a2;
  dst.a3 = src.a3;
  dst.b0 = src.b0;
  dst.b1 = src.b1;
  dst.b2 = src.b2;
  dst.b3 = src.b3;
  dst.ipVersion = src.ipVersion;
  dst.proto = src.proto;
  dst.portA = src.portA;
  dst.portB = src.portB;
  dst.vlan0 = src.vlan0;
  dst.vlan1 = src.vlan1;
  dst.srcIsA = src.srcIsA;
  dst.hash = src.hash;
  dst.hash2 = src.hash2;
}

/**
 * EVE-style flow_id: positive, below 2^53, a pure function of the canonical
 * key, so the same 5-tuple gets the same id in every run (and across the
 * files of one run), which keeps golden outputs stable.
 */
export function flowIdOf(key: FlowKey): number {
  const id = (key.hash2 & 0x1fffff) * 0x100000000 + ((key.hash ^ Math.imul(key.hash2, 0x27d4eb2d)) >>> 0);
  return id === 0 ? 1 : id;
}
