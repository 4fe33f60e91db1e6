#!/usr/bin/env node
// Writes a classic pcap (Ethernet, µs) that floods the question stage's
// window table, for test/robustness/question-flood.test.ts and the memory
// figures in docs/question.md:
//
//   node scripts/robustness/make-name-flood.mjs <out.pcap> [--count N] [--clients N] [--domains N] [--seed N]
//
// N valid DNS queries (A, IN, RD), each for a distinct name: a random
// 12-24 character label [a-z0-9] under one of --domains registered domains
// (f<k>.com), from one of --clients source addresses (10.0.0.0/8) to
// 192.0.2.53, source port 1024-65535. Client and domain are drawn at random
// per query, so nearly every query is a new (client, registered domain)
// window: the table fills and must evict. Timestamps advance 1 µs per
// packet, so no window's time runs out during the capture (only eviction
// helps). Seeded: the same arguments give the same bytes.
import { createWriteStream } from 'node:fs';
import { pcapGlobalHeader } from '../lib/pcap-header.mjs';

function parseArgs(argv) {
  const o = { out: undefined, count: 1_000_000, clients: 50_000, domains: 3_000, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--count') o.count = Number(argv[++i]);
    else if (a === '--clients') o.clients = Number(argv[++i]);
    else if (a === '--domains') o.domains = Number(argv[++i]);
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (o.out === undefined) o.out = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  const ok = (n, max) => Number.isInteger(n) && n >= 1 && n <= max;
  if (o.out === undefined || !ok(o.count, 100_000_000) || !ok(o.clients, 0xfffffe) || !ok(o.domains, 1_000_000) || !Number.isInteger(o.seed)) {
    throw new Error('usage: make-name-flood.mjs <out.pcap> [--count N] [--clients N] [--domains N] [--seed N]');
  }
  return o;
}

/** xorshift32: small, seeded, good enough to spread names and keys. */
function rng(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789');

function ipChecksum(b, off) {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

async function main() {
  const { out, count, clients, domains, seed } = parseArgs(process.argv.slice(2));
  const next = rng(seed);
  const domainLabels = Array.from({ length: domains }, (_, k) => Buffer.from(`f${k}`));
  const com = Buffer.from('com');
  const ws = createWriteStream(out);
  ws.write(pcapGlobalHeader());
  const CHUNK = 4 << 20;
  let buf = Buffer.allocUnsafe(CHUNK);
  let o = 0;
  const flush = async () => {
    if (!ws.write(buf.subarray(0, o))) await new Promise((r) => ws.once('drain', r));
    buf = Buffer.allocUnsafe(CHUNK);
    o = 0;
  };
  for (let i = 0; i < count; i++) {
    if (o > CHUNK - 512) await flush();
    const labelLen = 12 + (next() % 13);
    const dom = domainLabels[next() % domains];
    const client = 0x0a000001 + (next() % clients);
    const port = 1024 + (next() % 64512);
    const qname = 1 + labelLen + 1 + dom.length + 1 + com.length + 1;
    const dns = 12 + qname + 4;
    const frame = 14 + 20 + 8 + dns;
    // pcap record header
    buf.writeUInt32LE(1_700_000_000 + Math.floor(i / 1_000_000), o);
    buf.writeUInt32LE(i % 1_000_000, o + 4);
    buf.writeUInt32LE(frame, o + 8);
    buf.writeUInt32LE(frame, o + 12);
    let p = o + 16;
    buf.fill(0, p, p + 42);
    buf.set([0x02, 0, 0, 0, 0, 0x53, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00], p);
    const ip = p + 14;
    buf[ip] = 0x45;
    buf.writeUInt16BE(20 + 8 + dns, ip + 2);
    buf[ip + 8] = 64;
    buf[ip + 9] = 17;
    buf.writeUInt32BE(client >>> 0, ip + 12);
    buf.writeUInt32BE(0xc0000235, ip + 16); // 192.0.2.53
    buf.writeUInt16BE(ipChecksum(buf, ip), ip + 10);
    const udp = ip + 20;
    buf.writeUInt16BE(port, udp);
    buf.writeUInt16BE(53, udp + 2);
    buf.writeUInt16BE(8 + dns, udp + 4);
    buf.writeUInt16BE(0, udp + 6); // no checksum (allowed over IPv4)
    p = udp + 8;
    buf.writeUInt16BE(i & 0xffff, p);
    buf.writeUInt16BE(0x0100, p + 2); // RD
    buf.writeUInt16BE(1, p + 4); // QDCOUNT
    buf.fill(0, p + 6, p + 12);
    p += 12;
    buf[p++] = labelLen;
    for (let k = 0; k < labelLen; k++) buf[p++] = ALPHABET[next() % ALPHABET.length];
    buf[p++] = dom.length;
    dom.copy(buf, p);
    p += dom.length;
    buf[p++] = com.length;
    com.copy(buf, p);
    p += com.length;
    buf[p++] = 0;
    buf.writeUInt16BE(1, p); // A
    buf.writeUInt16BE(1, p + 2); // IN
    o = p + 4;
  }
  await flush();
  await new Promise((resolve, reject) => ws.end((err) => (err ? reject(err) : resolve())));
  process.stdout.write(`${out}: ${count} queries from ${clients} clients under ${domains} domains\n`);
}

await main();
