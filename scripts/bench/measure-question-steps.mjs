#!/usr/bin/env node
// Where the question stage's time goes, step by step: the fast lane is compiled once per step with every
// row stopped after that step (wasm/question-lane.ts QUESTION_STOP: 1 counted, 2 decoded, 3 registered
// domain found, 4 in its window with windows closed unscored), and `dnsae score -o /dev/null FILE` runs
// with each build, with the full build and with the header stage alone (-d hybrid), in interleaved
// rounds, each pinned to CPU 0 like `npm run bench`. The figure is the least CPU time (user + system,
// GNU time) of the rounds; a step's cost is its build's figure less the one before.
//   npm run build && node scripts/bench/measure-question-steps.mjs [FILE] [--rounds 5]
// FILE defaults to the bench capture (/tmp/dnsae-bench.pcap, made by `npm run bench`). Each build lives
// in a temporary copy of dist/ beside links to node_modules/ and models/, removed at the end.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import asc from 'assemblyscript/asc';
import { laneAscArgs } from '../build/lane-asc-args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values, positionals } = parseArgs({ options: { rounds: { type: 'string', default: '5' } }, allowPositionals: true });
const rounds = Math.max(1, Number(values.rounds) || 5);
const file = positionals[0] ?? '/tmp/dnsae-bench.pcap';
if (!existsSync(file)) {
  console.error(`measure-question-steps: ${file} is missing (npm run bench makes /tmp/dnsae-bench.pcap)`);
  process.exit(1);
}
if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('measure-question-steps: run npm run build first');
  process.exit(1);
}
for (const tool of ['/usr/bin/time', 'taskset']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`measure-question-steps: ${tool} is missing (Debian: time, util-linux)`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'dnsae-steps-'));
/** A copy of the built tree whose lane stops at `stop` (undefined: the build as it is). */
async function tree(name, stop) {
  const dir = join(work, name);
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(root, 'models'), join(dir, 'models'));
  if (stop !== undefined) {
    const { error, stderr } = await asc.main([...laneAscArgs(join(dir, 'dist/wasm/fast-lane.wasm')), '--use', `QUESTION_STOP_AT=${stop}`], {
      baseDir: root,
    });
    if (error) throw new Error(`asc: ${error.message}\n${stderr.toString()}`);
  }
  return dir;
}

const variants = [
  ['header stage alone (-d hybrid)', await tree('full', undefined), ['-d', 'hybrid']],
  ['both stages, rows counted only', await tree('stop1', 1), []],
  ['+ decoding', await tree('stop2', 2), []],
  ['+ registered domain', await tree('stop3', 3), []],
  ['+ windows (closed unscored)', await tree('stop4', 4), []],
  ['+ features and score (the full stage)', join(work, 'full'), []],
];

function cpuSeconds(dir, extra) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'taskset', '-c', '0', process.execPath, join(dir, 'dist/cli/main.js'), 'score', '--jobs', '1', ...extra, '-o', '/dev/null', file], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`score failed (${dir}): ${r.stderr.split('\n').slice(-3).join(' ')}`);
  const [user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return user + sys;
}

try {
  const best = variants.map(() => Infinity);
  for (let k = 0; k < rounds; k++) {
    variants.forEach(([, dir, extra], i) => {
      best[i] = Math.min(best[i], cpuSeconds(dir, extra));
    });
  }
  console.log(`CPU seconds (user + system), least of ${rounds} interleaved rounds, score -o /dev/null ${file}:`);
  variants.forEach(([label], i) => {
    const step = i === 0 ? '' : `  (${best[i] - best[i - 1] >= 0 ? '+' : ''}${(best[i] - best[i - 1]).toFixed(3)} s)`;
    console.log(`  ${label.padEnd(40)} ${best[i].toFixed(3)}${step}`);
  });
  console.log(`both stages / header stage alone: ${(best[best.length - 1] / best[0]).toFixed(2)}x of CPU time`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
