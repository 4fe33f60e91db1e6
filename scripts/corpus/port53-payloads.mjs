// Extracts DNS-position messages from a capture with tshark, the way the
// dnsae pipeline frames them: one message per UDP datagram (after tshark's IP
// reassembly), and for TCP one message per 2-byte length prefix on each
// direction's reassembled byte stream. Used by scripts/bench/measure-rules.mjs and
// scripts/fixtures/make-rules-fixtures.mjs; independent of src/ so the measurement does
// not reuse the code it measures.
import { spawnSync } from 'node:child_process';

const TSHARK_OPTS = ['-n', '-o', 'tcp.desegment_tcp_streams:FALSE', '-o', 'tcp.relative_sequence_numbers:TRUE'];

function tsharkFields(file, filter, fields) {
  const args = ['-r', file, ...TSHARK_OPTS, '-Y', filter, '-T', 'fields', '-E', 'occurrence=l', '-E', 'separator=\t'];
  for (const f of fields) args.push('-e', f);
  // Damaged captures make tshark exit non-zero after printing what it read; keep those rows.
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  if (r.error) throw r.error;
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

const hexBytes = (h) => Uint8Array.from(Buffer.from(h.replaceAll(':', ''), 'hex'));

/**
 * `portFilter` selects the traffic (a tshark display filter on udp/tcp).
 * `serverPort(src, dst)` returns which port is the server's, to set the
 * direction (0 = to_server, 1 = to_client).
 */
export function extractMessages(file, { udpFilter, tcpFilter, serverPort }) {
  const out = [];
  for (const [src, dst, udpLen, hex] of tsharkFields(file, `(${udpFilter}) && !icmp && !icmpv6`, [
    'udp.srcport',
    'udp.dstport',
    'udp.length',
    'udp.payload',
  ])) {
    const payload = hexBytes(hex ?? '');
    const claimed = Number(udpLen) - 8;
    const length = Number.isFinite(claimed) && claimed >= payload.length ? claimed : payload.length;
    const sp = serverPort(Number(src), Number(dst));
    out.push({ transport: 0, direction: Number(dst) === sp ? 0 : 1, length, payload, file });
  }

  const streams = new Map();
  for (const [stream, src, dst, seq, hex] of tsharkFields(file, `(${tcpFilter}) && tcp.len > 0 && !icmp && !icmpv6`, [
    'tcp.stream',
    'tcp.srcport',
    'tcp.dstport',
    'tcp.seq',
    'tcp.payload',
  ])) {
    const key = `${stream}/${src}>${dst}`;
    let s = streams.get(key);
    if (!s) {
      const sp = serverPort(Number(src), Number(dst));
      s = { direction: Number(dst) === sp ? 0 : 1, segs: [] };
      streams.set(key, s);
    }
    s.segs.push({ seq: Number(seq), data: hexBytes(hex ?? '') });
  }
  for (const s of streams.values()) {
    const bytes = reassemble(s.segs);
    for (const m of frameTcp(bytes)) out.push({ transport: 1, direction: s.direction, ...m, file });
  }
  return out;
}

/** Contiguous bytes from the lowest sequence number up to the first hole; retransmitted bytes are dropped. */
function reassemble(segs) {
  segs.sort((a, b) => a.seq - b.seq);
  const parts = [];
  let next = segs[0]?.seq ?? 0;
  for (const { seq, data } of segs) {
    if (seq > next) break; // hole: the pipeline stops framing at a gap too
    const skip = next - seq;
    if (skip >= data.length) continue;
    parts.push(data.subarray(skip));
    next = seq + data.length;
  }
  return Buffer.concat(parts);
}

/** Splits a stream at its 2-byte length prefixes; an incomplete last message keeps the bytes seen as its length. */
function frameTcp(bytes) {
  const msgs = [];
  let pos = 0;
  while (pos + 2 <= bytes.length) {
    const declared = bytes.readUInt16BE(pos);
    const start = pos + 2;
    if (declared === 0) {
      pos = start;
      continue;
    }
    const avail = Math.min(declared, bytes.length - start);
    if (avail <= 0) break;
    msgs.push({ length: avail < declared ? avail : declared, unframed: avail < declared, payload: Uint8Array.from(bytes.subarray(start, start + avail)) });
    pos = start + declared;
  }
  return msgs;
}
