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
