#!/usr/bin/env node
// Measures the flow layer alone on synthetic DecodedPackets (no capture I/O):
//   npx tsc -p tsconfig.build.json && node --expose-gc scripts/bench/measure-flow.mjs [distDir]
// 1. UDP: 2M datagrams over 10k flows (ns/packet).
// 2. TCP: 20k connections x 20 pipelined queries, 100-byte segments (ns/segment).
// 3. Flood: 1M distinct UDP tuples with maxFlows 10k: heap after GC must not grow with the count.
// 4. Never-ending TCP message: one connection, 200 MB after a 0xffff prefix that restarts every 64 KiB.
// Counts are fixed and every loop is bounded; times are wall clock on this machine.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const dist = resolve(process.argv[2] ?? 'dist');
const { FlowAssembler } = await import(pathToFileURL(`${dist}/flow/flow-assembler.js`).href);
const { newDecodedPacket, IPPROTO_UDP, IPPROTO_TCP } = await import(pathToFileURL(`${dist}/decode/packet.js`).href);
const gc = globalThis.gc ?? (() => {});
const heapMiB = () => (gc(), gc(), process.memoryUsage().heapUsed / 2 ** 20);

function packet(payloadLen) {
  const p = newDecodedPacket();
  p.bytes = new Uint8Array(32 + payloadLen);
  p.bytes.set([10, 0, 0, 1], 0);
  p.bytes.set([10, 0, 0, 53], 16);
  p.ipVersion = 4;
  p.srcAddrOffset = 0;
  p.dstAddrOffset = 16;
  p.payloadOffset = 32;
  p.payloadCaptured = payloadLen;
  p.payloadLength = payloadLen;
  p.dstPort = 53;
  return p;
}

let sink = 0;
const onBatch = (b) => (sink += b.count);

{
  const asm = new FlowAssembler({}, onBatch);
  const p = packet(40);
  p.protocol = IPPROTO_UDP;
  const N = 2_000_000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    p.srcPort = 1024 + (i % 10_000);
    asm.ingest(p, 1000 + i / 1e5, 0, 0);
  }
  asm.flush();
  const dt = performance.now() - t0;
  console.log(`udp: ${N} datagrams, ${((dt * 1e6) / N).toFixed(0)} ns/datagram, samples ${asm.stats.udp_samples}`);
}

{
  const asm = new FlowAssembler({}, onBatch);
  const msg = new Uint8Array(2 + 35);
  msg[1] = 35;
  const stream = new Uint8Array(20 * msg.length);
  for (let k = 0; k < 20; k++) stream.set(msg, k * msg.length);
  const p = packet(stream.length);
  p.bytes.set(stream, 32);
  p.protocol = IPPROTO_TCP;
  const C = 20_000;
  let segs = 0;
  const t0 = performance.now();
  for (let c = 0; c < C; c++) {
    p.srcPort = 1024 + (c % 60_000);
    p.tcpSeq = 1000;
    p.tcpFlags = 0x02;
    p.payloadCaptured = p.payloadLength = 0;
    asm.ingest(p, 1000 + c / 1e3, 0, 0);
    for (let o = 0; o < stream.length; o += 100) {
      const n = Math.min(100, stream.length - o);
      p.tcpFlags = 0x18;
      p.tcpSeq = 1001 + o;
      p.payloadOffset = 32 + o;
      p.payloadCaptured = p.payloadLength = n;
      asm.ingest(p, 1000 + c / 1e3, 0, 0);
      segs++;
    }
    p.payloadOffset = 32;
  }
  asm.flush();
  const dt = performance.now() - t0;
  console.log(`tcp: ${C} connections, ${segs} data segments, ${((dt * 1e6) / segs).toFixed(0)} ns/segment, samples ${asm.stats.tcp_samples} (expected ${C * 20})`);
}

{
  const asm = new FlowAssembler({ maxFlows: 10_000 }, onBatch);
  const p = packet(40);
  p.protocol = IPPROTO_UDP;
  const marks = [];
  for (let i = 0; i < 1_000_000; i++) {
    p.bytes[1] = (i >> 16) & 0xff;
    p.bytes[2] = (i >> 8) & 0xff;
    p.bytes[3] = i & 0xff;
    asm.ingest(p, 1000, 0, 0);
    if ((i + 1) % 250_000 === 0) marks.push(`${i + 1}:${heapMiB().toFixed(1)}MiB`);
  }
  const s = asm.stats;
  console.log(`flood: heap after GC ${marks.join(' ')}; active ${s.flows_active}, evicted ${s.flows_evicted}`);
  asm.flush();
}

{
  const asm = new FlowAssembler({}, onBatch);
  const p = packet(1460);
  p.bytes.fill(0xff, 32);
  p.protocol = IPPROTO_TCP;
  p.tcpSeq = 1;
  p.tcpFlags = 0x02;
  p.payloadCaptured = p.payloadLength = 0;
  asm.ingest(p, 1000, 0, 0);
  const marks = [];
  const N = 140_000;
  for (let i = 0; i < N; i++) {
    p.tcpFlags = 0x18;
    p.tcpSeq = (2 + i * 1460) >>> 0;
    p.payloadCaptured = p.payloadLength = 1460;
    asm.ingest(p, 1000, 0, 0);
    if ((i + 1) % 35_000 === 0) marks.push(`${(((i + 1) * 1460) / 2 ** 20).toFixed(0)}MiB:${heapMiB().toFixed(1)}MiB`);
  }
  console.log(`endless message: heap after GC ${marks.join(' ')}; buffered ${asm.stats.tcp_buffered_bytes}`);
  asm.flush();
}
console.log(`(samples delivered: ${sink})`);
