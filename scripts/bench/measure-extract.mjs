#!/usr/bin/env node
// The extract path (read -> decode -> flow -> batches, nothing formatted) run several times in one
// process on one capture, with the garbage collector's share of each run:
//   npm run build && taskset -c 0 node scripts/bench/measure-extract.mjs [FILE] [--runs N] [--dist DIR] [--stage S]
// FILE defaults to the bench capture (/tmp/dnsae-bench.pcap, made by `npm run bench`). The first run
// includes JIT warm-up; process startup is not included (see `npm run bench` for whole-process times).
// Prints per run: wall ms, CPU ms, GC ms (PerformanceObserver 'gc' entries) and packets/s; then the
// median and best run. Every run must see the same frame and sample counts or the script fails.
// --stage read: the capture reader with an empty frame handler; decode: reader + decodeFrame;
// all (default): reader, decoder and flow assembly (the Pipeline, batches dropped); score: all, and each batch scored
// as `dnsae score` does (hybrid detector, default model or --model DIR, alert records to nowhere).
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const VALUED = new Set(['--runs', '--dist', '--stage', '--model']);
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && VALUED.has(args[i - 1]))) ?? '/tmp/dnsae-bench.pcap';
const runs = Math.max(1, Number(opt('--runs', '5')) || 5);
const dist = resolve(opt('--dist', 'dist'));
const stage = opt('--stage', 'all');
if (!['read', 'decode', 'all', 'score'].includes(stage)) {
  console.error(`measure-extract: --stage must be read, decode, all or score, not ${stage}`);
  process.exit(2);
}
if (!existsSync(file)) {
  console.error(`measure-extract: ${file} is missing (npm run bench makes it)`);
  process.exit(1);
}
const load = (m) => import(pathToFileURL(`${dist}/${m}`).href);
const { Pipeline, runFiles, DEFAULT_PIPELINE_OPTIONS } = await load('pipeline.js');
const { createRootLogger } = await load('logger.js');
const { openCapture } = await load('capture/open-capture.js');
const { decodeFrame } = await load('decode/decode-frame.js');
const { newDecodedPacket } = await load('decode/packet.js');
const { WeirdCounters } = await load('decode/weirds.js');

/** The reader alone, or reader and decoder, with the pipeline's counters. */
async function runPartial() {
  const src = await openCapture(file);
  const pkt = newDecodedPacket();
  const weirds = new WeirdCounters();
  const counts = { frames: 0, samples: 0 };
  await src.run(
    stage === 'read'
      ? () => {
          counts.frames++;
        }
      : (frame) => {
          counts.frames++;
          if (decodeFrame(frame, pkt, weirds)) counts.samples++;
        },
  );
  return counts;
}
const log = createRootLogger('silent');

/** The score stage's consumer: what `dnsae score -o /dev/null` runs per batch. */
async function scoreConsumer() {
  const { Writable } = await import('node:stream');
  const { readModelWeights } = await load('model/model-weights.js');
  const { FusedScorer } = await load('scoring/fused-scorer.js');
  const { ScoreConsumer } = await load('scoring/score-consumer.js');
  const { AlertPolicy, DEFAULT_ALERT_POLICY } = await load('scoring/alert-policy.js');
  const { LineSink } = await load('output/ndjson-sink.js');
  const weights = await readModelWeights(resolve(opt('--model', 'models/default')));
  const nowhere = new Writable({ write: (_chunk, _enc, done) => done() });
  return new ScoreConsumer({
    mode: 'hybrid',
    scorer: FusedScorer.fromModel(weights),
    ruleMask: undefined,
    policy: new AlertPolicy(DEFAULT_ALERT_POLICY),
    out: LineSink.toStream(nowhere, '<nowhere>'),
    all: false,
    sourceNames: [file],
  });
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

const rows = [];
let expect;
for (let r = 0; r < runs; r++) {
  const consumer = stage === 'score' ? await scoreConsumer() : { onBatch: () => undefined, drain: () => Promise.resolve() };
  const pipeline = new Pipeline(DEFAULT_PIPELINE_OPTIONS, consumer, log);
  await new Promise((ok) => setImmediate(ok)); // let the observer report earlier GCs
  const gc0 = gcMs;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let counts;
  if (stage === 'all' || stage === 'score') {
    const { errors } = await runFiles([file], pipeline, log);
    if (errors.length > 0) throw errors[0];
    counts = { frames: pipeline.frames, samples: pipeline.samples };
  } else {
    counts = await runPartial();
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await new Promise((ok) => setImmediate(ok));
  const got = `${counts.frames} frames, ${counts.samples} ${stage === 'all' || stage === 'score' ? 'samples' : stage === 'decode' ? 'decoded' : 'counted'}`;
  expect ??= got;
  if (got !== expect) throw new Error(`run ${r}: ${got}, first run: ${expect}`);
  const row = { wall, cpu: (cpu.user + cpu.system) / 1000, gc: gcMs - gc0, pps: counts.frames / (wall / 1000) };
  rows.push(row);
  console.log(`run ${r + 1}: wall ${row.wall.toFixed(0)} ms, cpu ${row.cpu.toFixed(0)} ms, gc ${row.gc.toFixed(0)} ms, ${(row.pps / 1e6).toFixed(2)} M packets/s`);
}
const by = (k) => [...rows].sort((a, b) => a[k] - b[k]);
const med = by('wall')[Math.floor((rows.length - 1) / 2)];
const best = by('wall')[0];
console.log(`${file} (stage ${stage}): ${expect}`);
for (const [label, r] of [['median', med], ['best', best]]) {
  console.log(`${label}: wall ${r.wall.toFixed(0)} ms, cpu ${r.cpu.toFixed(0)} ms, gc ${r.gc.toFixed(0)} ms, ${(r.pps / 1e6).toFixed(2)} M packets/s`);
}
