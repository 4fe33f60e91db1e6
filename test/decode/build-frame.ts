/**
 * Hand-built frames for decoder tests. Every builder returns plain bytes so
 * tests can compose layers and know each header's offset independently of
 * the decoder under test.
 */
import type { Frame } from '../../src/capture/frame.js';

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

export function le16(v: number): number[] {
  return [v & 0xff, (v >> 8) & 0xff];
}

export function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

export function frame(linktype: number, bytes: Uint8Array, origLen: number = bytes.length): Frame {
  return { tsSec: 0, tsNsec: 0, linktype, buf: bytes, offset: 0, capLen: bytes.length, origLen, ifIndex: 0, fileOffset: 0 };
}

/** A recognisable DNS-query-like payload of `n` bytes. */
export function dnsPayload(n = 29): Uint8Array {
  const p = new Uint8Array(n);
  const head = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
  for (let i = 0; i < n; i++) p[i] = i < head.length ? head[i]! : (i * 7) & 0xff;
  return p;
}

export interface UdpOpts {
  /** UDP length field; default 8 + payload length. */
  len?: number;
}

export function udp(sport: number, dport: number, payload: Uint8Array, opts: UdpOpts = {}): Uint8Array {
  const len = opts.len ?? 8 + payload.length;
  return concat(new Uint8Array([...be16(sport), ...be16(dport), ...be16(len), 0, 0]), payload);
}

export interface TcpOpts {
  seq?: number;
  ack?: number;
  flags?: number;
  /** Option bytes (padded by the caller to a multiple of 4). */
  options?: number[];
  /** Data offset in 32-bit words; default from the options. */
  dataOffsetWords?: number;
}

export function tcp(sport: number, dport: number, payload: Uint8Array, opts: TcpOpts = {}): Uint8Array {
  const options = opts.options ?? [];
  const words = opts.dataOffsetWords ?? 5 + options.length / 4;
  const hdr = [
    ...be16(sport),
    ...be16(dport),
    ...be32(opts.seq ?? 0),
    ...be32(opts.ack ?? 0),
    (words & 0x0f) << 4,
    opts.flags ?? 0x18,
    ...be16(65535),
    0,
    0,
    0,
    0,
    ...options,
  ];
  return concat(new Uint8Array(hdr), payload);
}

export interface Ipv4Opts {
  src?: number[];
  dst?: number[];
  /** Total length field; default header + payload. */
  totalLen?: number;
  /** Option bytes, a multiple of 4. */
  options?: number[];
  /** IHL override in 32-bit words. */
  ihl?: number;
  version?: number;
  moreFragments?: boolean;
  /** Fragment offset in 8-byte units. */
  fragOffset?: number;
}

export function ipv4(protocol: number, payload: Uint8Array, opts: Ipv4Opts = {}): Uint8Array {
  const options = opts.options ?? [];
  const hlen = 20 + options.length;
  const ihl = opts.ihl ?? hlen / 4;
  const frag = (opts.moreFragments === true ? 0x2000 : 0) | (opts.fragOffset ?? 0);
  const hdr = [
    ((opts.version ?? 4) << 4) | (ihl & 0x0f),
    0,
    ...be16(opts.totalLen ?? hlen + payload.length),
    0x11,
    0x22,
    ...be16(frag),
    64,
    protocol,
    0,
    0,
    ...(opts.src ?? [192, 0, 2, 1]),
    ...(opts.dst ?? [198, 51, 100, 53]),
    ...options,
  ];
  return concat(new Uint8Array(hdr), payload);
}

export const V6_SRC = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
export const V6_DST = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53];

export interface Ipv6Opts {
  /** Payload length field; default the bytes after the fixed header. */
  payloadLen?: number;
  version?: number;
}

/** `rest` = extension headers (if any) followed by the transport bytes. */
export function ipv6(nextHeader: number, rest: Uint8Array, opts: Ipv6Opts = {}): Uint8Array {
  const hdr = [
    (opts.version ?? 6) << 4,
    0,
    0,
    0,
    ...be16(opts.payloadLen ?? rest.length),
    nextHeader,
    64,
    ...V6_SRC,
    ...V6_DST,
  ];
  return concat(new Uint8Array(hdr), rest);
}

/** Hop-by-hop / destination options / routing: (hdrExtLen + 1) * 8 bytes. */
export function ext8(next: number, hdrExtLen = 0): Uint8Array {
  const b = new Uint8Array((hdrExtLen + 1) * 8);
  b[0] = next;
  b[1] = hdrExtLen;
  // PadN over the rest, valid for HBH/DestOpts.
  b[2] = 1;
  b[3] = b.length - 4;
  return b;
}

