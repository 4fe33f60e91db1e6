#!/usr/bin/env node
// Times decodeQuestion in process on the DNS messages of real captures.
//
//   npm run build && node scripts/bench/measure-question.mjs [--runs N] [--max N] [capture.pcap ...]
//
// Captures: the arguments, else /tmp/dnsae-bench.pcap when present
// (scripts/bench/make-bench-capture.sh), else data/benign/*.pcap. Every DNS
// message (UDP datagram, DNS-over-TCP message) is read once through the
// built reader, decoder and flow assembler with the payload tap on, its
// first 512 bytes packed into one buffer (at most --max messages, default
// 2,000,000). Then each run decodes all of them into one reused result;
// the figure is ns per message of the best of --runs runs (default 20),
// with the median beside it, and the same for CPU time (process.cpuUsage),
// which other load on a shared machine inflates less than wall time. Garbage collections during the timed runs
// are counted (0 means the decoder allocated nothing worth collecting).
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const runs = Math.min(1000, Math.max(1, Number(opt('--runs', '20'))));
const max = Math.max(1, Number(opt('--max', '2000000')));
const KEEP = 512;
const bench = '/tmp/dnsae-bench.pcap';
const files =
  args.length > 0
    ? args
    : existsSync(bench)
      ? [bench]
      : readdirSync(join(root, 'data/benign')).filter((f) => f.endsWith('.pcap')).sort().map((f) => join(root, 'data/benign', f));

const load = (p) => import(pathToFileURL(join(dist, p)).href);
const [{ openCapture }, { decodeFrame }, { newDecodedPacket }, { WeirdCounters }, { FlowAssembler, PAYLOAD_UNAVAILABLE }, dq] = await Promise.all([
  load('capture/open-capture.js'),
  load('decode/decode-frame.js'),
  load('decode/packet.js'),
  load('decode/weirds.js'),
  load('flow/flow-assembler.js'),
  load('decode/dns/dns-question.js'),
]);

// One buffer for all kept prefixes, so the timed loop reads memory the way a batch would.
let store = new Uint8Array(64 << 20);
let used = 0;
const offs = new Int32Array(max);
const lens = new Int32Array(max);
const msgLens = new Int32Array(max);
let n = 0;
const weirds = new WeirdCounters();
for (const f of files) {
  const pending = [];
  const asm = new FlowAssembler(
    {
      batchSize: 4096,
      payloadTap: (_row, bytes, off, len) => {
        if (n + pending.length >= max || len === PAYLOAD_UNAVAILABLE) return pending.push(null);
        const k = Math.min(KEEP, len);
        if (used + k > store.length) {
          const bigger = new Uint8Array(store.length * 2);
          bigger.set(store.subarray(0, used));
          store = bigger;
        }
        store.set(bytes.subarray(off, off + k), used);
        pending.push([used, k]);
        used += k;
      },
    },
    (b) => {
      for (let i = 0; i < b.count; i++) {
        const p = pending[i];
        if (p === null || p === undefined || n >= max) continue;
        offs[n] = p[0];
        lens[n] = p[1];
        msgLens[n] = b.payloadLength[i];
        n++;
      }
      pending.length = 0;
    },
    weirds,
  );
  const pkt = newDecodedPacket();
  const src = await openCapture(f);
  try {
    await src.run((frame) => {
      if (decodeFrame(frame, pkt, weirds)) asm.ingest(pkt, frame.tsSec, frame.tsNsec, 0);
    });
  } finally {
    asm.flush();
  }
  if (n >= max) break;
}

const q = dq.newDnsQuestion();
const statuses = new Array(dq.QUESTION_WEIRD.length).fill(0);
let kept = 0;
for (let i = 0; i < n; i++) {
  statuses[dq.decodeQuestion(store, offs[i], lens[i], msgLens[i], q)]++;
  kept += lens[i];
}

let sink = 0;
function pass() {
  for (let i = 0; i < n; i++) {
    dq.decodeQuestion(store, offs[i], lens[i], msgLens[i], q);
    sink ^= q.nameHash;
  }
}
for (let w = 0; w < 3; w++) pass();

let gcs = 0;
const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
obs.observe({ entryTypes: ['gc'] });
const times = [];
const cpu = [];
for (let r = 0; r < runs; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  pass();
  times.push(((performance.now() - t0) * 1e6) / n);
  const c = process.cpuUsage(c0);
  cpu.push(((c.user + c.system) * 1e3) / n);
}
await new Promise((r) => setTimeout(r, 10)); // let the observer deliver
obs.disconnect();
times.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
const names = ['ok', 'too_short', 'no_question', 'truncated', 'not_kept', 'loop', 'forward', 'out_of_range', 'label_too_long', 'name_too_long', 'too_many_labels'];
console.log(
  JSON.stringify({
    files: files.length === 1 ? files[0] : `${files.length} files`,
    messages: n,
    meanKeptBytes: +(kept / n).toFixed(1),
    runs,
    bestNsPerMessage: +times[0].toFixed(1),
    medianNsPerMessage: +times[times.length >> 1].toFixed(1),
    messagesPerSecBest: Math.round(1e9 / times[0]),
    bestCpuNsPerMessage: +cpu[0].toFixed(1),
    medianCpuNsPerMessage: +cpu[cpu.length >> 1].toFixed(1),
    gcDuringTimedRuns: gcs,
    statuses: Object.fromEntries(statuses.map((c, i) => [names[i], c]).filter(([, c]) => c > 0)),
    sink: sink >>> 0,
  }),
);
