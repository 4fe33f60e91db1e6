#!/usr/bin/env node
// Races dnsae's hot path against tcpdump and tshark on the same capture, in one run.
//   npm run bench                                  # builds /tmp/dnsae-bench.pcap (1M packets) if missing
//   npm run bench -- [FILE] [--runs N] [--model DIR] [--skip-tshark] [--skip-ndpi] [--skip-jobs] [--skip-train]
// Every command reads the whole file pinned to CPU 0 (taskset); output goes to /dev/null. Times are
// wall-clock of the whole process (startup included), best of N runs (default 3); the two "in process"
// rows are the same paths run inside one process (scripts/bench/measure-extract.mjs), without start-up. The capture and a
// fallback model are written under /tmp only, never into the repository. The last table runs score with
// --jobs 1 and --jobs N (N: the cores available) in turn on all those cores, on the capture and on the
// capture cut into 4 files (editcap) and on 4 links to the whole capture (four captures' work), with wall time, user+sys CPU seconds and peak RSS of each;
// on the 4 links it also times N separate processes started at once, each on its share: the bound for --jobs N on this host.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBenchCapture } from './bench-capture.mjs';
import { pcapGlobalHeader } from '../lib/pcap-header.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const VALUED = new Set(['--runs', '--model']);
const flag = (name) => args.includes(name);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && VALUED.has(args[i - 1]))) ?? '/tmp/dnsae-bench.pcap';
const runs = Math.max(1, Number(opt('--runs', '3')) || 3);

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(1);
}

const dnsae = join(root, 'dist/cli/main.js');
if (!existsSync(dnsae)) die('dist/ is missing: run `npm run bench` (it builds first) or `npm run build`');
for (const tool of ['taskset', 'tcpdump', ...(flag('--skip-tshark') ? [] : ['tshark'])]) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) die(`${tool} not found (scripts/setup-debian.sh installs it)`);
}
const haveTime = existsSync('/usr/bin/time');

if (!existsSync(file)) {
  // A colleague's shell generator takes precedence if present; the JS one needs only data/benign.
  const sh = join(root, 'scripts/bench/make-bench-capture.sh');
  let built = false;
  if (existsSync(sh)) {
    console.error(`bench: building ${file} with scripts/bench/make-bench-capture.sh`);
    built = spawnSync('bash', [sh, file], { stdio: 'inherit' }).status === 0 && existsSync(file);
    if (!built) console.error('bench: make-bench-capture.sh failed; falling back to scripts/bench/bench-capture.mjs');
  }
  if (!built) {
    console.error(`bench: building ${file} from data/benign with scripts/bench/bench-capture.mjs`);
    buildBenchCapture(file, 1_000_000);
  }
}

// The shipped model if there is one; else train one once from the benign corpus (about 10 s).
let model = opt('--model', join(root, 'models/default'));
let modelNote = 'default model';
if (!existsSync(join(model, 'dnsae.json'))) {
  if (flag('--model')) die(`no model in ${model}`);
  model = '/tmp/dnsae-bench-model';
  modelNote = `model trained from data/benign (${model})`;
  if (!existsSync(join(model, 'dnsae.json'))) {
    console.error(`bench: models/default is absent; training ${model} from data/benign`);
    const benign = ['client', 'load', 'transfer', 'upstream'].map((n) => join(root, 'data/benign', `${n}.pcap`));
    const res = spawnSync('node', [dnsae, 'train', '-o', model, ...benign], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DNSAE_LOG_LEVEL: 'warn' } });
    if (res.status !== 0) die('training the fallback model failed');
  }
}

function packetCount() {
  try {
    const out = execFileSync('capinfos', ['-c', '-M', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /Number of packets:\s+(\d+)/.exec(out);
    if (m) return Number(m[1]);
  } catch {
    // fall through to dnsae's own count
  }
  return NaN;
}

const env = { ...process.env, DNSAE_LOG_LEVEL: 'warn' };

/** One run of `cmd` on the CPUs `cpuList`: wall seconds, peak RSS (MiB), user+sys CPU seconds; undefined when it failed. */
function runOnce(cmd, argv, cpuList = '0') {
  const wrapped = ['taskset', '-c', cpuList, cmd, ...argv];
  const [bin, ...rest] = haveTime ? ['/usr/bin/time', '-f', '%M %U %S', ...wrapped] : wrapped;
  const t0 = process.hrtime.bigint();
  const res = spawnSync(bin, rest, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26, env });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) {
    console.error(`bench: ${cmd} ${argv.join(' ')} exited ${res.status}: ${res.stderr.trim().split('\n').slice(-3).join(' ')}`);
    return undefined;
  }
  if (!haveTime) return { secs, rss: NaN, cpu: NaN };
  const lines = res.stderr.trim().split('\n');
  const [kb, user, sys] = lines[lines.length - 1].split(' ').map(Number);
  return { secs, rss: kb / 1024, cpu: user + sys };
}

