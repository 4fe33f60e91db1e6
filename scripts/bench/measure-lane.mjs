#!/usr/bin/env node
// Whole-process wall time of one dnsae command with the fast lane on and off (DNSAE_FAST_LANE=0),
// runs interleaved so that a noisy host slows both alike, each pinned to CPU 0 like `npm run bench`.
// Also checks that both write the same bytes.
//   npm run build && node scripts/bench/measure-lane.mjs [FILE] [--runs 8] [--command extract|score]
// FILE defaults to the bench capture (/tmp/dnsae-bench.pcap, made by `npm run bench`).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Math.max(1, Number(opt('--runs', '8')) || 8);
const command = opt('--command', 'extract');
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? '/tmp/dnsae-bench.pcap';
if (!existsSync(file)) {
  console.error(`measure-lane: ${file} is missing (npm run bench makes /tmp/dnsae-bench.pcap)`);
  process.exit(1);
}
const cli = join(root, 'dist/cli/main.js');
let argv = command === 'score' ? ['score', '--jobs', '1', '--all', '-o', '-', file] : ['extract', '--jobs', '1', '-o', '-', file];
const variants = [
  ['lane on', {}],
  ['lane off (DNSAE_FAST_LANE=0)', { DNSAE_FAST_LANE: '0' }],
];

function once(env) {
  const start = process.hrtime.bigint();
  const r = spawnSync('taskset', ['-c', '0', 'node', cli, ...argv], { env: { ...process.env, DNSAE_LOG_LEVEL: 'warn', ...env }, maxBuffer: 1 << 30 });
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`dnsae ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { s, hash: createHash('sha256').update(r.stdout).digest('hex') };
}

// One untimed run each with every record on stdout (score --all: every sample and its score) checks the bytes.
const hashes = variants.map(([, env]) => once(env).hash);
if (hashes[0] !== hashes[1]) {
  console.error(`measure-lane: output differs with the lane on and off (${hashes[0].slice(0, 12)} / ${hashes[1].slice(0, 12)})`);
  process.exit(1);
}
// Timed as the bench times them: extract --format none, score of alerts only to /dev/null.
argv = command === 'score' ? ['score', '--jobs', '1', '-o', '/dev/null', file] : ['extract', '--jobs', '1', '--format', 'none', file];
const times = variants.map(() => []);
for (let i = 0; i < runs; i++) variants.forEach(([, env], v) => times[v].push(once(env).s));
console.log(`dnsae ${argv.slice(0, -1).join(' ')} ${file}: ${runs} interleaved runs each, pinned to CPU 0; output identical (sha256 ${hashes[0].slice(0, 12)})`);
variants.forEach(([name], v) => {
  const t = times[v].sort((a, b) => a - b);
  console.log(`  ${name.padEnd(30)} median ${t[Math.floor((t.length - 1) / 2)].toFixed(3)} s  range ${t[0].toFixed(3)}-${t[t.length - 1].toFixed(3)} s`);
});
