import dnsPacket from 'dns-packet';
import { IPPROTO_TCP, IPPROTO_UDP, newDecodedPacket, type DecodedPacket } from '../../src/decode/packet.js';
import { HEAD_BYTES, type SampleBatch } from '../../src/flow/sample.js';

/**
 * Hand-built DecodedPackets for flow tests: the source address is written at
 * byte 0, the destination at 16 and the payload at 32 of a fresh buffer,
 * which is all the flow layer reads.
 */
export interface PacketSpec {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto?: 'udp' | 'tcp';
  payload?: Uint8Array;
  /** Payload length the headers claim; defaults to payload.length. */
  claimed?: number;
  seq?: number;
  flags?: number;
  vlan0?: number;
  vlan1?: number;
  firstFragment?: boolean;
}

export function parseIpv4(s: string): number[] {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IPv4 ${s}`);
  return parts;
}

export function parseIpv6(s: string): number[] {
  const [l, r] = s.includes('::') ? s.split('::') : [s, undefined];
  const lg = l === '' || l === undefined ? [] : l.split(':');
  const rg = r === undefined || r === '' ? [] : r.split(':');
  const fill = r === undefined ? 0 : 8 - lg.length - rg.length;
  const groups = [...lg, ...Array<string>(fill).fill('0'), ...rg].map((g) => parseInt(g, 16));
  if (groups.length !== 8) throw new Error(`bad IPv6 ${s}`);
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

function addrBytes(s: string): { v: 4 | 6; b: number[] } {
  return s.includes(':') ? { v: 6, b: parseIpv6(s) } : { v: 4, b: parseIpv4(s) };
}

export function buildPacket(spec: PacketSpec): DecodedPacket {
  const src = addrBytes(spec.src);
  const dst = addrBytes(spec.dst);
  if (src.v !== dst.v) throw new Error('mixed address families');
  const payload = spec.payload ?? new Uint8Array(0);
  const bytes = new Uint8Array(32 + payload.length);
  bytes.set(src.b, 0);
  bytes.set(dst.b, 16);
  bytes.set(payload, 32);
  const p = newDecodedPacket();
  p.bytes = bytes;
  p.ipVersion = src.v;
  p.srcAddrOffset = 0;
  p.dstAddrOffset = 16;
  p.protocol = (spec.proto ?? 'udp') === 'udp' ? IPPROTO_UDP : IPPROTO_TCP;
  p.srcPort = spec.sport;
  p.dstPort = spec.dport;
  p.payloadOffset = 32;
  p.payloadCaptured = payload.length;
  p.payloadLength = spec.claimed ?? payload.length;
  p.firstFragment = spec.firstFragment ?? false;
  p.vlan0 = spec.vlan0 ?? 0;
  p.vlan1 = spec.vlan1 ?? 0;
  p.tcpSeq = (spec.seq ?? 0) | 0;
  p.tcpFlags = spec.flags ?? 0;
  return p;
}

/** A DNS query encoded by dns-packet (an encoder independent of ours). */
export function dnsQuery(id: number, name: string): Uint8Array {
  return new Uint8Array(
    dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] }),
  );
}

/** `msg` with its 2-byte DNS-over-TCP length prefix. */
export function framed(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.length + 2);
  out[0] = msg.length >> 8;
  out[1] = msg.length & 0xff;
  out.set(msg, 2);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One batch row copied out, so rows survive the batch's reuse. */
export interface Row {
  flowId: number;
  transport: string;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  head: number[];
  payloadLength: number;
  tsSec: number;
  tsNsec: number;
  direction: number;
  messageIndex: number;
  flags: number;
  sourceIndex: number;
}

export function rowsOf(batch: SampleBatch): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < batch.count; i++) {
    const f = batch.flows[i]!;
    rows.push({
      flowId: f.flowId,
      transport: f.transport,
      clientIp: f.clientIp,
      clientPort: f.clientPort,
      serverIp: f.serverIp,
      serverPort: f.serverPort,
      head: [...batch.head.subarray(i * HEAD_BYTES, i * HEAD_BYTES + batch.headLen[i]!)],
      payloadLength: batch.payloadLength[i]!,
      tsSec: batch.tsSec[i]!,
      tsNsec: batch.tsNsec[i]!,
      direction: batch.direction[i]!,
      messageIndex: batch.messageIndex[i]!,
      flags: batch.flags[i]!,
      sourceIndex: f.sourceIndex,
    });
  }
  return rows;
}

/** First `n` bytes of `b` as a plain array, for comparisons with Row.head. */
export function first(b: Uint8Array, n = HEAD_BYTES): number[] {
  return [...b.subarray(0, n)];
}
