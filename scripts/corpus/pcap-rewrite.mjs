#!/usr/bin/env node
// Small classic-pcap rewriter for the capture-generation scripts, for two
// jobs tcprewrite does not do correctly here:
//
//   portmap IN OUT P:53[,Q:53...] [--fixcsum]
//                          Rewrites UDP/TCP source and destination ports.
//                          tcprewrite sums the Ethernet padding of short
//                          frames into the UDP checksum (wrong checksums in
//                          the SIP and TFTP captures) and skips IPv6 in BSD
//                          NULL frames (AF_INET6 24/28/30). By default the
//                          checksums are updated incrementally (a bad one
//                          stays bad); --fixcsum recomputes IPv4 header and
//                          UDP/TCP checksums over the lengths the IP header
//                          declares, wherever the whole segment was captured.
//   fixcsum IN OUT         Recomputes every IPv4, UDP and TCP checksum.
//                          Captures taken on a veth hold the partial
//                          checksums of transmit offload (every UDP/TCP
//                          checksum looks wrong); this gives the values the
//                          packets would carry on a wire. ethtool, which
//                          could switch the offload off, is not installed.
//   replicate IN OUT N     Repeats the packets of IN until OUT holds N,
//                          giving each repetition its own client addresses
//                          (198.18.0.0/15 and 2001:2::/48, the benchmarking
//                          ranges of RFC 2544/5180) and client ports (per
//                          UDP exchange, keyed by the DNS ID), so a short
//                          real capture becomes one with many flows.
//                          Checksums are updated incrementally (RFC 1624);
//                          payloads and server side stay byte-identical.
import { readFileSync, openSync, writeSync, closeSync } from 'node:fs';

const LINK_NULL = 0;
const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_LOOP = 108;
const LINK_SLL = 113;
const LINK_IPV4 = 228;
const LINK_IPV6 = 229;

function die(msg) {
  process.stderr.write(`pcap-rewrite: ${msg}\n`);
  process.exit(2);
}