export function fragHdr(next: number, offsetUnits: number, more: boolean): Uint8Array {
  return new Uint8Array([next, 0, ...be16((offsetUnits << 3) | (more ? 1 : 0)), 0, 0, 0, 7]);
}

/** Authentication header: (payloadLen + 2) * 4 bytes. */
export function ah(next: number, payloadLen = 4): Uint8Array {
  const b = new Uint8Array((payloadLen + 2) * 4);
  b[0] = next;
  b[1] = payloadLen;
  return b;
}

export const MAC_A = [0x02, 0, 0, 0, 0, 0x0a];
export const MAC_B = [0x02, 0, 0, 0, 0, 0x0b];

export function ethernet(ethertype: number, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array([...MAC_B, ...MAC_A, ...be16(ethertype)]), payload);
}

/** One VLAN tag (TCI + inner type) as it follows a VLAN TPID. */
export function vlanTag(id: number, innerType: number, pcp = 0): Uint8Array {
  return new Uint8Array([...be16((pcp << 13) | id), ...be16(innerType)]);
}

export function pppoeSession(pppProto: number, payload: Uint8Array, lenField?: number): Uint8Array {
  const len = lenField ?? 2 + payload.length;
  return concat(new Uint8Array([0x11, 0x00, ...be16(0x1234), ...be16(len), ...be16(pppProto)]), payload);
}

export function ppp(proto: number, payload: Uint8Array, addrCtrl = true): Uint8Array {
  const hdr = addrCtrl ? [0xff, 0x03] : [];
  return concat(new Uint8Array([...hdr, ...be16(proto)]), payload);
}

export function sll(protocol: number, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array([...be16(0), ...be16(1), ...be16(6), ...MAC_A, 0, 0, ...be16(protocol)]), payload);
}

export function sll2(protocol: number, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array([...be16(protocol), 0, 0, ...be32(2), ...be16(1), 0, 6, ...MAC_A, 0, 0]), payload);
}

export function nullHeader(family: number, littleEndian: boolean, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array(littleEndian ? le32(family) : be32(family)), payload);
}

export interface Tlv {
  type: number;
  value: Uint8Array;
}

/** NFLOG: 4-byte header then little-endian TLVs padded to 4 bytes. */
export function nflog(family: number, tlvs: Tlv[]): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([family, 0, ...be16(0)])];
  for (const t of tlvs) {
    const len = 4 + t.value.length;
    const padded = (len + 3) & ~3;
    const b = new Uint8Array(padded);
    b.set([...le16(len), ...le16(t.type)], 0);
    b.set(t.value, 4);
    parts.push(b);
  }
  return concat(...parts);
}

export const NFULA_PACKET_HDR = 1;
export const NFULA_PREFIX = 10;
export const NFULA_PAYLOAD = 9;

/** Radiotap header with only the TSFT field present (8 + 8 bytes). */
export function radiotap(frame80211: Uint8Array): Uint8Array {
  return concat(new Uint8Array([0, 0, ...le16(16), ...le32(1), 1, 2, 3, 4, 5, 6, 7, 8]), frame80211);
}

export interface Dot11Opts {
  qos?: boolean;
  toDs?: boolean;
  fromDs?: boolean;
  protected?: boolean;
  order?: boolean;
  /** 802.11 type (0 mgmt, 1 ctrl, 2 data). */
  type?: number;
  subtype?: number;
}

/** 802.11 frame header for the given options, followed by `body`. */
export function dot11(body: Uint8Array, opts: Dot11Opts = {}): Uint8Array {
  const type = opts.type ?? 2;
  const subtype = opts.subtype ?? (opts.qos === true ? 8 : 0);
  const flags =
    (opts.toDs === true ? 1 : 0) | (opts.fromDs === true ? 2 : 0) | (opts.protected === true ? 0x40 : 0) | (opts.order === true ? 0x80 : 0);
  const hdr = [(subtype << 4) | (type << 2), flags, 0, 0, ...MAC_A, ...MAC_B, ...MAC_A, 0x10, 0];
  if (opts.toDs === true && opts.fromDs === true) hdr.push(...MAC_B);
  if ((subtype & 8) !== 0) {
    hdr.push(0, 0);
    if (opts.order === true) hdr.push(0, 0, 0, 0);
  }
  return concat(new Uint8Array(hdr), body);
}

export function llcSnap(ethertype: number, payload: Uint8Array): Uint8Array {
  return concat(new Uint8Array([0xaa, 0xaa, 0x03, 0, 0, 0, ...be16(ethertype)]), payload);
}
