import type { DecodedPacket } from '../decode/packet.js';

/**
 * The 5-tuple (plus VLAN ids) in a canonical order, so both directions of a
 * conversation map to one key. Endpoint A is the lower (address, port) pair
 * compared bytewise. The key is filled in place from each packet: the table
 * looks flows up by a numeric hash and compares words on collision, so no
 * string is built per packet.
 */
export interface FlowKey {
  /**
   * Endpoint A's address as four big-endian 32-bit words (signed), then B's;
   * IPv4 uses the first word of each and leaves the rest 0. The flow table
   * stores these words in its records (see flow-table.ts), so a key is
   * compared word by word, never as bytes or strings.
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
  /** 30-bit table hash of the words above (a small integer); the flow table indexes its slots with the low bits. */
  hash: number;
}

export function newFlowKey(): FlowKey {
  return { a0: 0, a1: 0, a2: 0, a3: 0, b0: 0, b1: 0, b2: 0, b3: 0, ipVersion: 4, proto: 0, portA: 0, portB: 0, vlan0: 0, vlan1: 0, srcIsA: true, hash: 0 };
}

function word(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

/** murmur3's 32-bit finalizer, as an unsigned number. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Ports and the proto/VLAN word as the flow table stores them. */
export function portsWord(key: FlowKey): number {
  return (key.portA << 16) | key.portB;
}

export function protoVlanWord(key: FlowKey): number {
  return (key.proto << 24) | (key.vlan0 << 12) | key.vlan1;
}

/**
 * The table hash: one multiply-xor round per 32-bit word, then a finalizer.
 * It only places flows in the table; the flow id (flowIdOf) is another hash,
 * computed when a flow is first reported, so the table's hash can be as
 * cheap as a lookup allows without changing any id in the output.
 */
export function tableHash(key: FlowKey): number {
  let h = Math.imul(key.a0 ^ 0x2c1b3c6d, 0x9e3779b1);
  h = Math.imul(h ^ key.b0, 0x85ebca77);
  h = Math.imul(h ^ portsWord(key), 0xc2b2ae3d);
  h = Math.imul(h ^ protoVlanWord(key) ^ key.ipVersion, 0x27d4eb2f);
  if (key.ipVersion === 6) {
    h = Math.imul(h ^ key.a1, 0x9e3779b1);
    h = Math.imul(h ^ key.a2, 0x85ebca77);
    h = Math.imul(h ^ key.a3, 0xc2b2ae3d);
    h = Math.imul(h ^ key.b1, 0x9e3779b1);
    h = Math.imul(h ^ key.b2, 0x85ebca77);
    h = Math.imul(h ^ key.b3, 0xc2b2ae3d);
  }
  return fmix32(h) & 0x3fffffff;
}

/**
 * Fills `key` from the packet. Returns false when the packet has no IP layer
 * (nothing to key on). Allocation-free. Endpoint A is the lower (address,
 * port) pair; comparing the big-endian words unsigned orders addresses as
 * comparing their bytes would.
 */
export function flowKeyFromPacket(pkt: DecodedPacket, key: FlowKey): boolean {
  const v = pkt.ipVersion;
  if (v !== 4 && v !== 6) return false;
  const b = pkt.bytes;
  const s = pkt.srcAddrOffset;
  const d = pkt.dstAddrOffset;
  const s0 = word(b, s);
  const d0 = word(b, d);
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  if (v === 6) {
    s1 = word(b, s + 4);
    s2 = word(b, s + 8);
    s3 = word(b, s + 12);
    d1 = word(b, d + 4);
    d2 = word(b, d + 8);
    d3 = word(b, d + 12);
  }
  let cmp = (s0 >>> 0) - (d0 >>> 0);
  if (cmp === 0) cmp = (s1 >>> 0) - (d1 >>> 0);
  if (cmp === 0) cmp = (s2 >>> 0) - (d2 >>> 0);
  if (cmp === 0) cmp = (s3 >>> 0) - (d3 >>> 0);
  if (cmp === 0) cmp = pkt.srcPort - pkt.dstPort;
  const srcIsA = cmp <= 0;
  if (srcIsA) {
    key.a0 = s0;
    key.a1 = s1;
    key.a2 = s2;
    key.a3 = s3;
    key.b0 = d0;
    key.b1 = d1;
    key.b2 = d2;
    key.b3 = d3;
    key.portA = pkt.srcPort;
    key.portB = pkt.dstPort;
  } else {
    key.a0 = d0;
    key.a1 = d1;
    key.a2 = d2;
    key.a3 = d3;
    key.b0 = s0;
    key.b1 = s1;
    key.b2 = s2;
    key.b3 = s3;
    key.portA = pkt.dstPort;
    key.portB = pkt.srcPort;
  }
  key.ipVersion = v;
  key.proto = pkt.protocol;
  key.vlan0 = pkt.vlan0;
  key.vlan1 = pkt.vlan1;
  key.srcIsA = srcIsA;
  key.hash = tableHash(key);
  return true;
}

export function flowKeyEquals(x: FlowKey, y: FlowKey): boolean {
  // IPv4 keys have zero in words 1..3, so comparing all eight is exact for both families.
  return (
    x.ipVersion === y.ipVersion &&
    x.proto === y.proto &&
    x.portA === y.portA &&
    x.portB === y.portB &&
    x.vlan0 === y.vlan0 &&
    x.vlan1 === y.vlan1 &&
    x.a0 === y.a0 &&
    x.b0 === y.b0 &&
    x.a1 === y.a1 &&
    x.a2 === y.a2 &&
    x.a3 === y.a3 &&
    x.b1 === y.b1 &&
    x.b2 === y.b2 &&
    x.b3 === y.b3
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
}

/**
 * EVE-style flow_id: positive, below 2^53, a pure function of the canonical
 * key, so the same 5-tuple gets the same id in every run (and across the
 * files of one run), which keeps golden outputs stable. Two byte-wise hashes
 * over the addresses (A and B interleaved), ports, protocol and VLANs; made
 * once per reported flow, not per packet.
 */
export function flowIdOf(key: FlowKey): number {
  const v = key.ipVersion;
  const words = v === 4 ? 1 : 4;
  let h1 = 0x811c9dc5 ^ v;
  let h2 = 0x9747b28c ^ key.proto;
  for (let w = 0; w < words; w++) {
    const aw = w === 0 ? key.a0 : w === 1 ? key.a1 : w === 2 ? key.a2 : key.a3;
    const bw = w === 0 ? key.b0 : w === 1 ? key.b1 : w === 2 ? key.b2 : key.b3;
    for (let shift = 24; shift >= 0; shift -= 8) {
      const x = (aw >>> shift) & 255;
      const y = (bw >>> shift) & 255;
      h1 = Math.imul(h1 ^ x, 0x01000193);
      h2 = Math.imul(h2 ^ y, 0x5bd1e995);
      h2 ^= h2 >>> 15;
      h1 = Math.imul(h1 ^ y, 0x01000193);
      h2 = Math.imul(h2 ^ x, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
  }
  const tail1 = (key.portA << 16) | key.portB;
  const tail2 = (key.proto << 24) ^ (key.vlan0 << 12) ^ key.vlan1;
  h1 = Math.imul(h1 ^ tail1, 0x01000193);
  h1 = Math.imul(h1 ^ tail2, 0x01000193);
  h2 = Math.imul(h2 ^ tail2, 0x5bd1e995);
  h2 = Math.imul(h2 ^ tail1, 0x5bd1e995);
  const hash = fmix32(h1) & 0x3fffffff;
  const hash2 = fmix32(h2);
  const id = (hash2 & 0x1fffff) * 0x100000000 + ((hash ^ Math.imul(hash2, 0x27d4eb2d)) >>> 0);
  return id === 0 ? 1 : id;
}
