import type { DecodedPacket } from './packet.js';
import type { WeirdCounters } from './weirds.js';

/**
 * One protocol layer. `off` is where this layer's header starts; `end` is
 * where captured bytes that belong to it stop; `wireEnd` is where they would
 * stop on the wire (past `end` only under snaplen truncation). Keeping both
 * lets a layer tell "the capture was cut" (normal, no weird) from "a length
 * field lies" (weird). Returns true once a UDP or TCP header was decoded.
 *
 * Decoders are module-level functions so the per-packet path never creates a
 * closure; they forward to the next layer through the tables in dispatch.ts.
 */
export type LayerDecoder = (
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
) => boolean;

export function u16be(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u16le(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

export function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/**
 * The same four bytes as a signed 32-bit integer. For values that are only
 * compared and added modulo 2^32 (TCP sequence numbers): Node's V8 keeps an int32 as
 * a small integer, while a uint32 at or above 2^31 is a heap number, and a
 * field that first held one and then the other changes its object's hidden
 * class mid-run (a deoptimization of every function that relied on it).
 */
export function i32be(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

export function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
