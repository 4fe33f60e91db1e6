import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { WeirdCounters } from '../../src/decode/weirds.js';
import { DEFAULT_REGISTERED_DOMAIN_OPTIONS } from '../../src/features/question/registered-domain.js';
import { FlowAssembler } from '../../src/flow/flow-assembler.js';
import { MESSAGE_KEEP_BYTES } from '../../src/flow/sample.js';
import type { QuestionModel } from '../../src/model/question/question-model.js';
import { LineSink } from '../../src/output/ndjson-sink.js';
import { DEFAULT_PIPELINE_OPTIONS, runFiles } from '../../src/pipeline.js';
import { openScoreRun, openTunnelStage, type ScoreRunOptions, type TunnelRunOptions } from '../../src/run/score.js';
import { DEFAULT_ALERT_POLICY } from '../../src/scoring/alert-policy.js';
import { openQuestionModel } from '../../src/scoring/open-scorer.js';
import { ROOT } from '../golden/run-cli.js';

// The stage split of `score --jobs 2` (src/run/stage-split.ts) without its thread: each delivered batch's
// rows, packed by the reading run's lane, replayed into a second assembler's lane and tunnel stage.

const log = pino({ level: 'silent' });
const FIXTURES = join(ROOT, 'test/fixtures');
const CAPTURES = [
  ...(readdirSync(FIXTURES, { recursive: true }) as string[]).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => `test/fixtures/${f}`),
  'data/sample/mixed.pcap',
].sort();

let model: QuestionModel;
beforeAll(async () => {
  model = (await openQuestionModel())!;
});

function collecting(): { out: LineSink; lines: () => string[] } {
  const parts: Buffer[] = [];
  const out = LineSink.toStream(new Writable({ write: (c: Buffer, _e, done) => (parts.push(Buffer.from(c)), done()) }), '<test>');
  return { out, lines: () => Buffer.concat(parts).toString('utf8').split('\n').filter((l) => l !== '') };
}

function tunnelOptions(maxWindows: number): TunnelRunOptions {
  return { model, domains: {}, maxWindows, allowDomains: new Set<string>() };
}

function runOptions(maxWindows: number, batchSize: number): ScoreRunOptions {
  return {
    mode: undefined,
    scorer: undefined,
    ruleMask: undefined,
    policy: DEFAULT_ALERT_POLICY,
    all: true,
    pipeline: { ...DEFAULT_PIPELINE_OPTIONS, batchSize },
    tunnel: tunnelOptions(maxWindows),
  };
}

/** One run's question-stage records (every window, --all) and counters. */
async function oneRun(files: string[], maxWindows: number, batchSize: number): Promise<{ lines: string[]; stats: Record<string, unknown> }> {
  const { out, lines } = collecting();
  const run = openScoreRun(files, out, runOptions(maxWindows, batchSize), log);
  const { errors } = await runFiles(files, run.pipeline, log, (i) => run.endSource(i));
  await out.close();
  return { lines: lines(), stats: run.result(errors).stats };
}

/** The same run with its rows packed and replayed into a stage of another assembler. */
async function replayed(files: string[], maxWindows: number, batchSize: number): Promise<{ lines: string[]; stats: Record<string, unknown>; batches: number }> {
  const { out, lines } = collecting();
  const weirds = new WeirdCounters();
  let batches = 0;
  const replay = new FlowAssembler(
    {
      maxFlows: 1,
      batchSize,
      keepMessageBytes: MESSAGE_KEEP_BYTES,
      questionWindows: maxWindows,
      questionCacheSize: DEFAULT_REGISTERED_DOMAIN_OPTIONS.cacheSize,
      packQuestionRows: true,
    },
    (b) => stage.onBatch(b),
    weirds,
  );
  const { stage, policy } = openTunnelStage(tunnelOptions(maxWindows), DEFAULT_ALERT_POLICY, out, true, files, weirds, undefined, replay.questionLane);
  expect(stage.extractor.inLane).toBe(true);
  const run = openScoreRun(
    files,
    collecting().out,
    {
      ...runOptions(maxWindows, batchSize),
      tunnelThread: {
        onBatch(packed) {
          batches++;
          // A copy, as the thread gets one: the view is the lane's and changes with the next batch.
          expect(replay.replayQuestionRows(packed.slice())).toBe(true);
        },
        endSource: (next) => stage.endSource(next),
      },
    },
    log,
  );
  const { errors } = await runFiles(files, run.pipeline, log, (i) => run.endSource(i));
  for (const [name, n] of Object.entries(weirds.toJSON())) run.pipeline.weirds.inc(name as never, n);
  await out.close();
  const r = run.result(errors, { stats: stage.stats(), alerting: { ...policy.counters }, alerts: policy.counters.alerts, modelId: stage.modelId });
  return { lines: lines(), stats: r.stats, batches };
}

describe('question-stage rows packed in one lane and replayed in another', () => {
  it('has captures with windows to compare', async () => {
    expect(CAPTURES.length).toBeGreaterThan(90);
    const r = await oneRun(['data/sample/mixed.pcap'], 65_536, 4096);
    expect(r.lines.filter((l) => l.includes('"dns_ae_window"')).length).toBeGreaterThan(10);
  });

  it.each(CAPTURES)('%s: every window record and counter of one run', async (file) => {
    const a = await oneRun([file], 65_536, 4096);
    const b = await replayed([file], 65_536, 4096);
    expect(b.lines).toEqual(a.lines);
    expect(b.stats).toEqual(a.stats);
  });

  it('small batches and a full window table, over several inputs in a row, give one run\'s records and counters', async () => {
    const files = ['data/sample/mixed.pcap', 'test/fixtures/anomalous/in-protocol-tunnel/ndpi__dns-tunnel-iodine.pcap', 'test/fixtures/benign/tcpdump__dns_tcp.pcap'];
    const a = await oneRun(files, 16, 64);
    const b = await replayed(files, 16, 64);
    expect(b.batches).toBeGreaterThan(10);
    expect((a.stats.tunnel as Record<string, number>).windows_evicted).toBeGreaterThan(0);
    expect(b.lines).toEqual(a.lines);
    expect(b.stats).toEqual(a.stats);
  });
});