function readPcap(path) {
  const buf = readFileSync(path);
  if (buf.length < 24) die(`${path}: shorter than a pcap header`);
  const magicLE = buf.readUInt32LE(0);
  let le;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) le = true;
  else if (buf.readUInt32BE(0) === 0xa1b2c3d4 || buf.readUInt32BE(0) === 0xa1b23c4d) le = false;
  else die(`${path}: not a classic pcap file (convert with editcap -F pcap)`);
  const nano = (le ? magicLE : buf.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (o) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20) & 0x0fffffff;
  const records = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const incl = u32(off + 8);
    if (off + 16 + incl > buf.length) break; // cut-off last record: drop it
    records.push({ sec: u32(off), frac: u32(off + 4), orig: u32(off + 12), data: buf.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return { le, nano, linktype, snaplen: u32(16), header: buf.subarray(0, 24), records };
}

// Output is always little-endian with the input's time resolution.
class PcapWriter {
  constructor(path, linktype, snaplen, nano) {
    this.fd = openSync(path, 'w');
    this.chunks = [];
    this.size = 0;
    const h = Buffer.alloc(24);
    h.writeUInt32LE(nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(snaplen, 16);
    h.writeUInt32LE(linktype, 20);
    this.push(h);
    this.count = 0;
  }
  push(b) {
    this.chunks.push(b);
    this.size += b.length;
    if (this.size >= 1 << 22) this.flush();
  }
  flush() {
    if (this.chunks.length > 0) writeSync(this.fd, Buffer.concat(this.chunks));
    this.chunks = [];
    this.size = 0;
  }
  packet(sec, frac, orig, data) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(sec >>> 0, 0);
    h.writeUInt32LE(frac >>> 0, 4);
    h.writeUInt32LE(data.length, 8);
    h.writeUInt32LE(orig, 12);
    this.push(h);
    this.push(data);
    this.count++;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

// ---------------------------------------------------------------- replicate

function ipOffset(linktype, d) {
  switch (linktype) {
    case LINK_ETHERNET: {
      let off = 12;
      let type = d.readUInt16BE(off);
      while ((type === 0x8100 || type === 0x88a8) && off + 6 <= d.length) {
        off += 4;
        type = d.readUInt16BE(off);
      }
      return type === 0x0800 || type === 0x86dd ? off + 2 : -1;
    }
    case LINK_NULL:
    case LINK_LOOP:
      return 4;
    case LINK_SLL:
      return 16;
    case LINK_RAW:
    case LINK_IPV4:
    case LINK_IPV6:
      return 0;
    default:
      return -1;
  }
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')
function adjust(sum, oldWord, newWord) {
  let s = (~sum & 0xffff) + (~oldWord & 0xffff) + newWord;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

// Rewrites one 16-bit word at `at` and folds the change into the checksums
// at `csums` (offsets; -1 = absent, -2 = UDP checksum 0 meaning "none").
function setWord(d, at, value, csums) {
  const old = d.readUInt16BE(at);
  if (old === value) return;
  d.writeUInt16BE(value, at);
  for (const c of csums) {
    if (c < 0) continue;
    d.writeUInt16BE(adjust(d.readUInt16BE(c), old, value), c);
  }
}

function replicate(inPath, outPath, target) {
  const p = readPcap(inPath);
  if (p.records.length === 0) die(`${inPath}: no packets`);
  const w = new PcapWriter(outPath, p.linktype, p.snaplen, p.nano);
  const first = p.records[0];
  const last = p.records[p.records.length - 1];
  const unit = p.nano ? 1e9 : 1e6;
  // Each repetition starts one second after the previous one ended.
  const span = last.sec - first.sec + 1;
  for (let k = 0; w.count < target; k++) {
    for (const r of p.records) {
      if (w.count >= target) break;
      if (k === 0) {
        w.packet(r.sec, r.frac, r.orig, r.data);
        continue;
      }
      const d = Buffer.from(r.data);
      rewriteClient(p.linktype, d, k);
      const sec = r.sec + k * span;
      w.packet(sec, Math.min(r.frac, unit - 1), r.orig, d);
    }
  }
  w.close();
  process.stdout.write(`${w.count}\n`);
}

// Locates the UDP/TCP header: {proto, l4, v, ip} or null. IPv6 extension
// headers before it are walked; a non-first fragment has no ports.
function transport(linktype, d) {
  const ip = ipOffset(linktype, d);
  if (ip < 0 || ip >= d.length) return null;
  const v = d[ip] >> 4;
  if (v === 4) {
    if (ip + 20 > d.length || (d.readUInt16BE(ip + 6) & 0x1fff) !== 0) return null;
    return { v, ip, proto: d[ip + 9], l4: ip + (d[ip] & 0x0f) * 4 };
  }
  if (v !== 6 || ip + 40 > d.length) return null;
  let next = d[ip + 6];
  let off = ip + 40;
  for (let i = 0; i < 8 && (next === 0 || next === 43 || next === 60 || next === 44); i++) {
    if (off + 8 > d.length) return null;
    if (next === 44) {
      if ((d.readUInt16BE(off + 2) & 0xfff8) !== 0) return null;
      next = d[off];
      off += 8;
    } else {
      const len = (d[off + 1] + 1) * 8;
      next = d[off];
      off += len;
    }
  }
  return { v, ip, proto: next, l4: off };
}

function l4Checksum(t, d) {
  if (t.proto === 17) {
    const at = t.l4 + 6;
    // IPv4 UDP checksum 0 means "not computed": leave it so.
    return t.v === 4 && d.readUInt16BE(at) === 0 ? -2 : at;
  }
  return t.l4 + 16;
}

function sum16(d, from, to, acc) {
  let s = acc;
  let i = from;
  for (; i + 1 < to; i += 2) s += d.readUInt16BE(i);
  if (i < to) s += d[i] << 8;
  return s;
}

function fold(s) {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

// Recomputes the IPv4 header checksum and the UDP/TCP checksum from scratch.
function fixChecksums(t, d) {
  const { v, ip, proto, l4 } = t;
  let l4Len;
  let pseudo;
  if (v === 4) {
    const ihl = (d[ip] & 0x0f) * 4;
    if (ip + ihl <= d.length) {
      d.writeUInt16BE(0, ip + 10);
      d.writeUInt16BE(~fold(sum16(d, ip, ip + ihl, 0)) & 0xffff, ip + 10);
    }
    l4Len = d.readUInt16BE(ip + 2) - ihl;
    if ((d.readUInt16BE(ip + 6) & 0x2000) !== 0) return; // first of several fragments
    pseudo = sum16(d, ip + 12, ip + 20, 0);
  } else {
    l4Len = d.readUInt16BE(ip + 4) - (l4 - ip - 40);
    pseudo = sum16(d, ip + 8, ip + 40, 0);
  }
  if (l4Len < (proto === 17 ? 8 : 20) || l4 + l4Len > d.length) return; // truncated by snaplen
  const at = proto === 17 ? l4 + 6 : l4 + 16;
  if (proto === 17 && v === 4 && d.readUInt16BE(at) === 0) return;
  pseudo += proto + l4Len;
  d.writeUInt16BE(0, at);
  let c = ~fold(sum16(d, l4, l4 + l4Len, pseudo)) & 0xffff;
  if (proto === 17 && c === 0) c = 0xffff;
  d.writeUInt16BE(c, at);
}

function portmap(inPath, outPath, spec, fix) {
  const map = new Map();
  for (const pair of spec.split(',')) {
    const [from, to] = pair.split(':').map(Number);
    if (!(from >= 0 && from < 65536 && to >= 0 && to < 65536)) die(`bad port pair: ${pair}`);
    map.set(from, to);
  }
  const p = readPcap(inPath);
  const w = new PcapWriter(outPath, p.linktype, p.snaplen, p.nano);
  let changed = 0;
  for (const r of p.records) {
    const d = Buffer.from(r.data);
    const t = transport(p.linktype, d);
    if (t && (t.proto === 17 || t.proto === 6) && t.l4 + (t.proto === 17 ? 8 : 18) <= d.length) {
      const csum = l4Checksum(t, d);
      let hit = false;
      for (const at of [t.l4, t.l4 + 2]) {
        const to = map.get(d.readUInt16BE(at));
        if (to !== undefined) {
          setWord(d, at, to, [csum]);
          hit = true;
        }
      }
      if (hit && t.proto === 17 && csum >= 0 && d.readUInt16BE(csum) === 0) d.writeUInt16BE(0xffff, csum);
      if (hit) changed++;
      if (hit && fix) fixChecksums(t, d);
    }
    w.packet(r.sec, r.frac, r.orig, d);
  }
  w.close();
  process.stdout.write(`${changed}\n`);
}

function fixAll(inPath, outPath) {
  const p = readPcap(inPath);
  const w = new PcapWriter(outPath, p.linktype, p.snaplen, p.nano);
  let fixed = 0;
  for (const r of p.records) {
    const d = Buffer.from(r.data);
    const t = transport(p.linktype, d);
    if (t && (t.proto === 17 || t.proto === 6) && t.l4 + (t.proto === 17 ? 8 : 18) <= d.length) {
      fixChecksums(t, d);
      fixed++;
    }
    w.packet(r.sec, r.frac, r.orig, d);
  }
  w.close();
  process.stdout.write(`${fixed}\n`);
}

function rewriteClient(linktype, d, k) {
  const t = transport(linktype, d);
  if (!t || (t.proto !== 17 && t.proto !== 6) || t.l4 + (t.proto === 17 ? 8 : 18) > d.length) return;
  const { v, ip, proto, l4 } = t;
  const addrLen = v === 4 ? 4 : 16;
  const srcAt = v === 4 ? ip + 12 : ip + 8;
  const dstAt = v === 4 ? ip + 16 : ip + 24;
  const ipCsum = v === 4 ? ip + 10 : -1;
  const sport = d.readUInt16BE(l4);
  const dport = d.readUInt16BE(l4 + 2);
  // The client is whichever side does not use port 53.
  let clientIsSrc;
  if (dport === 53 && sport !== 53) clientIsSrc = true;
  else if (sport === 53 && dport !== 53) clientIsSrc = false;
  else return;
  const portAt = clientIsSrc ? l4 : l4 + 2;
  const addrAt = clientIsSrc ? srcAt : dstAt;
  const l4Csum = l4Checksum(t, d);
  const csums = [l4Csum];
  const port = clientIsSrc ? sport : dport;
  // UDP: the DNS ID joins the key, so each query/response pair gets its own
  // client port, like a resolver's per-query source ports (RFC 5452); the
  // pair itself stays together. TCP connections keep one port throughout.
  const id = proto === 17 && l4 + 10 <= d.length ? d.readUInt16BE(l4 + 8) : 0;
  const newPort = 1024 + ((port * 31 + id * 7 + k * 4099) % 64512);
  setWord(d, portAt, newPort, csums);
  if (addrLen === 4) {
    // 198.18.0.0/15: repetition k, the original last octet and (UDP) the
    // DNS ID pick the host, so per-exchange flows rarely collide.
    const host = (k * 7919 + d[addrAt + 3] * 131 + id) % 131072;
    setWord(d, addrAt, 0xc612 | (host >>> 16), [ipCsum, l4Csum]);
    setWord(d, addrAt + 2, host & 0xffff, [ipCsum, l4Csum]);
  } else {
    // 2001:2::/48, subnet id from k, (UDP) the DNS ID in the next word;
    // the rest of the interface id is the original's.
    setWord(d, addrAt, 0x2001, csums);
    setWord(d, addrAt + 2, 0x0002, csums);
    setWord(d, addrAt + 4, 0x0000, csums);
    setWord(d, addrAt + 6, k & 0xffff, csums);
    setWord(d, addrAt + 8, id, csums);
  }
  if (proto === 17 && l4Csum >= 0 && d.readUInt16BE(l4Csum) === 0) d.writeUInt16BE(0xffff, l4Csum);
}

const [cmd, inPath, outPath, n, flag] = process.argv.slice(2);
if (cmd === 'portmap' && inPath && outPath && n) portmap(inPath, outPath, n, flag === '--fixcsum');
else if (cmd === 'fixcsum' && inPath && outPath) fixAll(inPath, outPath);
else if (cmd === 'replicate' && inPath && outPath && Number(n) > 0) replicate(inPath, outPath, Math.floor(Number(n)));
else die('usage: pcap-rewrite.mjs portmap IN OUT P:53[,Q:53...] [--fixcsum] | fixcsum IN OUT | replicate IN OUT N');