/** Best wall time of `runs` runs, the peak RSS seen (MiB) and the CPU seconds of the best run. */
function time(cmd, argv, cpuList = '0') {
  return timeInterleaved([[cmd, argv]], cpuList)[0];
}

/**
 * Several commands run in turn, round after round (a, b, a, b, ...), so that
 * load from other work on the host falls on all of them alike; each one's
 * best wall time, peak RSS and the CPU seconds of its best run.
 */
function timeInterleaved(cmds, cpuList) {
  const out = cmds.map(() => ({ secs: Infinity, rss: NaN, cpu: NaN }));
  for (let r = 0; r < runs; r++) {
    cmds.forEach(([cmd, argv], i) => {
      const o = out[i];
      if (o.failed) return;
      const one = runOnce(cmd, argv, cpuList);
      if (one === undefined) {
        o.failed = true;
        o.secs = NaN;
        return;
      }
      o.rss = Number.isNaN(o.rss) ? one.rss : Math.max(o.rss, one.rss);
      if (one.secs < o.secs) {
        o.secs = one.secs;
        o.cpu = one.cpu;
      }
    });
  }
  return out;
}

/**
 * The hot path without process start-up: scripts/bench/measure-extract.mjs runs
 * it `runs` + 1 times in one process (the first warms the JIT up) and the
 * best run's wall time is taken.
 */
function inProcess(stage) {
  const argv = ['-c', '0', 'node', join(root, 'scripts/bench/measure-extract.mjs'), file, '--runs', String(runs + 1), '--stage', stage];
  if (stage === 'score') argv.push('--model', model);
  const res = spawnSync('taskset', argv, { encoding: 'utf8', maxBuffer: 1 << 26, env });
  const m = /^best: wall (\d+) ms/m.exec(res.stdout ?? '');
  if (res.status !== 0 || !m) {
    console.error(`bench: measure-extract --stage ${stage} failed: ${(res.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`);
    return { secs: NaN, rss: NaN };
  }
  return { secs: Number(m[1]) / 1000, rss: NaN };
}

/**
 * The capture cut into `n` consecutive files under /tmp (editcap -c), for the
 * several-captures rows; undefined without editcap. Kept between runs.
 */
function splitCapture(path, n) {
  const dir = `/tmp/dnsae-bench-parts-${n}`;
  const done = join(dir, 'done');
  if (!existsSync(done)) {
    if (spawnSync('editcap', ['-h'], { stdio: 'ignore' }).error !== undefined) return undefined;
    spawnSync('rm', ['-rf', dir]);
    spawnSync('mkdir', ['-p', dir]);
    const res = spawnSync('editcap', ['-c', String(Math.ceil(packets / n)), path, join(dir, 'part.pcap')], { stdio: 'ignore' });
    if (res.status !== 0) return undefined;
    writeFileSync(done, '');
  }
  return readdirSync(dir).filter((f) => f.endsWith('.pcap')).sort().map((f) => join(dir, f));
}

/**
 * `n` names for the capture (symbolic links under /tmp), for a batch of
 * several whole captures: each is scored as its own input, so four links are
 * four captures' work, where the capture cut in four is one capture's and
 * the workers' start-up weighs on it.
 */
function copyLinks(path, n) {
  const dir = `/tmp/dnsae-bench-copies-${n}`;
  spawnSync('mkdir', ['-p', dir]);
  return Array.from({ length: n }, (_, i) => {
    const link = join(dir, `copy-${i}.pcap`);
    spawnSync('ln', ['-sfn', path, link]);
    return link;
  });
}

