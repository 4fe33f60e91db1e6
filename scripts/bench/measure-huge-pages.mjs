#!/usr/bin/env node
// What huge pages for the fast lane's memory give (src/flow/huge-pages.ts): `dnsae score -o /dev/null FILE`
// with the header stage alone (-d hybrid) and with both stages, each with DNSAE_HUGE_PAGES=0 (4 KiB pages)
// and without it (the lane's memory advised), in interleaved rounds, each pinned to CPU 0 like
// `npm run bench`. Per variant: least and median wall and CPU seconds (user + system), minor page faults and
// peak RSS (GNU time), and the both-stages / header-stage ratio of each setting.
//   npm run build && node scripts/bench/measure-huge-pages.mjs [FILE] [--rounds 10]
// FILE defaults to the bench capture (/tmp/dnsae-bench.pcap, made by `npm run bench`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { preflight } from '../lib/bench-preflight.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist/cli/main.js');
const { values, positionals } = parseArgs({ options: { rounds: { type: 'string', default: '10' } }, allowPositionals: true });
const rounds = Math.max(1, Number(values.rounds) || 10);
const file = positionals[0] ?? '/tmp/dnsae-bench.pcap';
preflight('measure-huge-pages', { file, cli, tools: ['/usr/bin/time', 'taskset'] });
const { hugePagesAvailable } = await import('../../dist/flow/huge-pages.js');
if (!hugePagesAvailable()) {
  console.error('measure-huge-pages: the huge-pages addon is not built (npm ci builds native/huge-pages) or DNSAE_HUGE_PAGES=0 is set');
  process.exit(1);
}

const variants = [
  ['header stage alone, 4 KiB pages', ['-d', 'hybrid'], '0'],
  ['header stage alone, huge pages', ['-d', 'hybrid'], undefined],
  ['both stages, 4 KiB pages', [], '0'],
  ['both stages, huge pages', [], undefined],
];

function run(extra, huge) {
  const env = { ...process.env };
  if (huge === undefined) delete env.DNSAE_HUGE_PAGES;
  else env.DNSAE_HUGE_PAGES = huge;
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %R %M', 'taskset', '-c', '0', process.execPath, cli, 'score', '--jobs', '1', ...extra, '-o', '/dev/null', file], {
    encoding: 'utf8',
    env,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`score failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  const [wall, user, sys, faults, rssKib] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, faults, rss: rssKib / 1024 };
}

const samples = variants.map(() => []);
for (let k = 0; k < rounds; k++) variants.forEach(([, extra, huge], i) => samples[i].push(run(extra, huge)));

const min = (xs) => Math.min(...xs);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pick = (i, key) => samples[i].map((s) => s[key]);
console.log(`score -o /dev/null ${file}, ${rounds} interleaved rounds, pinned to CPU 0:`);
console.log('| variant | wall s least | wall s median | CPU s least | CPU s median | page faults | peak RSS MiB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
variants.forEach(([label], i) => {
  const f = (key, fn, d) => fn(pick(i, key)).toFixed(d);
  console.log(`| ${label} | ${f('wall', min, 3)} | ${f('wall', median, 3)} | ${f('cpu', min, 3)} | ${f('cpu', median, 3)} | ${f('faults', median, 0)} | ${f('rss', median, 0)} |`);
});
for (const [name, header, both] of [['4 KiB pages', 0, 2], ['huge pages', 1, 3]]) {
  const ratio = (fn) => (fn(pick(both, 'cpu')) / fn(pick(header, 'cpu'))).toFixed(2);
  console.log(`both stages / header stage alone, ${name}: ${ratio(min)}x least, ${ratio(median)}x median CPU time`);
}
