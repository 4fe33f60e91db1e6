import { fmix32, type FlowKey } from './flow-key.js';

/**
 * One worker's part of a capture read by several (`dnsae score|extract
 * --jobs N` on one file): the packets whose hash, modulo `count`, is
 * `index`. Every worker reads the whole capture and assembles only its
 * share. `by`:
 *
 * - `flow`: the flow's canonical 5-tuple (and VLANs), the same for both
 *   directions. Shares are even; what keeps state per flow only (samples,
 *   the header stage) gives the same records.
 * - `client`: the client's address (the endpoint not on a DNS port; with
 *   both ports or neither DNS ports, the lower endpoint of the canonical
 *   key, which both directions agree on). The question stage groups every
 *   flow of a client into its (client, registered domain) windows and its
 *   fan-out, so all of a client's flows must reach one worker; a client
 *   with a large part of the traffic (a resolver, a load generator) makes
 *   its share as large.
 */
export interface FlowShare {
  readonly index: number;
  readonly count: number;
  readonly by: 'flow' | 'client';
}

/** The share hash of an address as four big-endian words (IPv4: the first, the rest 0); wasm/fast-lane.ts computes the same. */
export function clientHash(c0: number, c1: number, c2: number, c3: number): number {
  let h = fmix32(c0 ^ 0x5bd1e995);
  h = fmix32(h ^ c1);
  h = fmix32(h ^ c2);
  return fmix32(h ^ c3);
}

/** Whether the client of the packet that filled `key` is endpoint A, as the share hash sees it. */
export function shareClientIsA(key: FlowKey, srcDns: boolean, dstDns: boolean): boolean {
  if (srcDns === dstDns) return true;
  return dstDns ? key.srcIsA : !key.srcIsA;
}

/**
 * The share hash of a flow: its table hash mixed again, because the table
 * indexes slots by the table hash's low bits and a share of flows that all
 * agree on those bits would crowd half the slots. wasm/fast-lane.ts
 * computes the same.
 */
export function flowShareHash(tableHash: number): number {
  return fmix32(tableHash ^ 0x5bd1e995);
}

/** The share (0 .. count-1) of the packet that filled `key`. */
export function shareOf(key: FlowKey, srcDns: boolean, dstDns: boolean, share: FlowShare): number {
  if (share.by === 'flow') return flowShareHash(key.hash) % share.count;
  const h = shareClientIsA(key, srcDns, dstDns) ? clientHash(key.a0, key.a1, key.a2, key.a3) : clientHash(key.b0, key.b1, key.b2, key.b3);
  return h % share.count;
}