/** dnsae's own frame count, so a silently short read cannot pass as fast. */
function dnsaeFrames() {
  const res = spawnSync('node', [dnsae, 'extract', '--format', 'none', file], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, DNSAE_LOG_LEVEL: 'info' } });
  const m = /"frames":(\d+)/.exec(res.stderr);
  return m ? Number(m[1]) : NaN;
}

let packets = packetCount();
const frames = dnsaeFrames();
if (Number.isNaN(packets)) packets = frames;
if (frames !== packets) die(`dnsae read ${frames} frames, the capture has ${packets}`);

// A pcap with a header and no packets: what every extract run pays before its first packet.
const emptyPcap = '/tmp/dnsae-bench-empty.pcap';
writeFileSync(emptyPcap, pcapGlobalHeader(65535));

const rows = [
  ['tcpdump -r FILE -w /dev/null port 53', 'tcpdump', ['-r', file, '-w', '/dev/null', 'port 53']],
  ['dnsae extract of an empty pcap (startup)', 'node', [dnsae, 'extract', '--format', 'none', emptyPcap]],
  ['dnsae extract --format none', 'node', [dnsae, 'extract', '--jobs', '1', '--format', 'none', file]],
  ['dnsae extract -o /dev/null (NDJSON)', 'node', [dnsae, 'extract', '--jobs', '1', '-o', '/dev/null', file]],
  ['dnsae score -o /dev/null (header stage: hybrid)', 'node', [dnsae, 'score', '--jobs', '1', '--model', model, '-d', 'hybrid', '-o', '/dev/null', file]],
  ['dnsae score -o /dev/null (both stages: hybrid + tunnel)', 'node', [dnsae, 'score', '--jobs', '1', '--model', model, '-d', 'both', '-o', '/dev/null', file]],
  ['extract path in process (read, decode, flows; no start-up)', 'in-process', ['all']],
  ['score path in process (extract path + hybrid scoring; no start-up)', 'in-process', ['score']],
];
// Training runs once each (tens of seconds): the header stage alone, then both stages as `dnsae train` does by default.
if (!flag('--skip-train')) {
  rows.push(['dnsae train --no-question (header stage; 1 run)', 'node', [dnsae, 'train', '--no-question', '--summary', 'json', '-o', '/tmp/dnsae-bench-train', file], 1]);
  rows.push(['dnsae train (header + question stage; 1 run)', 'node', [dnsae, 'train', '--summary', 'json', '-o', '/tmp/dnsae-bench-train', file], 1]);
}
if (!flag('--skip-tshark')) rows.push(['tshark -r FILE -Y dns', 'tshark', ['-r', file, '-Y', 'dns']]);
// nDPI's reader classifies every flow (DNS dissection and its DNS risks included): the other DPI engine a SOC runs.
if (!flag('--skip-ndpi') && spawnSync('ndpiReader', ['-h'], { stdio: 'ignore' }).error === undefined) rows.push(['ndpiReader -i FILE', 'ndpiReader', ['-q', '-i', file]]);

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `capture: ${file} (${packets.toLocaleString('en-US')} packets, ${(statSync(file).size / 1e6).toFixed(1)} MB); ${modelNote}; ` +
    `best of ${runs}; node ${process.version}; ${cpu}; ${new Date().toISOString()}`,
);
console.log('');
const results = rows.map(([label, cmd, argv, once]) => {
  const r = { label, ...(cmd === 'in-process' ? inProcess(argv[0]) : once === 1 ? (runOnce(cmd, argv) ?? { secs: NaN, rss: NaN, cpu: NaN }) : time(cmd, argv)) };
  console.error(`bench: ${label}: ${r.secs.toFixed(3)} s`);
  return r;
});
const tcpdump = results[0].secs;
const tshark = results.find((r) => r.label.startsWith('tshark'))?.secs;
const fmt = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
console.log('| command (pinned to CPU 0) | wall s | packets/s | peak RSS MiB | time / tcpdump time | tshark time / time |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  const startupOnly = r.label.includes('startup');
  const pps = startupOnly ? '' : Number.isFinite(r.secs) ? Math.round(packets / r.secs).toLocaleString('en-US') : 'n/a';
  console.log(
    `| ${r.label} | ${fmt(r.secs, 3)} | ${pps} | ${fmt(r.rss, 0)} | ${fmt(r.secs / tcpdump, 2)} | ${tshark === undefined ? 'n/a' : fmt(tshark / r.secs, 1)} |`,
  );
}
const header = results.find((r) => r.label.includes('(header stage'))?.secs;
const both = results.find((r) => r.label.includes('(both stages'))?.secs;
if (header !== undefined && both !== undefined) {
  console.log('');
  console.log(`both stages / header stage alone: ${fmt(both / header, 2)}x (the tunnel stage's cost on this capture)`);
}

