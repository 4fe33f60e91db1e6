// Extracts model samples (first 12 payload bytes per UDP datagram / framed
// DNS-over-TCP message) from captures with tshark, independently of dnsae's
// own decoders, so model experiments can start before the pipeline exists
// and serve as a cross-check afterwards.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';

const HEAD = 12;
const NON_DNS_EXCLUDE = new Set([53, 5353, 5355, 137, 8053]);

function tshark(file, filter, fields) {
  const args = ['-r', file, '-n', '-Y', filter, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=f'];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

/**
 * mode 'dns53': traffic with port 53 on one side (server = port 53).
 * mode 'foreign': any traffic not on a DNS-family port; server = lower port;
 *   payloads are taken as they would be if that service ran on port 53.
 * Returns [{transport, direction, payloadLength, headLen, head(Uint8Array 12), flow}].
 */
export function extractSamples(file, mode) {
  // tshark is slow to start; cache per file+mtime+size outside the repo.
  const st = statSync(file);
  const key = createHash('sha256').update(`${path.resolve(file)}|${mode}|${st.size}|${st.mtimeMs}|v1`).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'dnsae-model-samples');
  const cached = path.join(dir, `${key}.json`);
  if (existsSync(cached)) {
    return JSON.parse(readFileSync(cached, 'utf8')).map((s) => ({ ...s, head: Uint8Array.from(Buffer.from(s.head, 'hex')) }));
  }
  const out = extractUncached(file, mode);
  mkdirSync(dir, { recursive: true });
  writeFileSync(cached, JSON.stringify(out.map((s) => ({ ...s, head: Buffer.from(s.head).toString('hex') }))));
  return out;
}

function extractUncached(file, mode) {
  const out = [];
  const isServer = (sp, dp) => (mode === 'dns53' ? sp === 53 : sp < dp);
  const keep = (sp, dp) => (mode === 'dns53' ? sp === 53 || dp === 53 : !NON_DNS_EXCLUDE.has(sp) && !NON_DNS_EXCLUDE.has(dp));
  for (const [sp0, dp0, stream, , payload] of tshark(file, 'udp && udp.length > 8 && !icmp && !icmpv6', ['udp.srcport', 'udp.dstport', 'udp.stream', 'udp.length', 'udp.payload'])) {
    const sp = +sp0, dp = +dp0;
    if (!keep(sp, dp) || !payload) continue;
    const bytes = Buffer.from(payload.replace(/:/g, ''), 'hex');
    const head = new Uint8Array(HEAD);
    head.set(bytes.subarray(0, HEAD));
    out.push({ transport: 0, direction: isServer(sp, dp) ? 1 : 0, payloadLength: bytes.length, headLen: Math.min(HEAD, bytes.length), head, flow: `${file}#u${stream}` });
  }
  // TCP: concatenate each direction's payload in sequence order, then frame
  // by the 2-byte length prefix as a DNS-over-TCP reader would.
  const streams = new Map();
  for (const [sp0, dp0, stream, seq0, payload] of tshark(file, 'tcp.len > 0 && !icmp && !icmpv6', ['tcp.srcport', 'tcp.dstport', 'tcp.stream', 'tcp.seq', 'tcp.payload'])) {
    const sp = +sp0, dp = +dp0;
    if (!keep(sp, dp) || !payload) continue;
    const dir = isServer(sp, dp) ? 1 : 0;
    const key = `${stream}/${dir}`;
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { dir, stream, next: undefined, chunks: [] }));
    const seq = +seq0;
    let bytes = Buffer.from(payload.replace(/:/g, ''), 'hex');
    if (s.next !== undefined && seq < s.next) {
      const skip = s.next - seq;
      if (skip >= bytes.length) continue; // retransmission
      bytes = bytes.subarray(skip);
    }
    s.chunks.push(bytes);
    s.next = Math.max(s.next ?? 0, seq + (+bytes.length));
  }
  for (const s of streams.values()) {
    const buf = Buffer.concat(s.chunks);
    let p = 0;
    while (p + 2 <= buf.length) {
      const len = buf.readUInt16BE(p);
      const avail = Math.min(len, buf.length - p - 2);
      if (avail <= 0) break;
      const head = new Uint8Array(HEAD);
      head.set(buf.subarray(p + 2, p + 2 + Math.min(HEAD, avail)));
      out.push({ transport: 1, direction: s.dir, payloadLength: len, headLen: Math.min(HEAD, avail), head, flow: `${file}#t${s.stream}` });
      p += 2 + len;
    }
  }
  return out;
}

/** Packs sample objects into the TrainingSet struct-of-arrays. */
export function toTrainingSet(samples) {
  const n = samples.length;
  const set = { count: n, head: new Uint8Array(n * HEAD), headLen: new Uint8Array(n), payloadLength: new Int32Array(n), transport: new Uint8Array(n), direction: new Uint8Array(n) };
  samples.forEach((s, i) => {
    set.head.set(s.head, i * HEAD);
    set.headLen[i] = s.headLen;
    set.payloadLength[i] = s.payloadLength;
    set.transport[i] = s.transport;
    set.direction[i] = s.direction;
  });
  return set;
}

// CLI: node scripts/model/model-samples.mjs dns53|foreign FILE... > samples.tsv
// Writes one row per sample: file, transport (0 udp, 1 tcp), direction
// (0 to_server, 1 to_client), payloadLength, headLen, first 12 bytes in hex.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [mode, ...files] = process.argv.slice(2);
  if (mode !== 'dns53' && mode !== 'foreign') {
    console.error('usage: model-samples.mjs dns53|foreign FILE...');
    process.exit(2);
  }
  for (const f of files) {
    for (const s of extractSamples(f, mode)) {
      process.stdout.write(`${path.basename(f)}\t${s.transport}\t${s.direction}\t${s.payloadLength}\t${s.headLen}\t${Buffer.from(s.head).toString('hex')}\n`);
    }
  }
}
