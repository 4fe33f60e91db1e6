#!/usr/bin/env node
// What each half of `score --jobs 2` split by stage (src/run/stage-split.ts) costs, each run alone in this
// process (no worker thread, no start-up, JIT warm), against one run of the header stage and of both stages:
//   npm run build && node scripts/bench/measure-stage-split.mjs [FILE] [--rounds N]
// FILE defaults to the bench capture (/tmp/dnsae-bench.pcap). The reading half is the header stage with the
// rows decoded and packed (the copy to the thread left out); the question half replays those packs into a
// lane and tunnel stage of its own, as the question thread does. Prints the least CPU seconds (user+sys of
// this process) of N interleaved rounds (default 4) and the packs' size; the question half's windows must
// be one run's or the script fails.
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { values, positionals } = parseArgs({ options: { rounds: { type: 'string', default: '4' } }, allowPositionals: true });
const file = positionals[0] ?? '/tmp/dnsae-bench.pcap';
const rounds = Math.max(1, Number(values.rounds) || 4);
if (!existsSync(file)) {
  console.error(`measure-stage-split: ${file} is missing (npm run bench makes /tmp/dnsae-bench.pcap)`);
  process.exit(1);
}
const { pino } = await import('pino');
const { LineSink } = await dist('output/ndjson-sink.js');
const { DEFAULT_PIPELINE_OPTIONS, runFiles } = await dist('pipeline.js');
const { openScoreRun, openTunnelStage } = await dist('run/score.js');
const { DEFAULT_ALERT_POLICY } = await dist('scoring/alert-policy.js');
const { openQuestionModel, openScorer } = await dist('scoring/open-scorer.js');
const { FlowAssembler } = await dist('flow/flow-assembler.js');
const { WeirdCounters } = await dist('decode/weirds.js');
const { MESSAGE_KEEP_BYTES } = await dist('flow/sample.js');
const { DEFAULT_REGISTERED_DOMAIN_OPTIONS } = await dist('features/question/registered-domain.js');

const log = pino({ level: 'silent' });
const scorer = await openScorer();
const model = await openQuestionModel();
const sink = () => LineSink.toStream(new Writable({ write: (_c, _e, done) => done() }), '<none>');
const tunnel = { model, domains: {}, maxWindows: 65_536, allowDomains: new Set() };
const base = { mode: 'hybrid', scorer, ruleMask: undefined, policy: DEFAULT_ALERT_POLICY, all: false, pipeline: { ...DEFAULT_PIPELINE_OPTIONS } };

async function run(o) {
  const r = openScoreRun([file], sink(), o, log);
  await runFiles([file], r.pipeline, log, (i) => r.endSource(i));
  const stats = r.result([]).stats;
  r.pipeline.release();
  return stats;
}

let packs = [];
const kept = [];
let oneRunWindows = 0;
let replayWindows = 0;
const steps = {
  'header stage alone (-d hybrid)': () => run(base),
  'both stages, one run': async () => {
    oneRunWindows = (await run({ ...base, tunnel })).tunnel.windows_scored;
  },
  'reading half: header stage, rows decoded and packed': async () => {
    // Each batch's pack is copied into a buffer kept from the round before, as the run reuses the buffers
    // the thread gives back: a fresh buffer per batch would count its page faults here.
    let k = 0;
    await run({
      ...base,
      tunnel,
      tunnelThread: {
        onBatch: (p) => {
          let b = kept[k];
          if (b === undefined || b.length < p.length) b = kept[k] = new Uint8Array(p.length + 65_536);
          b.set(p);
          packs[k++] = b.subarray(0, p.length);
        },
        endSource: () => undefined,
      },
    });
    packs.length = k;
  },
  'question half: the packs replayed': () => {
    const weirds = new WeirdCounters();
    let stage;
    const a = new FlowAssembler(
      { maxFlows: 1, batchSize: DEFAULT_PIPELINE_OPTIONS.batchSize, keepMessageBytes: MESSAGE_KEEP_BYTES, questionWindows: 65_536, questionCacheSize: DEFAULT_REGISTERED_DOMAIN_OPTIONS.cacheSize, packQuestionRows: true },
      (b) => stage.onBatch(b),
      weirds,
    );
    ({ stage } = openTunnelStage(tunnel, DEFAULT_ALERT_POLICY, sink(), false, [file], weirds, undefined, a.questionLane));
    for (const p of packs) if (!a.replayQuestionRows(p)) throw new Error('a pack could not be replayed');
    stage.endSource(1);
    replayWindows = stage.stats().windows_scored;
    a.release();
  },
};
const least = new Map();
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of Object.entries(steps)) {
    const c = process.cpuUsage();
    await f();
    const d = process.cpuUsage(c);
    const s = (d.user + d.system) / 1e6;
    least.set(name, Math.min(least.get(name) ?? Infinity, s));
  }
}
if (replayWindows !== oneRunWindows || oneRunWindows === 0) {
  console.error(`measure-stage-split: the replay scored ${replayWindows} windows, one run ${oneRunWindows}`);
  process.exit(1);
}
console.log(`CPU seconds, least of ${rounds} interleaved rounds, ${file}:`);
for (const [name, s] of least) console.log(`  ${name.padEnd(52)} ${s.toFixed(3)}`);
console.log(`packed rows: ${(packs.reduce((n, p) => n + p.length, 0) / 1e6).toFixed(1)} MB in ${packs.length} batches; ${oneRunWindows} windows scored either way`);
