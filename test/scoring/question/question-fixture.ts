// A tiny question model trained in the test process on data/benign, and the
// windows of captures collected the way `dnsae train` collects them.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeirdCounters } from '../../../src/decode/weirds.js';
import { RegisteredDomains } from '../../../src/features/question/registered-domain.js';
import { MESSAGE_KEEP_BYTES } from '../../../src/flow/sample.js';
import type { Logger } from '../../../src/logger.js';
import { selectBackend } from '../../../src/model/backend.js';
import { trainQuestionModel, type QuestionTrainResult } from '../../../src/model/question/question-train.js';
import { DEFAULT_PIPELINE_OPTIONS, Pipeline, runFiles } from '../../../src/pipeline.js';
import { WindowCollector } from '../../../src/run/window-collector.js';
import { expect } from 'vitest';
import { F_START, WindowTable } from '../../../src/features/question/window-table.js';
import type { QuestionModel } from '../../../src/model/question/question-model.js';
import type { LineSink } from '../../../src/output/ndjson-sink.js';
import { AlertPolicy, DEFAULT_ALERT_POLICY, type AlertPolicyOptions } from '../../../src/scoring/alert-policy.js';
import { TunnelStage, type TunnelCounters } from '../../../src/scoring/question/tunnel-stage.js';
import { tunnelPolicyOptions } from '../../../src/run/score.js';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const BENIGN = readdirSync(path.join(ROOT, 'data/benign'))
  .filter((f) => f.endsWith('.pcap'))
  .sort()
  .map((f) => path.join(ROOT, 'data/benign', f));

export const silentLog = { debug() {}, info() {}, warn() {}, error() {}, child() { return silentLog; } } as unknown as Logger;

/** Feature rows of every window of `files` (60-s windows, default grouping). */
export async function collectWindows(files: readonly string[], windowSec = 60): Promise<{ rows: Float32Array; count: number }> {
  let collector: WindowCollector | undefined;
  const pipeline = new Pipeline(
    { ...DEFAULT_PIPELINE_OPTIONS, keepMessageBytes: MESSAGE_KEEP_BYTES },
    { onBatch: (b) => collector!.onBatch(b), drain: () => Promise.resolve() },
    silentLog,
  );
  collector = new WindowCollector(1_000_000, windowSec, 65_536, new RegisteredDomains(), pipeline.weirds ?? new WeirdCounters(), 7);
  await runFiles(files, pipeline, silentLog, (i) => collector!.endSource(i + 1));
  return { rows: collector.rows(), count: collector.count };
}

/** Trains a small question model into `dir`/question (seconds on data/benign). */
export async function trainTiny(dir: string, epochs = 40): Promise<QuestionTrainResult & { rows: Float32Array; count: number }> {
  await selectBackend('auto');
  const { rows, count } = await collectWindows(BENIGN);
  const r = await trainQuestionModel(
    dir,
    rows,
    count,
    BENIGN.map((f) => path.basename(f)),
    { seed: 11, epochs, batchSize: 16, validationFraction: 0.25, patience: 10, targetFpr: 1e-4, windowSec: 60 },
    'test',
  );
  return { ...r, rows, count };
}

export interface Scored {
  client: string;
  domain: string;
  hit: boolean;
  loss: number;
  ts: number;
}

export interface StageRun {
  lines: Record<string, any>[];
  scored: Scored[];
  counters: TunnelCounters;
  policy: AlertPolicy;
}

/** The tunnel stage over `files` as `dnsae score -d tunnel` runs it, its records parsed, every scored window listed. */
export async function runStage(
  model: QuestionModel,
  files: readonly string[],
  o: { allow?: string[]; policy?: Partial<AlertPolicyOptions>; all?: boolean } = {},
): Promise<StageRun> {
  const lines: string[] = [];
  const out = { writeLine: (l: string) => void lines.push(l), drain: () => Promise.resolve() } as unknown as LineSink;
  const scored: Scored[] = [];
  const policy = new AlertPolicy(tunnelPolicyOptions({ ...DEFAULT_ALERT_POLICY, ...o.policy }));
  let stage: TunnelStage | undefined;
  const pipeline = new Pipeline(
    { ...DEFAULT_PIPELINE_OPTIONS, keepMessageBytes: MESSAGE_KEEP_BYTES },
    { onBatch: (b) => stage!.onBatch(b), drain: () => Promise.resolve() },
    silentLog,
  );
  stage = new TunnelStage(
    {
      model,
      domains: new RegisteredDomains(),
      maxWindows: 65_536,
      allowDomains: new Set(o.allow ?? []),
      policy,
      out,
      all: o.all === true,
      sourceNames: files,
      onScored: (w) => scored.push({ client: w.client, domain: w.domain, hit: w.hit, loss: w.loss, ts: w.table.f64[w.slot * WindowTable.F64_WORDS + F_START]! }),
    },
    pipeline.weirds,
  );
  const { errors } = await runFiles(files, pipeline, silentLog, (i) => stage!.endSource(i + 1));
  expect(errors).toEqual([]);
  return { lines: lines.map((l) => JSON.parse(l) as Record<string, any>), scored, counters: { ...stage.counters }, policy };
}

