#!/usr/bin/env node
// `dnsae train` on one capture, once, with its phases timed from its own log lines.
//   node scripts/bench/measure-train.mjs [FILE] [--no-question] [-- more train options]
// FILE defaults to the 1,000,000-packet bench capture /tmp/dnsae-bench.pcap
// (scripts/bench/make-bench-capture.sh). The model goes to /tmp/dnsae-measure-train. Prints wall
// seconds, CPU seconds (user + sys) and peak RSS (/usr/bin/time), seconds per phase: reading the
// capture, the header stage (epochs, calibration, writing) and the question stage, and each stage's
// epochs. On a shared host wall time grows with the other jobs; CPU seconds much less.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash >= 0 ? argv.slice(0, dash) : argv;
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const file = own.find((a) => !a.startsWith('--')) ?? '/tmp/dnsae-bench.pcap';
const dnsae = join(root, 'dist/cli/main.js');
if (!existsSync(dnsae)) throw new Error('dist/ is missing: npm run build');
if (!existsSync(file)) throw new Error(`${file} is missing: bash scripts/bench/make-bench-capture.sh ${file}`);
const out = '/tmp/dnsae-measure-train';
const args = [dnsae, 'train', '--summary', 'json', '-o', out, ...(own.includes('--no-question') ? ['--no-question'] : []), ...extra, file];
const haveTime = existsSync('/usr/bin/time');
const [bin, ...rest] = haveTime ? ['/usr/bin/time', '-f', '%e %M %U %S', 'node', ...args] : ['node', ...args];
const t0 = Date.now();
const res = spawnSync(bin, rest, { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, DNSAE_LOG_LEVEL: 'info' } });
const wall = (Date.now() - t0) / 1000;
if (res.status !== 0) {
  console.error(res.stderr.split('\n').slice(-5).join('\n'));
  process.exit(1);
}
const at = {};
const epochs = {};
let summary;
for (const line of res.stderr.split('\n')) {
  if (!line.startsWith('{')) continue;
  const r = JSON.parse(line);
  const key = r.msg === 'training done' ? `${r.msg} ${r.stage_model}` : r.msg;
  at[key] ??= r.time;
  if (r.msg === 'training done') epochs[r.stage_model] = r.epochs;
  if (r.msg === 'train summary') summary = r;
}
const last = res.stderr.trim().split('\n').pop().split(' ');
const rss = haveTime ? Number(last[1]) / 1024 : NaN;
const cpu = haveTime ? Number(last[2]) + Number(last[3]) : NaN;
const s = (a, b) => (at[a] !== undefined && at[b] !== undefined ? ((at[b] - at[a]) / 1000).toFixed(1) : 'n/a');
const headerEnd = at['question windows collected'] !== undefined ? 'question windows collected' : 'train summary';
console.log(`capture ${file}: ${summary.stats.frames.toLocaleString('en-US')} packets, ${summary.stats.samples_collected.toLocaleString('en-US')} samples`);
console.log(`wall ${wall.toFixed(1)} s, CPU ${cpu.toFixed(1)} s (user + sys), peak RSS ${rss.toFixed(0)} MiB`);
console.log(`  start-up and backend   ${((at['tensorflow backend'] - t0) / 1000).toFixed(1)} s`);
console.log(`  reading                ${s('tensorflow backend', 'training samples collected')} s`);
console.log(`  header stage           ${s('training samples collected', headerEnd)} s (${epochs['header stage']} epochs in ${s('training samples collected', 'training done header stage')} s)`);
if (at['question windows collected'] !== undefined) console.log(`  question stage         ${s('question windows collected', 'train summary')} s (${epochs['question stage']} epochs)`);
console.log(`model ${summary.model.id} threshold ${summary.model.threshold}${summary.question_model ? `; question ${summary.question_model.id} threshold ${summary.question_model.threshold}` : ''}`);
