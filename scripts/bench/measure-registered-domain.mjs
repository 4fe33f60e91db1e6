#!/usr/bin/env node
// Measures the registered-domain lookup on real query names.
//
//   node scripts/bench/measure-registered-domain.mjs [--passes N] [--cache-size N] [capture.pcap ...]
//
// Reads the query names of the captures (default data/benign/*.pcap) once
// with `tshark -T fields -e dns.qry.name`, in capture order, then times in
// process:
//   - a cold pass in capture order: the hit rate a run would see;
//   - warm passes: ns per call when every name is cached (the hot path);
//   - the uncached path (RegisteredDomains.compute: string build + tldts);
//   - tldts alone, per call, on strings built beforehand (parse, getDomain).
// The caller's name hash (FNV-1a here) is computed beforehand, as the
// decoder does. docs/question.md records the output.
//
// The module is bundled from src/ with esbuild (tldts left external), so no
// build of dist/ is needed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { getDomain, parse } from 'tldts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const passes = Math.min(1000, Math.max(1, Number(opt('--passes', '50'))));
const cacheSize = Number(opt('--cache-size', '65536'));
const files = args.length > 0 ? args : readdirSync(join(root, 'data/benign')).filter((f) => f.endsWith('.pcap')).sort().map((f) => join(root, 'data/benign', f));

const outDir = join(root, 'node_modules/.cache/dnsae-bench');
mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, 'registered-domain.mjs');
await build({
  entryPoints: [join(root, 'src/features/question/registered-domain.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outfile: outFile,
  logLevel: 'error',
});
const { RegisteredDomains } = await import(pathToFileURL(outFile).href);

// --- names --------------------------------------------------------------
const names = [];
for (const file of files) {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'dns.qry.name'], {
    encoding: 'latin1',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  for (const line of out.split('\n')) {
    if (line === '') continue; // no question (a TCP segment mid-message, a non-DNS payload)
    for (let n of line.split(',')) {
      n = n.toLowerCase();
      if (n === '<root>') n = '';
      if (n.endsWith('.')) n = n.slice(0, -1);
      names.push(n);
    }
  }
}
if (names.length === 0) throw new Error('no query names in the captures');

function fnv1a(b) {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h | 0;
}
const N = names.length;
const bytes = names.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));
const lens = Int32Array.from(bytes, (b) => b.length);
const labelCounts = Int32Array.from(names, (n) => (n === '' ? 0 : n.split('.').length));
const hashes = Int32Array.from(bytes, fnv1a);
const unique = new Set(names).size;
const longNames = names.filter((n) => n.length > 64).length;

// --- cached -------------------------------------------------------------
const rd = new RegisteredDomains({ cacheSize });
let sink = 0;
for (let i = 0; i < N; i++) sink += rd.labels(bytes[i], lens[i], labelCounts[i], hashes[i]);
const cold = { ...rd.stats };

// Every cached answer must equal the uncached one.
const check = new RegisteredDomains({ cacheSize });
for (let i = 0; i < N; i++) {
  const a = rd.labels(bytes[i], lens[i], labelCounts[i], hashes[i]);
  const b = check.compute(bytes[i], lens[i], labelCounts[i]);
  if (a !== b) throw new Error(`cached ${a} != uncached ${b} for '${names[i]}'`);
}

function time(label, calls, fn) {
  fn(Math.min(calls, N)); // warm-up for the JIT
  const t0 = process.hrtime.bigint();
  fn(calls);
  const ns = Number(process.hrtime.bigint() - t0);
  return { label, calls, nsPerCall: ns / calls };
}
// What the loop itself costs: the same arguments to a function that only returns one.
const noop = (b, len, count, hash) => count;
const loop = time('loop + call baseline (no lookup)', N * passes, (calls) => {
  for (let c = 0, i = 0; c < calls; c++, i = i + 1 === N ? 0 : i + 1) sink += noop(bytes[i], lens[i], labelCounts[i], hashes[i]);
});
const before = { ...rd.stats };
const warm = time('cached, warm (hits)', N * passes, (calls) => {
  for (let c = 0, i = 0; c < calls; c++, i = i + 1 === N ? 0 : i + 1) sink += rd.labels(bytes[i], lens[i], labelCounts[i], hashes[i]);
});
const warmHits = rd.stats.hits - before.hits;
const warmCalls = rd.stats.hits + rd.stats.misses - before.hits - before.misses;

const slowPasses = Math.max(1, Math.ceil(passes / 10));
const uncached = time('uncached (compute: string + tldts + rule)', N * slowPasses, (calls) => {
  for (let c = 0, i = 0; c < calls; c++, i = i + 1 === N ? 0 : i + 1) sink += rd.compute(bytes[i], lens[i], labelCounts[i]);
});
const tldtsOptions = { allowPrivateDomains: true, extractHostname: false, validateHostname: false, mixedInputs: false, detectIp: false };
const tParse = time('tldts parse(), string given', N * slowPasses, (calls) => {
  for (let c = 0, i = 0; c < calls; c++, i = i + 1 === N ? 0 : i + 1) sink += parse(names[i], tldtsOptions).isIcann ? 1 : 0;
});
const tGet = time('tldts getDomain(), string given', N * slowPasses, (calls) => {
  for (let c = 0, i = 0; c < calls; c++, i = i + 1 === N ? 0 : i + 1) sink += (getDomain(names[i], tldtsOptions) ?? '').length;
});

const pct = (a, b) => ((100 * a) / b).toFixed(2);
console.log(`captures: ${files.map((f) => f.replace(root + '/', '')).join(' ')}`);
console.log(`query names: ${N} (${unique} distinct, ${longNames} longer than 64 bytes); cache ${cacheSize} entries`);
console.log(`cold pass in capture order: hit rate ${pct(cold.hits, cold.hits + cold.misses)}% (${cold.hits} hits, ${cold.misses} misses, ${cold.evictions} evictions)`);
console.log(`warm passes: ${passes}, hit rate ${pct(warmHits, warmCalls)}%`);
for (const r of [loop, warm, uncached, tParse, tGet]) console.log(`${r.label.padEnd(44)} ${r.nsPerCall.toFixed(1).padStart(8)} ns/call  (${r.calls} calls)`);
console.log(`cached hit vs tldts parse: ${(tParse.nsPerCall / warm.nsPerCall).toFixed(1)}x faster`);
if (sink === 0.5) console.log(sink); // keeps the loops observable
