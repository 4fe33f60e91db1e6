import type { DecodedPacket } from '../decode/packet.js';

/**
 * The 5-tuple (plus VLAN ids) in a canonical order, so both directions of a
 * conversation map to one key. Endpoint A is the lower (address, port) pair
 * compared bytewise. The key is filled in place from each packet: the table
 * looks flows up by a numeric hash and compares bytes on collision, so no
 * string is built per packet.
 */
export interface FlowKey {
  /** Endpoint A's address at 0, B's at 16; IPv4 uses the first 4 bytes of each. */
  readonly addr: Uint8Array;
  ipVersion: 4 | 6;
  proto: number;
  portA: number;
  portB: number;
  vlan0: number;
  vlan1: number;
  /** True when the packet that filled the key was sent by endpoint A. */
  srcIsA: boolean;
  /** 30-bit bucket hash: small enough to stay an unboxed integer as a Map key. */
  hash: number;
  /** Second, independent 32-bit hash; with `hash` it makes the 53-bit flow id. */
  hash2: number;
}

export const ADDR_B = 16;

export function newFlowKey(): FlowKey {
  return { addr: new Uint8Array(32), ipVersion: 4, proto: 0, portA: 0, portB: 0, vlan0: 0, vlan1: 0, srcIsA: true, hash: 0, hash2: 0 };
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
  const addr = key.addr;
  let h1 = 0x811c9dc5 ^ v;
  let h2 = 0x9747b28c ^ pkt.protocol;
  for (let i = 0; i < alen; i++) {
    const x = b[aOff + i]!;
    const y = b[bOff + i]!;
    addr[i] = x;
    addr[ADDR_B + i] = y;
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
  const alen = x.ipVersion === 4 ? 4 : 16;
  const xa = x.addr;
  const ya = y.addr;
  for (let i = 0; i < alen; i++) {
    if (xa[i] !== ya[i] || xa[ADDR_B + i] !== ya[ADDR_B + i]) return false;
  }
  return true;
}

export function copyFlowKey(src: FlowKey, dst: FlowKey): void {
  dst.addr.set(src.addr);
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
