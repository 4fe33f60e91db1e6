#!/usr/bin/env node
// Races dnsae's hot path against tcpdump and tshark on the same capture, in one run.
//   npm run bench                 # builds /tmp/dnsae-bench.pcap (~1M packets) if missing
//   npm run bench -- FILE [--runs N] [--skip-tshark]
// Each tool reads the whole file, pinned to CPU 0 with taskset; dnsae's output goes to /dev/null so only the
// read-decode-assemble-featurize-infer path is timed. The best of N runs is kept.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--runs'))) ?? '/tmp/dnsae-bench.pcap';
const runs = Number(opt('--runs', '3'));

if (!existsSync(file)) {
  console.error(`bench: building ${file} with scripts/make-bench-capture.sh`);
  execFileSync('bash', [join(root, 'scripts/make-bench-capture.sh'), file], { stdio: 'inherit' });
}

function count(file) {
  const out = execFileSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  const m = /Number of packets:\s+(\d+)/.exec(out);
  return m ? Number(m[1]) : NaN;
}

function time(cmd, argv) {
  let best = Infinity;
  let peakRss = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    // Pinned to one core: the targets are per core, and it keeps the race fair.
    const res = spawnSync('/usr/bin/time', ['-f', '%M', 'taskset', '-c', '0', cmd, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    if (res.status !== 0) {
      console.error(`bench: ${cmd} ${argv.join(' ')} exited ${res.status}: ${res.stderr.split('\n').slice(-3).join(' ')}`);
      return { secs: NaN, rss: NaN };
    }
    const lines = res.stderr.trim().split('\n');
    peakRss = Math.max(peakRss, Number(lines[lines.length - 1]) / 1024);
    best = Math.min(best, secs);
  }
  return { secs: best, rss: peakRss };
}

const packets = count(file);
const dnsae = join(root, 'dist/cli/main.js');
const model = join(root, 'models/default');
const env = { ...process.env, DNSAE_LOG_LEVEL: 'warn' };
process.env.DNSAE_LOG_LEVEL = 'warn';
const rows = [
  ['tcpdump -r FILE -w /dev/null port 53', 'tcpdump', ['-r', file, '-w', '/dev/null', 'port 53']],
  ['dnsae extract --format none', 'node', [dnsae, 'extract', '--format', 'none', file]],
  ['dnsae extract (NDJSON to /dev/null)', 'node', [dnsae, 'extract', '-o', '/dev/null', file]],
  ['dnsae score (default model, hybrid)', 'node', [dnsae, 'score', '--model', model, '-o', '/dev/null', file]],
];
if (!flag('--skip-tshark')) rows.push(['tshark -r FILE -Y dns', 'tshark', ['-r', file, '-Y', 'dns']]);

console.log(`capture: ${file} (${packets} packets, ${(statSync(file).size / 1e6).toFixed(1)} MB), best of ${runs} run(s), ${new Date().toISOString()}`);
const results = rows.map(([label, cmd, argv]) => ({ label, ...time(cmd, argv) }));
const tcpdump = results[0].secs;
const tshark = results.find((r) => r.label.startsWith('tshark'))?.secs;
console.log('| command | wall s | packets/s | peak RSS MiB | x tcpdump time | tshark time / this |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  const pps = packets / r.secs;
  console.log(
    `| ${r.label} | ${r.secs.toFixed(3)} | ${Math.round(pps).toLocaleString('en-US')} | ${r.rss.toFixed(0)} | ${(r.secs / tcpdump).toFixed(2)} | ${tshark ? (tshark / r.secs).toFixed(1) : 'n/a'} |`,
  );
}
