import { createHash } from 'node:crypto';
import { AssembledFlowInfo } from '../flow/assembled-flow-info.js';
import type { FlowInfo } from '../flow/sample.js';

/**
 * Community ID v1 (github.com/corelight/community-id-spec): "1:" and the
 * base64 of SHA-1 over seed (2 bytes), the lower endpoint's address, the
 * other's, protocol, a zero byte, then the two ports (network byte order),
 * the endpoint with the lower (address, port) coming first. Suricata, Zeek,
 * Arkime and Elastic write the same string for the same 5-tuple, so SOCs
 * join dnsae's records with theirs on it.
 *
 * One hash per flow (its FlowInfo keeps the string, see AssembledFlowInfo),
 * never per packet, so node:crypto's per-call setup does not matter.
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

/** seed 2 + two IPv6 addresses 32 + proto and pad 2 + ports 4. */
const input = Buffer.alloc(40);

/** A's endpoint is below B's: addresses compared as unsigned words (as their bytes would be), then ports. */
function aFirst(t: CommunityIdTuple): boolean {
  let c = (t.a0 >>> 0) - (t.b0 >>> 0);
  if (c === 0) c = (t.a1 >>> 0) - (t.b1 >>> 0);
  if (c === 0) c = (t.a2 >>> 0) - (t.b2 >>> 0);
  if (c === 0) c = (t.a3 >>> 0) - (t.b3 >>> 0);
  if (c === 0) c = t.portA - t.portB;
  return c <= 0;
}

/**
 * The Community ID of `t` under `seed` (0..65535). Ports count for TCP, UDP
 * and SCTP; other protocols hash addresses and protocol only, as the
 * specification says. ICMP and ICMPv6 need their type/code mapped to ports,
 * which dnsae has no use for (it reports only TCP and UDP flows): they get
 * "", the value the specification allows for an unsupported protocol.
 */
export function communityIdV1(t: CommunityIdTuple, seed: number): string {
  if (t.proto === IPPROTO_ICMP || t.proto === IPPROTO_ICMPV6) return '';
  const ports = t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP || t.proto === IPPROTO_SCTP;
  const first = ports ? aFirst(t) : aFirst({ ...t, portA: 0, portB: 0 });
  const b = input;
  b.writeUInt16BE(seed, 0);
  let p = 2;
  const words = t.ipVersion === 4 ? 1 : 4;
  const lo = first ? [t.a0, t.a1, t.a2, t.a3] : [t.b0, t.b1, t.b2, t.b3];
  const hi = first ? [t.b0, t.b1, t.b2, t.b3] : [t.a0, t.a1, t.a2, t.a3];
  for (let w = 0; w < words; w++, p += 4) b.writeInt32BE(lo[w]! | 0, p);
  for (let w = 0; w < words; w++, p += 4) b.writeInt32BE(hi[w]! | 0, p);
  b[p++] = t.proto;
  b[p++] = 0;
  if (ports) {
    b.writeUInt16BE(first ? t.portA : t.portB, p);
    b.writeUInt16BE(first ? t.portB : t.portA, p + 2);
    p += 4;
  }
  return '1:' + createHash('sha1').update(b.subarray(0, p)).digest('base64');
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

/**
 * The Community ID of `flow` under the current seed. A flow's first record
 * hashes and keeps the string on its FlowInfo; later records read it back,
 * so a record costs two compares. A FlowInfo that has only address text
 * (made outside the flow assembler) is hashed from that text each time;
 * text that is no address gives "".
 */
export function flowCommunityId(flow: FlowInfo): string {
  const seed = currentSeed;
  if (flow.communityIdSeed === seed && flow.communityId !== undefined) return flow.communityId;
  if (flow instanceof AssembledFlowInfo) {
    flow.communityId = communityIdV1(flow.tupleWords(), seed);
    flow.communityIdSeed = seed;
    return flow.communityId;
  }
  const c = ipTextWords(flow.clientIp, flow.ipVersion);
  const s = ipTextWords(flow.serverIp, flow.ipVersion);
  if (c === undefined || s === undefined) return '';
  const [a0, a1, a2, a3] = c;
  const [b0, b1, b2, b3] = s;
  const proto = flow.transport === 'tcp' ? 6 : 17;
  return communityIdV1({ ipVersion: flow.ipVersion, proto, a0, a1, a2, a3, portA: flow.clientPort, b0, b1, b2, b3, portB: flow.serverPort }, seed);
}
