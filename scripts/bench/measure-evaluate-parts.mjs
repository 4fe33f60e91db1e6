#!/usr/bin/env node
// What each part of `dnsae evaluate --jobs N` costs (src/run/evaluate-shares.ts), each part run alone in
// this process (no worker threads, no start-up), against one whole run, on the inputs of the README's
// evaluate command of the question stage:
//   npm run build && node scripts/bench/measure-evaluate-parts.mjs [--jobs N] [--no-tunnel]
// Prints per run: CPU seconds (user+sys of this process), header-stage rows and question-stage windows;
// the parts' rows must add up to the whole run's or the script fails.
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const jobsAt = args.indexOf('--jobs');
const jobs = jobsAt >= 0 ? Math.max(2, Number(args[jobsAt + 1]) || 2) : 2;
const tunnelStage = !args.includes('--no-tunnel');
const list = (dir) =>
  readdirSync(join(root, dir))
    .filter((f) => !f.endsWith('.md') && !f.endsWith('.tsv'))
    .sort()
    .map((f) => join(root, dir, f));
const inputs = {
  benign: [...list('data/hard-benign/test').filter((f) => f.endsWith('.pcap')), ...list('data/population/test'), ...list('../shared/corpus/benign')],
  anomalous: [],
  tunnels: [...list('data/tunnel'), ...list('../shared/corpus/anomalous/in-protocol-tunnel')],
};
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { runEvaluatePart } = await load('run/evaluate.js');
const { partSpec } = await load('run/evaluate-shares.js');
const { DEFAULT_PIPELINE_OPTIONS } = await load('pipeline.js');
const { openScorer, openQuestionModel } = await load('scoring/open-scorer.js');
const { pino } = await import('pino');

const log = pino({ level: 'silent' });
const scorer = await openScorer();
const model = tunnelStage ? await openQuestionModel() : undefined;
const o = {
  scorer,
  pipeline: DEFAULT_PIPELINE_OPTIONS,
  ...(model === undefined ? {} : { tunnel: { model, domains: {}, maxWindows: 65_536, allowDomains: new Set() } }),
};

async function once(spec) {
  const c0 = process.cpuUsage();
  const part = await runEvaluatePart(inputs, o, log, spec);
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, rows: part.samples.count, windows: part.collected?.windows.count ?? 0 };
}

await once(undefined); // JIT warm-up
const whole = await once(undefined);
console.log(`one run: ${whole.cpu.toFixed(3)} s CPU, ${whole.rows} rows, ${whole.windows} windows`);
let rows = 0;
for (let k = 0; k < jobs; k++) {
  const r = await once(partSpec(k, jobs, tunnelStage));
  rows += r.rows;
  console.log(`part ${k} of ${jobs}: ${r.cpu.toFixed(3)} s CPU, ${r.rows} rows, ${r.windows} windows`);
}
if (rows !== whole.rows) {
  console.error(`measure-evaluate-parts: the parts have ${rows} rows, one run ${whole.rows}`);
  process.exit(1);
}
