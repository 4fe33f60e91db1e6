#!/usr/bin/env node
// The per-record cost of extract's byte writers alone (writeSampleNdjson, writeSampleCsv), without
// capture, decode or flows: N records of 1,000 fixed rows (250 flows from the flow assembler's
// FlowInfo, one in ten IPv6) written into a LineSink on /dev/null.
//   npm run build && node scripts/bench/measure-record-writers.mjs [--format ndjson|csv] [--records N] [--dist DIR]
// Prints wall ns per record. For instructions per record, run it under cachegrind with two counts and
// take the difference (start-up and JIT warm-up cancel out):
//   for n in 100000 1100000; do valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
//     node --single-threaded scripts/bench/measure-record-writers.mjs --records $n 2>&1 | grep 'I *refs'; done
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const format = opt('--format', 'ndjson');
const records = Math.max(1000, Number(opt('--records', '1000000')) || 1_000_000);
const dist = resolve(opt('--dist', 'dist'));
if (format !== 'ndjson' && format !== 'csv') {
  console.error(`measure-record-writers: --format must be ndjson or csv, not ${format}`);
  process.exit(2);
}
const load = (m) => import(pathToFileURL(`${dist}/${m}`).href);
const { writeSampleNdjson, writeSampleCsv } = await load('output/sample-format.js');
const { LineSink } = await load('output/ndjson-sink.js');
const { SampleBatch } = await load('flow/sample.js');
const { AssembledFlowInfo } = await load('flow/assembled-flow-info.js');
const { newFlowKey } = await load('flow/flow-key.js');

// A fixed pseudo-random sequence: every run writes the same bytes.
let seed = 12345;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const ROWS = 1000;
const flows = [];
for (let f = 0; f < ROWS / 4; f++) {
  const key = newFlowKey();
  const v6 = f % 10 === 0;
  key.ipVersion = v6 ? 6 : 4;
  key.a0 = v6 ? 0x20010db8 : 0x0a000000 | Math.floor(rnd() * 65536);
  key.b0 = v6 ? 0x20010db8 : 0xc0a80035 | 0;
  if (v6) {
    key.a3 = Math.floor(rnd() * 2 ** 31);
    key.b3 = 0x35;
  }
  const flowId = Math.floor(rnd() * 2 ** 52);
  flows.push(new AssembledFlowInfo(flowId, f % 17 === 0 ? 'tcp' : 'udp', 1024 + Math.floor(rnd() * 60000), 53, key.ipVersion, [], 0, key, true));
}
const batch = new SampleBatch(ROWS);
const head = new Uint8Array(12);
for (let i = 0; i < ROWS; i++) {
  for (let k = 0; k < 12; k++) head[k] = Math.floor(rnd() * 256);
  batch.push(flows[i >> 2], i & 1, 1_700_000_000 + (i >> 6), Math.floor(rnd() * 1e9), i & 3, 30 + (i % 400), head, 0, 12, 0);
}

const names = ['/tmp/dnsae-bench.pcap'];
const sink = LineSink.toStream(createWriteStream('/dev/null'), '/dev/null');
const write = format === 'csv' ? writeSampleCsv : writeSampleNdjson;
const t0 = process.hrtime.bigint();
for (let n = 0; n < records; n += ROWS) {
  for (let i = 0; i < ROWS; i++) write(sink, batch, i, names);
  await sink.drain();
}
await sink.close();
const ns = Number(process.hrtime.bigint() - t0) / records;
console.log(`${format}: ${records} records, ${ns.toFixed(0)} ns per record (wall, JIT warm-up included)`);
