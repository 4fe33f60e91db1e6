import { AssembledFlowInfo } from '../flow/assembled-flow-info.js';
import type { FlowInfo } from '../flow/sample.js';
import { sha1Short } from './sha1-block.js';

/**
 * Community ID v1 (github.com/corelight/community-id-spec): "1:" and the
 * base64 of SHA-1 over seed (2 bytes), the lower endpoint's address, the
 * other's, protocol, a zero byte, then the two ports (network byte order),
 * the endpoint with the lower (address, port) coming first. Suricata, Zeek,
 * Arkime and Elastic write the same string for the same 5-tuple, so SOCs
 * join dnsae's records with theirs on it.
 *
 * One hash per flow (its FlowInfo keeps the string), never per record; the
 * SHA-1 is sha1-block.ts's, see there why not node:crypto's.
 */

export const COMMUNITY_ID_SEED_MAX = 65535;
/** "1:" and 28 base64 characters (20 bytes of SHA-1). */
export const COMMUNITY_ID_LENGTH = 30;

/** The 5-tuple as the hash reads it: addresses as big-endian 32-bit words (IPv4 in word 0), as the flow key stores them. */
export interface CommunityIdTuple {
  readonly ipVersion: 4 | 6;
  readonly proto: number;
  readonly a0: number;
  readonly a1: number;
  readonly a2: number;
  readonly a3: number;
  readonly portA: number;
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly b3: number;
  readonly portB: number;
}

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_SCTP = 132;
const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;

/** The hash input: seed 2, two IPv6 addresses 32, proto and pad 2, ports 4. */
const input = new Uint8Array(40);
const digest = new Int32Array(5);
/** The id's bytes, made into the string with one native call. */
const text = Buffer.alloc(COMMUNITY_ID_LENGTH);
const B64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');

function putWord(p: number, w: number): number {
  input[p] = w >>> 24;
  input[p + 1] = w >>> 16;
  input[p + 2] = w >>> 8;
  input[p + 3] = w;
  return p + 4;
}

/** A's endpoint is below B's: addresses compared as unsigned words (as their bytes would be), then ports. */
function aFirst(t: CommunityIdTuple, ports: boolean): boolean {
  let c = (t.a0 >>> 0) - (t.b0 >>> 0);
  if (c === 0) c = (t.a1 >>> 0) - (t.b1 >>> 0);
  if (c === 0) c = (t.a2 >>> 0) - (t.b2 >>> 0);
  if (c === 0) c = (t.a3 >>> 0) - (t.b3 >>> 0);
  if (c === 0 && ports) c = t.portA - t.portB;
  return c <= 0;
}

/** Byte i of the digest. */
function digestByte(i: number): number {
  return (digest[i >> 2]! >>> (24 - 8 * (i & 3))) & 255;
}

/** The 5-tuple as the hash reads it, filled in place (see AssembledFlowInfo.fillTuple). */
export type MutableCommunityIdTuple = { -readonly [K in keyof CommunityIdTuple]: CommunityIdTuple[K] };

/**
 * Writes the Community ID of `t` under `seed` (0..65535) as ASCII at p of
 * `out` ("1:" and 28 base64 digits, COMMUNITY_ID_LENGTH bytes) and returns
 * its end, or returns p and writes nothing for a protocol it does not
 * cover. Ports count for TCP, UDP and SCTP; other protocols hash addresses
 * and protocol only, as the specification says. ICMP and ICMPv6 need their
 * type/code mapped to ports, which dnsae has no use for (it reports only
 * TCP and UDP flows): they get no id, as the specification allows for an
 * unsupported protocol. Allocation-free.
 */
export function putCommunityId(t: CommunityIdTuple, seed: number, out: Uint8Array, p0: number): number {
  if (t.proto === IPPROTO_ICMP || t.proto === IPPROTO_ICMPV6) return p0;
  const ports = t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP || t.proto === IPPROTO_SCTP;
  const aLow = aFirst(t, ports);
  input[0] = seed >>> 8;
  input[1] = seed;
  let p = 2;
  const v6 = t.ipVersion === 6;
  p = putWord(p, aLow ? t.a0 : t.b0);
  if (v6) {
    p = putWord(p, aLow ? t.a1 : t.b1);
    p = putWord(p, aLow ? t.a2 : t.b2);
    p = putWord(p, aLow ? t.a3 : t.b3);
  }
  p = putWord(p, aLow ? t.b0 : t.a0);
  if (v6) {
    p = putWord(p, aLow ? t.b1 : t.a1);
    p = putWord(p, aLow ? t.b2 : t.a2);
    p = putWord(p, aLow ? t.b3 : t.a3);
  }
  input[p++] = t.proto;
  input[p++] = 0;
  if (ports) p = putWord(p, aLow ? (t.portA << 16) | t.portB : (t.portB << 16) | t.portA);
  sha1Short(input, p, digest);
  // "1:", then the base64 of the 20 bytes: six 3-byte groups, then two bytes and "=".
  let q = p0;
  out[q++] = 0x31;
  out[q++] = 0x3a;
  for (let i = 0; i < 18; i += 3) {
    const x = (digestByte(i) << 16) | (digestByte(i + 1) << 8) | digestByte(i + 2);
    out[q++] = B64[x >>> 18]!;
    out[q++] = B64[(x >>> 12) & 63]!;
    out[q++] = B64[(x >>> 6) & 63]!;
    out[q++] = B64[x & 63]!;
  }
  const x = (digestByte(18) << 8) | digestByte(19);
  out[q++] = B64[x >>> 10]!;
  out[q++] = B64[(x >>> 4) & 63]!;
  out[q++] = B64[(x << 2) & 63]!;
  out[q++] = 0x3d; // '='
  return q;
}

