#!/usr/bin/env node
// Packets/s of the classic-pcap readers on one large DNS capture:
//   npm run build && node scripts/bench/measure-pcap-readers.mjs [--packets N] [--runs R] [--keep]
// Builds the capture in os.tmpdir() by replicating the records of the
// Ethernet pcap files in test/fixtures/benign (timestamps made monotonic),
// then times, with an empty per-packet handler:
//   - pcap-parser (the package the design first named),
//   - our PcapReader through openCapture (dist/ build),
//   - tcpdump -r FILE -w /dev/null (libpcap read + write, as a native yardstick),
//   - our PcapngReader on the same packets converted with editcap (if installed).
// The file is read once before timing so every reader sees a warm page cache.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pcapGlobalHeader } from '../lib/pcap-header.mjs';

const root = new URL('../..', import.meta.url).pathname;
const args = process.argv.slice(2);
const argValue = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const PACKETS = argValue('--packets', 1_000_000);
const RUNS = argValue('--runs', 3);

const distOpen = join(root, 'dist/capture/open-capture.js');
if (!existsSync(distOpen)) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const { openCapture } = await import(distOpen);
const pcapParser = createRequire(import.meta.url)('pcap-parser');

/** Records of every little-endian µs Ethernet pcap among the benign fixtures. */
function sourceRecords() {
  const dir = join(root, 'test/fixtures/benign');
  const recs = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.pcap')) continue;
    const b = readFileSync(join(dir, name));
    if (b.length < 24 || b.readUInt32LE(0) !== 0xa1b2c3d4 || (b.readUInt32LE(20) & 0xffff) !== 1) continue;
    for (let p = 24; p + 16 <= b.length; ) {
      const incl = b.readUInt32LE(p + 8);
      if (p + 16 + incl > b.length) break;
      recs.push(b.subarray(p + 16, p + 16 + incl));
      p += 16 + incl;
    }
  }
  return recs;
}

function buildCapture(path, packets) {
  const recs = sourceRecords();
  const fd = openSync(path, 'w');
  const header = pcapGlobalHeader();
  writeSync(fd, header);
  const out = Buffer.alloc(4 << 20);
  let o = 0;
  let bytes = 0;
  for (let i = 0; i < packets; i++) {
    const data = recs[i % recs.length];
    if (o + 16 + data.length > out.length) {
      writeSync(fd, out, 0, o);
      o = 0;
    }
    out.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), o);
    out.writeUInt32LE((i % 1000) * 1000, o + 4);
    out.writeUInt32LE(data.length, o + 8);
    out.writeUInt32LE(data.length, o + 12);
    data.copy(out, o + 16);
    o += 16 + data.length;
    bytes += data.length;
  }
  writeSync(fd, out, 0, o);
  closeSync(fd);
  return { sourceRecords: recs.length, meanLen: bytes / packets };
}

/** Reads the file through a small buffer so the page cache is warm without growing our heap. */
function warm(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
}

function timePcapParser(path) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let n = 0;
    const parser = pcapParser.parse(path);
    parser.on('packet', () => n++);
    parser.on('error', reject);
    parser.on('end', () => resolve({ n, ms: performance.now() - t0 }));
  });
}

async function timeOurs(path) {
  // (also used for the pcapng copy: openCapture picks the reader from the magic)
  const t0 = performance.now();
  let n = 0;
  let maxRss = 0;
  const src = await openCapture(path);
  await src.run(
    () => n++,
    () => {
      const rss = process.memoryUsage.rss();
      if (rss > maxRss) maxRss = rss;
    },
  );
  return { n, ms: performance.now() - t0, maxRss };
}

function timeTcpdump(path) {
  const t0 = performance.now();
  const r = spawnSync('tcpdump', ['-r', path, '-w', '/dev/null'], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.error || r.status !== 0) return undefined;
  return { n: PACKETS, ms };
}

const path = join(tmpdir(), `dnsae-measure-${process.pid}.pcap`);
const ngPath = join(tmpdir(), `dnsae-measure-${process.pid}.pcapng`);
try {
  const built = buildCapture(path, PACKETS);
  const size = statSync(path).size;
  warm(path);
  console.log(`file: ${path}, ${PACKETS} packets from ${built.sourceRecords} distinct benign records, mean ${built.meanLen.toFixed(1)} B, ${(size / 2 ** 20).toFixed(1)} MiB`);
  console.log(`node ${process.version}, ${RUNS} runs each, best run reported (median in brackets)`);

  const haveNg = spawnSync('editcap', ['-F', 'pcapng', path, ngPath]).status === 0;
  if (haveNg) warm(ngPath);
  const results = { 'pcap-parser': [], 'dnsae PcapReader': [], 'tcpdump -r -w /dev/null': [], 'dnsae PcapngReader': [] };
  let rss = 0;
  for (let r = 0; r < RUNS; r++) {
    results['pcap-parser'].push(await timePcapParser(path));
    const ours = await timeOurs(path);
    rss = Math.max(rss, ours.maxRss);
    results['dnsae PcapReader'].push(ours);
    const td = timeTcpdump(path);
    if (td) results['tcpdump -r -w /dev/null'].push(td);
    if (haveNg) results['dnsae PcapngReader'].push(await timeOurs(ngPath));
  }
  for (const [name, runs] of Object.entries(results)) {
    if (runs.length === 0) {
      console.log(`${name.padEnd(26)} not available`);
      continue;
    }
    for (const x of runs) if (x.n !== PACKETS) throw new Error(`${name} read ${x.n} packets, expected ${PACKETS}`);
    const ms = runs.map((x) => x.ms).sort((a, b) => a - b);
    const rate = (t) => ((PACKETS / t) * 1000) / 1e6;
    console.log(`${name.padEnd(26)} ${rate(ms[0]).toFixed(2)} M packets/s  [${rate(ms[Math.floor(ms.length / 2)]).toFixed(2)}]  (${ms[0].toFixed(0)} ms)`);
  }
  console.log(`dnsae PcapReader peak RSS during reading: ${(rss / 2 ** 20).toFixed(0)} MiB (whole process)`);
} finally {
  if (!args.includes('--keep')) {
    rmSync(path, { force: true });
    rmSync(ngPath, { force: true });
  }
}
