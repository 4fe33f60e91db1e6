#!/usr/bin/env node
// Writes a classic pcap (Ethernet, µs) that floods dnsae's flow layer, for the
// memory-bound tests in test/robustness/flood.test.ts and docs/robustness.md.
//
//   node scripts/robustness/make-flood-capture.mjs <out.pcap> [--kind udp|tcp-partial|tcp-ooo] [--count N]
//
// udp          N DNS queries (A? flood.example.), each from its own 5-tuple:
//              source 10.0.0.0/8 walks the address space, source port 1024-65535.
// tcp-partial  N TCP connections to port 53, each a SYN and then one data
//              segment holding only the first byte of the 2-byte length prefix:
//              no message ever completes, every flow stays open until evicted.
// tcp-ooo      one TCP connection whose first segment never arrives: N
//              segments of 1000 bytes after a 1-byte hole, all out of order,
//              so each must be buffered or dropped by the reassembly limit.
//
// Timestamps advance 1 µs per packet, so all flows are "active" for the
// whole capture (idle timeouts never help; only the flow-table limit does).
import { createWriteStream } from 'node:fs';
import { pcapGlobalHeader } from '../lib/pcap-header.mjs';

const QNAME = [5, ...Buffer.from('flood'), 7, ...Buffer.from('example'), 0];

function parseArgs(argv) {
  const o = { out: undefined, kind: 'udp', count: 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--kind') o.kind = argv[++i];
    else if (a === '--count') o.count = Number(argv[++i]);
    else if (o.out === undefined) o.out = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (o.out === undefined || !['udp', 'tcp-partial', 'tcp-ooo'].includes(o.kind) || !Number.isInteger(o.count) || o.count < 1) {
    throw new Error('usage: make-flood-capture.mjs <out.pcap> [--kind udp|tcp-partial|tcp-ooo] [--count N]');
  }
  return o;
}

function ipChecksum(b, off) {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet + IPv4 header at `o`; returns the offset after the IP header. */
function ethIp(b, o, proto, src, ipLen) {
  b.fill(0, o, o + 34);
  b.set([0x02, 0, 0, 0, 0, 0x53, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00], o);
  const ip = o + 14;
  b[ip] = 0x45;
  b.writeUInt16BE(ipLen, ip + 2);
  b[ip + 8] = 64;
  b[ip + 9] = proto;
  b.writeUInt32BE(src >>> 0, ip + 12);
  b.writeUInt32BE(0xc0000235, ip + 16); // 192.0.2.53
  b.writeUInt16BE(ipChecksum(b, ip), ip + 10);
  return ip + 20;
}

function record(b, o, i, len) {
  const usec = i % 1_000_000;
  b.writeUInt32LE(1_700_000_000 + Math.floor(i / 1_000_000), o);
  b.writeUInt32LE(usec, o + 4);
  b.writeUInt32LE(len, o + 8);
  b.writeUInt32LE(len, o + 12);
  return o + 16;
}

/** Client address and port for the i-th flow: unique for i < 2^24 * 64512. */
function client(i) {
  return { addr: 0x0a000000 + (i % 0xffffff) + 1, port: 1024 + (Math.floor(i / 0xffffff) % 64512) };
}

function udpPacket(b, o, i) {
  const dns = 12 + QNAME.length + 4;
  const frame = 14 + 20 + 8 + dns;
  let p = record(b, o, i, frame);
  const { addr, port } = client(i);
  p = ethIp(b, p, 17, addr, 20 + 8 + dns);
  b.writeUInt16BE(port, p);
  b.writeUInt16BE(53, p + 2);
  b.writeUInt16BE(8 + dns, p + 4);
  b.writeUInt16BE(0, p + 6); // no checksum (allowed over IPv4)
  p += 8;
  b.writeUInt16BE(i & 0xffff, p); // id
  b.writeUInt16BE(0x0100, p + 2); // RD
  b.writeUInt16BE(1, p + 4); // QDCOUNT
  b.fill(0, p + 6, p + 12);
  b.set(QNAME, p + 12);
  b.writeUInt16BE(1, p + 12 + QNAME.length); // A
  b.writeUInt16BE(1, p + 14 + QNAME.length); // IN
  return p + dns;
}

function tcpPacket(b, o, i, addr, port, seq, flags, payload) {
  const frame = 14 + 20 + 20 + payload.length;
  let p = record(b, o, i, frame);
  p = ethIp(b, p, 6, addr, 20 + 20 + payload.length);
  b.fill(0, p, p + 20);
  b.writeUInt16BE(port, p);
  b.writeUInt16BE(53, p + 2);
  b.writeUInt32BE(seq >>> 0, p + 4);
  b[p + 12] = 0x50;
  b[p + 13] = flags;
  b.writeUInt16BE(65535, p + 14);
  b.set(payload, p + 20);
  return p + 20 + payload.length;
}

async function main() {
  const { out, kind, count } = parseArgs(process.argv.slice(2));
  const ws = createWriteStream(out);
  const header = pcapGlobalHeader();
  ws.write(header);

  const CHUNK = 4 << 20;
  let buf = Buffer.allocUnsafe(CHUNK);
  let o = 0;
  let pkt = 0;
  const flush = async () => {
    if (!ws.write(buf.subarray(0, o))) await new Promise((r) => ws.once('drain', r));
    buf = Buffer.allocUnsafe(CHUNK);
    o = 0;
  };
  const oooData = Buffer.alloc(1000, 0x41);
  for (let i = 0; i < count; i++) {
    if (o > CHUNK - 2048) await flush();
    if (kind === 'udp') {
      o = udpPacket(buf, o, pkt++);
    } else if (kind === 'tcp-partial') {
      const { addr, port } = client(i);
      o = tcpPacket(buf, o, pkt++, addr, port, 1000, 0x02, Buffer.alloc(0)); // SYN
      o = tcpPacket(buf, o, pkt++, addr, port, 1001, 0x18, Buffer.from([0x00])); // half a length prefix
    } else {
      if (i === 0) o = tcpPacket(buf, o, pkt++, 0x0a000001, 40000, 1000, 0x02, Buffer.alloc(0));
      // Byte 1001 never comes: everything from 1002 on is ahead of the stream.
      o = tcpPacket(buf, o, pkt++, 0x0a000001, 40000, 1002 + i * oooData.length, 0x18, oooData);
    }
  }
  await flush();
  await new Promise((resolve, reject) => ws.end((err) => (err ? reject(err) : resolve())));
  process.stdout.write(`${out}: ${pkt} packets (${kind})\n`);
}

await main();
