#!/usr/bin/env node
// What splitting evaluate's inputs by client (the split of score --jobs N on one capture) would change in
// the question stage's windows, on the inputs of the README's evaluate command of the question stage:
// one run of the tunnel stage over every input (as `dnsae score --all -d tunnel --alert-limit 0`), then N
// runs over every input that each assemble only their share of the clients (src/flow/flow-share.ts),
// their dns_ae_window records matched to the one run's by (file, client, registered domain, start).
//   npm run build && node scripts/bench/measure-client-split.mjs [--shares N]
// evaluate --jobs does not split so (src/run/evaluate-shares.ts); this measures why.
import { readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const at = args.indexOf('--shares');
const shares = at >= 0 ? Math.max(2, Number(args[at + 1]) || 2) : 2;
const list = (dir) =>
  readdirSync(join(root, dir))
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => relative(root, join(root, dir, f)));
const inputs = [
  ...list('data/hard-benign/test'),
  ...list('data/population/test'),
  ...list('../shared/corpus/benign'),
  ...list('data/tunnel'),
  ...list('../shared/corpus/anomalous/in-protocol-tunnel'),
];
process.chdir(root);
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { openScoreRun } = await load('run/score.js');
const { runFiles, DEFAULT_PIPELINE_OPTIONS } = await load('pipeline.js');
const { openQuestionModel } = await load('scoring/open-scorer.js');
const { LineSink } = await load('output/ndjson-sink.js');
const { DEFAULT_ALERT_POLICY } = await load('scoring/alert-policy.js');
const { pino } = await import('pino');
const log = pino({ level: 'silent' });
const model = await openQuestionModel();

/** key -> [score, threshold, closed_by] of every dns_ae_window record of one run over every input. */
async function windows(share) {
  const parts = [];
  const out = LineSink.toStream(new Writable({ write: (c, _e, done) => (parts.push(Buffer.from(c)), done()) }), '<windows>');
  const pipeline = { ...DEFAULT_PIPELINE_OPTIONS, ...(share === undefined ? {} : { share }) };
  const o = { mode: undefined, scorer: undefined, ruleMask: undefined, policy: { ...DEFAULT_ALERT_POLICY, limitPerSource: 0 }, all: true, pipeline };
  o.tunnel = { model, domains: {}, maxWindows: 65_536, allowDomains: new Set() };
  const run = openScoreRun(inputs, out, o, log);
  await runFiles(inputs, run.pipeline, log, (i) => run.endSource(i));
  await out.close();
  const m = new Map();
  for (const line of Buffer.concat(parts).toString('utf8').split('\n')) {
    if (!line.includes('"dns_ae_window"')) continue;
    const r = JSON.parse(line);
    const d = r.dnsae;
    m.set(`${r.pcap_filename} ${d.client} ${d.registered_domain} ${d.window.start}`, [d.score, d.threshold, d.window.closed_by]);
  }
  return m;
}

const one = await windows(undefined);
const split = new Map();
for (let index = 0; index < shares; index++) for (const [k, v] of await windows({ index, count: shares, by: 'client' })) split.set(k, v);
let missing = 0;
let scoreDiffers = 0;
let verdictDiffers = 0;
let closedDiffers = 0;
for (const [k, [score, threshold, closed]] of one) {
  const s = split.get(k);
  if (s === undefined) {
    missing++;
    continue;
  }
  if (s[0] !== score) scoreDiffers++;
  if (s[0] > threshold !== score > threshold) verdictDiffers++;
  if (s[2] !== closed) closedDiffers++;
}
console.log(`${inputs.length} inputs; one run: ${one.size} windows; ${shares} client shares: ${split.size} windows`);
console.log(`windows of one run not in the shares: ${missing}; score differs: ${scoreDiffers}; alert differs: ${verdictDiffers}; closed_by differs: ${closedDiffers}`);
