#!/usr/bin/env node
// Builds the benchmark capture from the generated benign corpus:
//   node scripts/bench/bench-capture.mjs OUT.pcap [--packets N]     (default 1,000,000)
// The records of data/benign/*.pcap (real knotd/nsd/unbound/dig traffic) are
// replayed round after round until N packets are written. In round r every
// client address (the side whose port is not 53) gets r added to its third
// byte (IPv4) or 14th byte (IPv6), so each round brings new flows instead of
// repeating the same 5-tuples, as on a busy resolver. Checksums are updated
// incrementally (RFC 1624): IPv4 header checksums stay valid; the UDP/TCP ones
// in the corpus are already the partial sums left by checksum offload on the
// veths, which no tool here verifies by default. Timestamps are shifted so
// they rise monotonically and the flow table sees real idle expiry between
// rounds.
import { closeSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pcapGlobalHeader } from '../lib/pcap-header.mjs';

const root = new URL('../..', import.meta.url).pathname;

/** Records of every little-endian µs Ethernet pcap in data/benign, per file. */
function sourceFiles() {
  const dir = join(root, 'data/benign');
  const files = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.pcap')) continue;
    const b = readFileSync(join(dir, name));
    if (b.length < 24 || b.readUInt32LE(0) !== 0xa1b2c3d4 || (b.readUInt32LE(20) & 0x0fffffff) !== 1) {
      throw new Error(`${name}: expected a little-endian microsecond Ethernet pcap`);
    }
    const recs = [];
    for (let p = 24; p + 16 <= b.length; ) {
      const incl = b.readUInt32LE(p + 8);
      if (p + 16 + incl > b.length) break;
      const us = b.readUInt32LE(p) * 1e6 + b.readUInt32LE(p + 4);
      recs.push({ us, orig: b.readUInt32LE(p + 12), data: b.subarray(p + 16, p + 16 + incl) });
      p += 16 + incl;
    }
    if (recs.length > 0) files.push(recs);
  }
  if (files.length === 0) throw new Error('no pcap files in data/benign');
  return files;
}

/** RFC 1624 eqn. 3: checksum after one 16-bit word changed from m to m2. */
function csumUpdate(hc, m, m2) {
  let s = (~hc & 0xffff) + (~m & 0xffff) + m2;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/**
 * Rewrites the client address of one Ethernet frame in place for round r
 * (r >= 1). Returns false when the frame is not IPv4/IPv6 UDP/TCP.
 */
function shiftClient(f, r) {
  let o = 14;
  let type = f.readUInt16BE(12);
  while ((type === 0x8100 || type === 0x88a8) && f.length >= o + 4) {
    type = f.readUInt16BE(o + 2);
    o += 4;
  }
  let proto;
  let l4;
  let addrWord; // offsets of the src/dst 16-bit word that changes
  let ip4 = false;
  if (type === 0x0800 && f.length >= o + 20) {
    proto = f[o + 9];
    l4 = o + (f[o] & 15) * 4;
    addrWord = [o + 12 + 2, o + 16 + 2];
    ip4 = true;
    // A non-first fragment has no ports: leave it (the corpus has none).
    if ((f.readUInt16BE(o + 6) & 0x1fff) !== 0) return false;
  } else if (type === 0x86dd && f.length >= o + 40) {
    proto = f[o + 6];
    l4 = o + 40;
    addrWord = [o + 8 + 12, o + 24 + 12];
  } else return false;
  if ((proto !== 17 && proto !== 6) || f.length < l4 + 4) return false;
  const sport = f.readUInt16BE(l4);
  const dport = f.readUInt16BE(l4 + 2);
  const side = dport === 53 ? 0 : sport === 53 ? 1 : -1;
  if (side < 0) return false;
  const at = addrWord[side];
  const old = f.readUInt16BE(at);
  const nu = (old + (r << 8)) & 0xffff;
  f.writeUInt16BE(nu, at);
  if (ip4) f.writeUInt16BE(csumUpdate(f.readUInt16BE(o + 10), old, nu), o + 10);
  const cs = proto === 17 ? l4 + 6 : l4 + 16;
  if (f.length >= cs + 2) {
    const hc = f.readUInt16BE(cs);
    // UDP over IPv4 may carry no checksum (0): keep it that way.
    if (!(proto === 17 && hc === 0)) {
      let c = csumUpdate(hc, old, nu);
      if (proto === 17 && c === 0) c = 0xffff;
      f.writeUInt16BE(c, cs);
    }
  }
  return true;
}

export function buildBenchCapture(path, packets = 1_000_000) {
  const files = sourceFiles();
  const fd = openSync(path, 'w');
  const header = pcapGlobalHeader();
  writeSync(fd, header);
  const out = Buffer.alloc(4 << 20);
  let o = 0;
  let written = 0;
  let cursor = 1_800_000_000 * 1e6; // µs; one clock for the whole file
  for (let r = 0; written < packets; r++) {
    if (r > 250) throw new Error('more than 250 rounds would wrap the client addresses');
    for (const recs of files) {
      const shift = cursor - recs[0].us;
      for (const rec of recs) {
        if (written === packets) break;
        if (o + 16 + rec.data.length > out.length) {
          writeSync(fd, out, 0, o);
          o = 0;
        }
        const us = rec.us + shift;
        out.writeUInt32LE(Math.floor(us / 1e6), o);
        out.writeUInt32LE(us % 1e6, o + 4);
        out.writeUInt32LE(rec.data.length, o + 8);
        out.writeUInt32LE(rec.orig, o + 12);
        const frame = out.subarray(o + 16, o + 16 + rec.data.length);
        rec.data.copy(frame);
        if (r > 0) shiftClient(frame, r);
        o += 16 + rec.data.length;
        written++;
        cursor = us;
      }
      cursor += 1000;
    }
  }
  writeSync(fd, out, 0, o);
  closeSync(fd);
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--packets');
  const i = args.indexOf('--packets');
  if (out === undefined) {
    console.error('usage: node scripts/bench/bench-capture.mjs OUT.pcap [--packets N]');
    process.exit(2);
  }
  const n = buildBenchCapture(out, i >= 0 ? Number(args[i + 1]) : 1_000_000);
  console.error(`wrote ${n} packets to ${out}`);
}
