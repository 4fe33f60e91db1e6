#!/usr/bin/env node
// Times dnsae's startup: whole processes of extract and score on a header-only pcap and on the
// sample capture, next to `node -e 0`, for one or more builds, runs interleaved so that a noisy
// host slows every build alike. Each run is pinned to CPU 0 (taskset) like `npm run bench`.
//   npm run build && node scripts/bench/measure-startup.mjs [--runs 21] [ROOT ...]
// ROOT is a checkout with a built dist/ (default: this one); give two to compare builds, e.g. this
// tree after `npm run build` and a copy built with tsc alone (docs/performance.md, "Startup").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Math.max(1, Number(args[runsAt + 1]) || 21) : 21;
const roots = args.filter((a, i) => !a.startsWith('--') && !(runsAt >= 0 && i === runsAt + 1)).map((r) => resolve(r));
if (roots.length === 0) roots.push(here);
for (const root of roots) {
  if (!existsSync(join(root, 'dist/cli/main.js'))) {
    console.error(`measure-startup: ${root}/dist/cli/main.js is missing: build it first`);
    process.exit(1);
  }
}
const pin = spawnSync('sh', ['-c', 'command -v taskset']).status === 0 ? ['taskset', '-c', '0'] : [];

const tmp = mkdtempSync(join(tmpdir(), 'dnsae-startup-'));
const empty = join(tmp, 'empty.pcap');
// A classic pcap header (little-endian, v2.4, snaplen 65535, Ethernet) and no packets.
writeFileSync(empty, Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex'));
const sample = join(here, 'data/sample/mixed.pcap');

const cases = [{ label: 'node -e 0', argv: [process.execPath, '-e', '0'] }];
for (const root of roots) {
  const cli = [process.execPath, join(root, 'dist/cli/main.js')];
  const tag = roots.length > 1 ? `${root}: ` : '';
  cases.push(
    { label: `${tag}extract --format none, empty pcap`, argv: [...cli, 'extract', '--format', 'none', empty] },
    { label: `${tag}score -o /dev/null, empty pcap`, argv: [...cli, 'score', '-o', '/dev/null', empty] },
    { label: `${tag}extract -o /dev/null, mixed.pcap`, argv: [...cli, 'extract', '-o', '/dev/null', sample] },
    { label: `${tag}score -o /dev/null, mixed.pcap`, argv: [...cli, 'score', '-o', '/dev/null', sample] },
  );
}

const times = cases.map(() => []);
try {
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < cases.length; k++) {
      const j = (k + r) % cases.length; // a different order each round
      const [cmd, ...rest] = [...pin, ...cases[j].argv];
      const t0 = process.hrtime.bigint();
      const res = spawnSync(cmd, rest, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DNSAE_LOG_LEVEL: 'info' } });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.status !== 0) throw new Error(`${cases[j].label}: exit ${res.status}: ${res.stderr}`);
      times[j].push(ms);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const sorted = times.map((t) => [...t].sort((a, b) => a - b));
const width = Math.max(...cases.map((c) => c.label.length));
console.log(`${'command'.padEnd(width)}  median ms  min ms   (${runs} interleaved runs each${pin.length > 0 ? ', CPU 0' : ''})`);
for (let k = 0; k < cases.length; k++) {
  const s = sorted[k];
  console.log(`${cases[k].label.padEnd(width)}  ${s[s.length >> 1].toFixed(1).padStart(9)}  ${s[0].toFixed(1).padStart(6)}`);
}