// Every core: --jobs 1 and --jobs N side by side, interleaved, on the CPUs this process may use.
const parallel = [];
/** n separate processes on the whole captures, when the bench times them. */
let ceiling;
if (!flag('--skip-jobs') && availableParallelism() > 1) {
  const n = availableParallelism();
  const cpuList = `0-${n - 1}`;
  const parts = splitCapture(file, 4);
  const copies = copyLinks(file, 4);
  const groups = [
    ['score, both stages, one capture (split by stage)', [file]],
    ['score -d hybrid, one capture (split by flow)', [file], ['-d', 'hybrid']],
    ...(parts === undefined ? [] : [['score, both stages, 4 captures (the same packets; split by stage)', parts]]),
    ...(parts === undefined ? [] : [['score -d hybrid, 4 captures (whole to the workers)', parts, ['-d', 'hybrid']]]),
    // Also n separate processes started at once, each on its share of the captures: what this host gives
    // n independent runs, the bound on what --jobs n can reach here.
    ['score, both stages, 4 captures of the whole file (4x the packets; whole to the workers)', copies, [], { apart: copies.length % n === 0 }],
  ];
  for (const [label, inputs, extra = [], { apart: timeApart = false } = {}] of groups) {
    const argv = (jobs, files = inputs) => [dnsae, 'score', '--jobs', String(jobs), '--model', model, ...extra, '-o', '/dev/null', ...files];
    const cmds = [['node', argv(1)], ['node', argv(n)]];
    if (timeApart) {
      const share = inputs.length / n;
      const quote = (a) => `'${a.replaceAll("'", "'\\''")}'`;
      const shareCmd = (k) => ['node', ...argv(1, inputs.slice(k * share, (k + 1) * share))].map(quote).join(' ');
      cmds.push(['sh', ['-c', `${Array.from({ length: n }, (_, k) => `${shareCmd(k)} &`).join(' ')} wait`]]);
    }
    const [one, many, apart] = timeInterleaved(cmds, cpuList);
    parallel.push({ label, n, one, many });
    if (apart !== undefined) ceiling = { n, files: inputs.length, one, apart };
    console.error(`bench: ${label}: --jobs 1 ${one.secs.toFixed(3)} s, --jobs ${n} ${many.secs.toFixed(3)} s${apart === undefined ? '' : `, ${n} processes ${apart.secs.toFixed(3)} s`}`);
  }
  console.log('');
  console.log(`| command (on CPUs ${cpuList}, interleaved) | --jobs 1 wall s | --jobs ${n} wall s | speed-up | --jobs 1 CPU s | --jobs ${n} CPU s | --jobs 1 RSS MiB | --jobs ${n} RSS MiB |`);
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const p of parallel) {
    console.log(
      `| ${p.label} | ${fmt(p.one.secs, 3)} | ${fmt(p.many.secs, 3)} | ${fmt(p.one.secs / p.many.secs, 2)}x | ${fmt(p.one.cpu, 2)} | ${fmt(p.many.cpu, 2)} | ${fmt(p.one.rss, 0)} | ${fmt(p.many.rss, 0)} |`,
    );
  }
  if (ceiling !== undefined) {
    console.log('');
    console.log(
      `${ceiling.n} separate dnsae processes at once, each on ${ceiling.files / ceiling.n} of the ${ceiling.files} whole captures (no --jobs): ` +
        `${fmt(ceiling.apart.secs, 3)} s, ${fmt(ceiling.one.secs / ceiling.apart.secs, 2)}x --jobs 1 (what ${ceiling.n} independent runs reach on this host)`,
    );
  }
}
if (
  results.some((r) => !Number.isFinite(r.secs)) ||
  parallel.some((p) => !Number.isFinite(p.one.secs) || !Number.isFinite(p.many.secs)) ||
  (ceiling !== undefined && !Number.isFinite(ceiling.apart.secs))
)
  process.exit(1);