/** The Community ID of `t` under `seed` as a string (see putCommunityId), "" for a protocol it does not cover. */
export function communityIdV1(t: CommunityIdTuple, seed: number): string {
  const end = putCommunityId(t, seed, text, 0);
  return text.toString('latin1', 0, end);
}

/**
 * The seed records are written with (`--community-id-seed`). A process-wide
 * output setting, like the output format: the CLI sets it once before the
 * first record, and every writer (EVE alerts, `--all` records, extract
 * samples, and any later record type) reads it here instead of through each
 * writer's and consumer's arguments.
 */
let currentSeed = 0;

export function setCommunityIdSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > COMMUNITY_ID_SEED_MAX) throw new RangeError(`community id seed must be 0..${COMMUNITY_ID_SEED_MAX}, got ${seed}`);
  currentSeed = seed;
}

export function communityIdSeed(): number {
  return currentSeed;
}

/** The address text of an IPv4 or IPv6 address as four words (IPv4 in word 0), or undefined if it is neither. */
export function ipTextWords(text: string, ipVersion: 4 | 6): [number, number, number, number] | undefined {
  if (ipVersion === 4) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
    if (!m) return undefined;
    const o = m.slice(1).map(Number);
    if (o.some((x) => x > 255)) return undefined;
    return [((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) | 0, 0, 0, 0];
  }
  let t = text;
  const groups: number[] = [];
  // A trailing dotted quad (::ffff:10.0.0.1) is two groups.
  const quad = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
  let tail: number[] = [];
  if (quad) {
    const o = quad.slice(2).map(Number);
    if (o.some((x) => x > 255)) return undefined;
    tail = [(o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!];
    t = quad[1]!.endsWith('::') ? quad[1]! : quad[1]!.slice(0, -1);
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  groups.push(...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail);
  const w = (k: number): number => ((groups[2 * k]! << 16) | groups[2 * k + 1]!) | 0;
  return [w(0), w(1), w(2), w(3)];
}

const tuple: MutableCommunityIdTuple = { ipVersion: 4, proto: 0, a0: 0, a1: 0, a2: 0, a3: 0, portA: 0, b0: 0, b1: 0, b2: 0, b3: 0, portB: 0 };

/** A plain FlowInfo's tuple from its address text, or false when the text is no address. */
function tupleFromText(flow: FlowInfo, t: MutableCommunityIdTuple): boolean {
  const c = ipTextWords(flow.clientIp, flow.ipVersion);
  const s = ipTextWords(flow.serverIp, flow.ipVersion);
  if (c === undefined || s === undefined) return false;
  [t.a0, t.a1, t.a2, t.a3] = c;
  [t.b0, t.b1, t.b2, t.b3] = s;
  t.ipVersion = flow.ipVersion;
  t.proto = flow.transport === 'tcp' ? 6 : 17;
  t.portA = flow.clientPort;
  t.portB = flow.serverPort;
  return true;
}

/**
 * Writes `flow`'s Community ID under the current seed at p of `out` and
 * returns its end (p when it has none: address text that is no address).
 * For the byte writers, which keep the bytes per flow themselves
 * (flow-bytes-cache.ts): a flow assembled from key words is hashed with no
 * allocation at all, where a string kept on every FlowInfo outlived several
 * scavenges and doubled the garbage collector's share of `dnsae extract`.
 */
export function putFlowCommunityId(flow: FlowInfo, out: Uint8Array, p: number): number {
  if (flow instanceof AssembledFlowInfo) {
    flow.fillTuple(tuple);
    return putCommunityId(tuple, currentSeed, out, p);
  }
  return tupleFromText(flow, tuple) ? putCommunityId(tuple, currentSeed, out, p) : p;
}

/**
 * `flow`'s Community ID under the current seed, as a string, for the
 * string writers (EVE alerts, `--all` records, flow-fields.ts): made on the
 * first call and kept on the FlowInfo, so it is hashed once per flow and
 * seed; "" when the flow has none.
 */
export function flowCommunityId(flow: FlowInfo): string {
  const seed = currentSeed;
  if (flow.communityIdSeed === seed && flow.communityId !== undefined) return flow.communityId;
  let id = '';
  if (flow instanceof AssembledFlowInfo) {
    flow.fillTuple(tuple);
    id = communityIdV1(tuple, seed);
    flow.communityId = id;
    flow.communityIdSeed = seed;
  } else if (tupleFromText(flow, tuple)) {
    id = communityIdV1(tuple, seed);
  }
  return id;
}
