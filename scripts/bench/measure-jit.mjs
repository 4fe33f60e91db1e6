#!/usr/bin/env node
// What V8's optimizing compiler does during one whole `dnsae` run: how many functions it compiles
// (and recompiles), their compile time, and every deoptimization with the source line that caused it.
//   npm run build && node scripts/bench/measure-jit.mjs [FILE] [--runs N] [--command extract|score] [--list]
// FILE defaults to the bench capture (/tmp/dnsae-bench.pcap, made by `npm run bench`). Each run is
// `taskset -c 0 node --no-concurrent-recompilation --trace-opt --trace-deopt-verbose dist/cli/main.js
// COMMAND --format none FILE` (score: `-o /dev/null`): compiling on the main thread makes each
// compile's time its own CPU time, not stretched by sharing the pinned core with the main thread.
// Counts are nearly the same from run to run; times move with the host. Prints the median over runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const VALUED = new Set(['--runs', '--command']);
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && VALUED.has(args[i - 1]))) ?? '/tmp/dnsae-bench.pcap';
const runs = Math.max(1, Number(opt('--runs', '3')) || 3);
const command = opt('--command', 'extract');
if (!['extract', 'score'].includes(command)) {
  console.error(`measure-jit: --command must be extract or score, not ${command}`);
  process.exit(2);
}
if (!existsSync(file)) {
  console.error(`measure-jit: ${file} is missing (npm run bench makes it)`);
  process.exit(1);
}
const cli = resolve('dist/cli/main.js');
const cmdArgs = command === 'extract' ? ['extract', '--jobs', '1', '--format', 'none', file] : ['score', '--jobs', '1', '-o', '/dev/null', file];

const COMPILED = /^\[completed (?:optimizing|compiling) \S+ <JSFunction (\S*)[^\]]*\(target TURBOFAN\)( OSR)? - took ([\d.]+), ([\d.]+), ([\d.]+) ms\]/;
const DEOPT = /^\[bailout \(kind: ([^,]+), reason: ([^)]+)\): begin\. deoptimizing \S+ <JSFunction (\S*)/;
const AT = /;;; deoptimize at <([^>]+)>/;

function once() {
  const res = spawnSync(
    'taskset',
    ['-c', '0', process.execPath, '--no-concurrent-recompilation', '--trace-opt', '--trace-deopt-verbose', cli, ...cmdArgs],
    { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, DNSAE_LOG_LEVEL: 'warn' } },
  );
  if (res.status !== 0) {
    console.error(`measure-jit: dnsae exited ${res.status}: ${res.stderr.trim().split('\n').pop()}`);
    process.exit(1);
  }
  const compiles = [];
  const deopts = [];
  let pending;
  for (const line of res.stdout.split('\n')) {
    const c = COMPILED.exec(line);
    if (c) {
      compiles.push({ fn: c[1] || '(anonymous)', osr: c[2] !== undefined, ms: Number(c[3]) + Number(c[4]) + Number(c[5]) });
      continue;
    }
    const d = DEOPT.exec(line);
    if (d) {
      pending = { kind: d[1], reason: d[2], fn: d[3] || '(anonymous)', at: '?' };
      deopts.push(pending);
      continue;
    }
    const a = AT.exec(line);
    if (a && pending && pending.at === '?') pending.at = a[1].replace(/^file:\/\/.*?\/dist\//, 'dist/');
  }
  return { compiles, deopts };
}

const results = [];
for (let r = 0; r < runs; r++) results.push(once());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const total = (r) => r.compiles.reduce((s, c) => s + c.ms, 0);
const pick = results.find((r) => total(r) === median(results.map(total)));

console.log(`${command} ${file}, ${runs} run(s), median:`);
console.log(`  optimized compiles: ${median(results.map((r) => r.compiles.length))}`);
console.log(`  distinct functions: ${median(results.map((r) => new Set(r.compiles.map((c) => c.fn)).size))}`);
console.log(`  compile time: ${median(results.map(total)).toFixed(1)} ms`);
console.log(`  deoptimizations: ${median(results.map((r) => r.deopts.length))}`);
console.log(`run with the median compile time:`);
for (const d of pick.deopts) console.log(`  deopt ${d.fn}: ${d.reason} (${d.kind}) at ${d.at}`);
if (args.includes('--list')) {
  const by = new Map();
  for (const c of pick.compiles) {
    const e = by.get(c.fn) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += c.ms;
    by.set(c.fn, e);
  }
  for (const [fn, e] of [...by].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${e.ms.toFixed(1).padStart(6)} ms  ${e.n}x  ${fn}`);
}
