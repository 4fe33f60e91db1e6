// Compares feature encodings, conditioning, dedupe and model sizes for the
// autoencoder. Usage (after `npx tsc -p tsconfig.build.json`):
//   node scripts/model/model-experiments.mjs [--corpus ../shared/corpus] [--extra data/benign] [--only name,name] [--bench]
// Benign files are split by file (every 4th file, sorted by name, is test),
// so the FPR column is measured on captures the model never saw.
import { readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { extractSamples, toTrainingSet } from './model-samples.mjs';
import { selectBackend } from '../../dist/model/backend.js';
import { trainAutoencoder } from '../../dist/model/train.js';
import { calibrateThreshold } from '../../dist/model/calibrate.js';
import { denseWeightsOf } from '../../dist/model/dense-weights.js';
import { FusedScorer } from '../../dist/scoring/fused-scorer.js';
import { FEATURE_VERSION } from '../../dist/features/encode.js';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const corpus = opt('--corpus', path.resolve('../shared/corpus'));
const extra = opt('--extra', 'data/benign');
const only = opt('--only', '')?.split(',').filter(Boolean);
const EXCLUDED = new Set(['zeek__mdns.pcap', 'suricata__llmnr-udp.pcap', 'tcpdump__dns_tcp_8053.pcap', 'tcpdump__dns_udp_8053.pcap', 'ndpi__netbios-nbns.pcapng']);

const captures = (dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(pcap|pcapng|cap)$/.test(f) && statSync(path.join(dir, f)).isFile() && !EXCLUDED.has(f))
        .sort()
        .map((f) => path.join(dir, f))
    : [];

// Corpus files are many small captures: split by file. The generated
// captures (--extra) are a few large files: split by flow (hash of the flow
// key), so test flows are still never seen in training.
const corpusFiles = captures(path.join(corpus, 'benign'));
const extraFiles = captures(extra);
const trainFiles = corpusFiles.filter((_, i) => i % 4 !== 3);
const testFiles = corpusFiles.filter((_, i) => i % 4 === 3);
const load = (files, mode) => files.flatMap((f) => extractSamples(f, mode));
const flowBucket = (key) => {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % 4;
};
const t0 = performance.now();
const extraSamples = load(extraFiles, 'dns53');
const benignTrain = [...load(trainFiles, 'dns53'), ...extraSamples.filter((s) => flowBucket(s.flow) !== 3)];
const benignTest = [...load(testFiles, 'dns53'), ...extraSamples.filter((s) => flowBucket(s.flow) === 3)];
const anomalous = load(captures(path.join(corpus, 'anomalous')), 'dns53');
const foreign = load(captures(path.join(corpus, 'foreign')), 'foreign');
const tunnel = load(captures(path.join(corpus, 'anomalous/in-protocol-tunnel')), 'dns53');
console.error(`extracted in ${((performance.now() - t0) / 1000).toFixed(1)} s: benign train ${benignTrain.length} (${trainFiles.length} corpus files + ${extraFiles.length} generated, by flow), test ${benignTest.length} (${testFiles.length} files), anomalous ${anomalous.length}, foreign ${foreign.length}, tunnel ${tunnel.length}`);

const backend = await selectBackend('auto');
const base = { featureVersion: FEATURE_VERSION, encoding: 'bits', maskId: true, conditioning: true, lengthInput: false };
const configs = [
  { name: 'pure8-bytes', spec: { ...base, encoding: 'bytes', maskId: false, conditioning: false } },
  { name: 'bytes-maskid', spec: { ...base, encoding: 'bytes', conditioning: false } },
  { name: 'bits-keepid', spec: { ...base, maskId: false, conditioning: false } },
  { name: 'bits-maskid', spec: { ...base, conditioning: false } },
  { name: 'bits-maskid-cond', spec: { ...base } },
  { name: 'bits-maskid-cond-len', spec: { ...base, lengthInput: true } },
  { name: 'bytes-maskid-cond-len', spec: { ...base, encoding: 'bytes', lengthInput: true } },
  { name: 'bits-maskid-split4', spec: { ...base, conditioning: false }, split: true },
  { name: 'dedupe-none', spec: { ...base }, dedupe: 'none' },
  { name: 'dedupe-sqrt', spec: { ...base }, dedupe: 'sqrt' },
  { name: 'dedupe-unique', spec: { ...base }, dedupe: 'unique' },
  { name: 'arch-16-4', spec: { ...base }, arch: { hidden: 16, bottleneck: 4 } },
  { name: 'arch-64-16', spec: { ...base }, arch: { hidden: 64, bottleneck: 16 } },
].filter((c) => !only?.length || only.includes(c.name));

const group = (s) => s.transport * 2 + s.direction;
const trainOpts = { seed: 7, epochs: 300, batchSize: 128, validationFraction: 0.2, patience: 25 };
if (argv.includes('--bench')) {
  await bench();
  process.exit(0);
}

async function fit(cfg, samples) {
  const r = await trainAutoencoder(toTrainingSet(samples), { ...trainOpts, spec: cfg.spec, ...(cfg.dedupe ? { dedupe: cfg.dedupe } : {}), ...(cfg.arch ? { arch: cfg.arch } : {}) });
  const cal = calibrateThreshold(r.heldOutLosses, 0.001);
  const scorer = FusedScorer.fromModel({ meta: { spec: cfg.spec, threshold: cal.threshold, modelId: 'experiment00' }, layers: denseWeightsOf(r.model) }, { cacheSize: 0 });
  r.model.dispose();
  return { r, cal, scorer };
}

function losses(scorer, samples) {
  const set = toTrainingSet(samples);
  const out = new Float32Array(set.count);
  scorer.scoreSet(set, out);
  return out;
}

const rows = [];
for (const cfg of configs) {
  const started = performance.now();
  // models[g] scores group g; one shared model unless split per transport/direction.
  const models = [];
  let info;
  if (cfg.split) {
    for (let g = 0; g < 4; g++) {
      const part = benignTrain.filter((s) => group(s) === g);
      models.push(part.length >= 10 ? await fit(cfg, part) : undefined);
    }
    info = { epochs: models.map((m) => m?.r.bestEpoch ?? '-').join('/'), unique: models.reduce((n, m) => n + (m?.r.uniqueSamples ?? 0), 0) };
  } else {
    const m = await fit(cfg, benignTrain);
    for (let g = 0; g < 4; g++) models.push(m);
    info = { epochs: `${m.r.bestEpoch}/${m.r.epochsRun}`, unique: m.r.uniqueSamples };
  }
  const seconds = (performance.now() - started) / 1000;
  const alerts = (samples) => {
    const flags = new Uint8Array(samples.length);
    for (let g = 0; g < 4; g++) {
      const m = models[g];
      const idx = [];
      samples.forEach((s, i) => group(s) === g && idx.push(i));
      if (!idx.length) continue;
      if (!m) { for (const i of idx) flags[i] = 1; continue; } // no model for this group: everything is unknown
      const l = losses(m.scorer, idx.map((i) => samples[i]));
      idx.forEach((i, k) => (flags[i] = l[k] > m.cal.threshold ? 1 : 0));
    }
    return flags;
  };
  const rate = (samples) => {
    const f = alerts(samples);
    const flows = new Map();
    samples.forEach((s, i) => flows.set(s.flow, (flows.get(s.flow) ?? 0) | f[i]));
    const perFlow = [...flows.values()];
    return { sample: f.reduce((a, b) => a + b, 0) / Math.max(1, f.length), flow: perFlow.reduce((a, b) => a + b, 0) / Math.max(1, perFlow.length), n: f.length, flows: perFlow.length };
  };
  const fpr = rate(benignTest);
  const an = rate(anomalous);
  const fo = rate(foreign);
  const tu = rate(tunnel);
  const pct = (x) => (100 * x).toFixed(1) + '%';
  const row = {
    config: cfg.name,
    'test FPR/sample': pct(fpr.sample),
    'test FPR/flow': pct(fpr.flow),
    'anomalous det sample/flow': `${pct(an.sample)} / ${pct(an.flow)}`,
    'foreign det sample/flow': `${pct(fo.sample)} / ${pct(fo.flow)}`,
    'tunnel alert sample': pct(tu.sample),
    unique: info.unique,
    'best/run epochs': info.epochs,
    'train s': seconds.toFixed(1),
    threshold: models[0]?.cal.threshold.toPrecision(3),
  };
  rows.push(row);
  console.error(JSON.stringify(row));
}
console.log(`benign train ${benignTrain.length} samples (${trainFiles.length} corpus files + 3/4 of the flows of ${extraFiles.length} generated files); benign test ${benignTest.length} samples (${testFiles.length} corpus files + the other flows); anomalous ${anomalous.length}; foreign ${foreign.length}; tunnel ${tunnel.length}; backend ${backend}\n`);
const cols = Object.keys(rows[0] ?? {});
console.log(`| ${cols.join(' | ')} |\n|${cols.map(() => ' --- ').join('|')}|`);
for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(' | ')} |`);

// Throughput of the scoring path on real DNS headers: fused pass with and
// without the score cache, against tfjs predict on the same rows.
async function bench() {
  const { SampleBatch } = await import('../../dist/flow/sample.js');
  const { encodeRows, predictLosses } = await import('../../dist/model/train.js');
  const spec = { ...base };
  const samples = [...benignTrain, ...benignTest];
  const r = await trainAutoencoder(toTrainingSet(benignTrain), { ...trainOpts, spec });
  const layers = denseWeightsOf(r.model);
  const flows = [{ transport: 'udp' }, { transport: 'tcp' }];
  const batch = new SampleBatch(4096);
  const fill = (start) => {
    batch.clear();
    for (let k = 0; k < batch.capacity; k++) {
      const s = samples[(start + k) % samples.length];
      batch.push(flows[s.transport], s.direction, 0, 0, 0, s.payloadLength, s.head, 0, s.headLen, 0);
    }
  };
  const total = 1 << 20;
  const losses = new Float32Array(batch.capacity);
  const perByte = new Float32Array(batch.capacity * 8);
  const out = [];
  for (const [name, cacheSize] of [['fused, no cache', 0], ['fused, cache 16384', 16384]]) {
    const scorer = FusedScorer.fromModel({ meta: { spec, threshold: 1, modelId: 'bench0000000' }, layers }, { cacheSize });
    fill(0);
    scorer.score(batch, losses, perByte); // warm-up
    let ns = 0n;
    for (let done = 0; done < total; done += batch.capacity) {
      fill(done); // refill outside the timed region
      const t = process.hrtime.bigint();
      scorer.score(batch, losses, perByte);
      ns += process.hrtime.bigint() - t;
    }
    const rate = total / (Number(ns) / 1e9);
    // Hit rate of one cold pass over the real samples in capture order.
    let cold = '-';
    if (scorer.cache) {
      scorer.cache.clear();
      for (let done = 0; done < samples.length; done += batch.capacity) {
        fill(done);
        batch.count = Math.min(batch.capacity, samples.length - done);
        scorer.score(batch, losses, perByte);
      }
      cold = (100 * scorer.cache.hitRate).toFixed(1) + '%';
    }
    out.push(`| ${name} | ${(rate / 1e6).toFixed(2)} M samples/s | ${cold} |`);
  }
  const set = toTrainingSet(samples);
  const rows = encodeRows(set, Uint32Array.from({ length: set.count }, (_, i) => i), spec, 'none');
  const reps = Math.max(1, Math.ceil(65536 / rows.n));
  const t = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) predictLosses(r.model, rows.x, rows.n, spec);
  const rate = (reps * rows.n) / (Number(process.hrtime.bigint() - t) / 1e9);
  out.push(`| tfjs predict (${backend}, chunks of 8192) | ${(rate / 1e6).toFixed(3)} M samples/s | - |`);
  console.log(`real benign headers: ${samples.length} samples cycled to ${total}; model ${JSON.stringify(r.arch)}\n\n| path | throughput (cycled) | cache hit rate (one cold pass) |\n| --- | --- | --- |\n${out.join('\n')}`);
}
