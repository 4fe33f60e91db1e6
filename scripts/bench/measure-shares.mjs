#!/usr/bin/env node
// What each share of a capture split for `score --jobs N` costs, each share run alone in this process
// (no worker threads, no start-up), against the whole capture:
//   npm run build && node scripts/bench/measure-shares.mjs [FILE] [--shares N] [--stage header|both]
// FILE defaults to the bench capture (/tmp/dnsae-bench.pcap). --stage header scores with -d hybrid
// (shares by flow), both (default) adds the question stage (shares by client), as dnsae score does.
// Prints per run: CPU seconds (user+sys of this process) and samples; the shares' samples must add up
// to the whole capture's or the script fails.
import { Writable } from 'node:stream';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const VALUED = new Set(['--shares', '--stage']);
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && VALUED.has(args[i - 1]))) ?? '/tmp/dnsae-bench.pcap';
const shares = Math.max(2, Number(opt('--shares', '2')) || 2);
const stage = opt('--stage', 'both');
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { openScoreRun } = await load('run/score.js');
const { runFiles, DEFAULT_PIPELINE_OPTIONS } = await load('pipeline.js');
const { openScorer, openQuestionModel } = await load('scoring/open-scorer.js');
const { LineSink } = await load('output/ndjson-sink.js');
const { DEFAULT_ALERT_POLICY } = await load('scoring/alert-policy.js');
const { pino } = await import('pino');

const log = pino({ level: 'silent' });
const scorer = await openScorer();
const model = stage === 'both' ? await openQuestionModel() : undefined;

async function once(share) {
  const out = LineSink.toStream(new Writable({ write: (_c, _e, done) => done() }), '<none>');
  const pipeline = { ...DEFAULT_PIPELINE_OPTIONS, ...(share === undefined ? {} : { share }) };
  const o = { mode: 'hybrid', scorer, ruleMask: undefined, policy: DEFAULT_ALERT_POLICY, all: false, pipeline };
  if (model !== undefined) o.tunnel = { model, domains: {}, maxWindows: 65_536, allowDomains: new Set() };
  const c0 = process.cpuUsage();
  const run = openScoreRun([file], out, o, log);
  const { errors } = await runFiles([file], run.pipeline, log, (i) => run.endSource(i));
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, samples: run.result(errors).stats.samples };
}

const by = stage === 'both' ? 'client' : 'flow';
await once(undefined); // JIT warm-up
const whole = await once(undefined);
console.log(`whole capture: ${whole.cpu.toFixed(3)} s CPU, ${whole.samples} samples`);
let sum = 0;
for (let index = 0; index < shares; index++) {
  const r = await once({ index, count: shares, by });
  sum += r.samples;
  console.log(`share ${index} of ${shares} (by ${by}): ${r.cpu.toFixed(3)} s CPU, ${r.samples} samples`);
}
if (sum !== whole.samples) {
  console.error(`measure-shares: the shares have ${sum} samples, the whole capture ${whole.samples}`);
  process.exit(1);
}
