import { parentPort, workerData } from 'node:worker_threads';
import { WeirdCounters } from '../decode/weirds.js';
import { DEFAULT_REGISTERED_DOMAIN_OPTIONS } from '../features/question/registered-domain.js';
import { fastLaneAvailable } from '../flow/fast-lane.js';
import { FlowAssembler } from '../flow/flow-assembler.js';
import { MESSAGE_KEEP_BYTES } from '../flow/sample.js';
import { setCommunityIdSeed } from '../output/community-id.js';
import { LineSink } from '../output/ndjson-sink.js';
import { openQuestionModel } from '../scoring/open-scorer.js';
import { toFatalError } from './job-protocol.js';
import type { FromQuestionThread, QuestionThreadData, ToQuestionThread } from './question-thread-protocol.js';
import { openTunnelStage } from './score.js';

/**
 * The question stage's thread of a split score run (src/run/stage-split.ts):
 * the rows of every batch the main thread's pipeline delivers, replayed in
 * order into this thread's lane and tunnel stage, as one run's stage takes
 * them; the records each batch's windows make go back with its answer.
 */
const port = parentPort!;

/**
 * The model directory the thread was started with, when its starter knew it
 * (src/run/early-threads.ts, QuestionThread): opened now, while the
 * main thread is still opening its own, and used by the run if the run
 * names the same directory.
 */
const preopenDir = (workerData as { modelDir?: string } | undefined)?.modelDir;
const preopened = workerData == null ? undefined : openQuestionModel(preopenDir);
// A directory that will not open is the main thread's to report, from its own attempt.
preopened?.catch(() => undefined);
// The lane's module compiled now too (12-18 ms here), not when the run's assembler asks for it.
fastLaneAvailable(1);

function post(m: FromQuestionThread, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

// Messages that arrive while the model opens wait here, in order.
const waiting: ToQuestionThread[] = [];
let handle: ((m: ToQuestionThread) => void) | undefined;
port.on('message', (m: ToQuestionThread) => {
  if (m.t === 'start') main(m.data).catch((err: unknown) => post({ t: 'fatal', error: toFatalError(err) }));
  else if (handle === undefined) waiting.push(m);
  else handle(m);
});

async function main(d: QuestionThreadData): Promise<void> {
  setCommunityIdSeed(d.communityIdSeed);
  const model = await (preopened !== undefined && d.modelDir === preopenDir ? preopened : openQuestionModel(d.modelDir));
  if (model === undefined) throw new Error('question thread: the question model the main thread opened is gone');
  const chunks: Buffer[] = [];
  const out = LineSink.toChunks(chunks, '<question stage>');
  const weirds = new WeirdCounters();
  const tunnelOptions = { model, domains: d.domains, maxWindows: d.maxWindows, allowDomains: new Set(d.allowDomains) };
  let onBatch: ((b: import('../flow/sample.js').SampleBatch) => void) | undefined;
  const assembler = new FlowAssembler(
    {
      // No flows of its own: a replayed row takes the record of its row number.
      maxFlows: 1,
      batchSize: d.batchSize,
      keepMessageBytes: MESSAGE_KEEP_BYTES,
      questionWindows: d.maxWindows,
      questionCacheSize: d.domains.cacheSize ?? DEFAULT_REGISTERED_DOMAIN_OPTIONS.cacheSize,
      packQuestionRows: true,
    },
    (batch) => onBatch!(batch),
    weirds,
  );
  const { stage, policy } = openTunnelStage(tunnelOptions, d.policy, out, d.all, d.sourceNames, weirds, undefined, assembler.questionLane);
  if (!stage.extractor.inLane) throw new Error('question thread: the fast lane is not available');
  onBatch = (batch) => stage.onBatch(batch);

  const answer = (seq: number, buf?: ArrayBuffer): void => {
    out.flush();
    const bytes = chunks.length === 0 ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    chunks.length = 0;
    let lines = 0;
    if (bytes !== undefined) for (let p = bytes.indexOf(10); p >= 0; p = bytes.indexOf(10, p + 1)) lines++;
    const transfer: ArrayBuffer[] = buf === undefined ? [] : [buf];
    post({ t: 'out', seq, bytes, lines, ...(buf === undefined ? {} : { buf }) }, transfer);
  };

  const take = (m: ToQuestionThread): void => {
    if (m.t === 'rows') {
      if (!assembler.replayQuestionRows(new Uint8Array(m.buf, 0, m.length))) throw new Error('question thread: a batch of rows could not be replayed');
      answer(m.seq, m.buf);
    } else if (m.t === 'end') {
      stage.endSource(m.next);
      answer(m.seq);
    } else {
      post({ t: 'result', stats: stage.stats(), alerting: { ...policy.counters }, alerts: policy.counters.alerts, modelId: stage.modelId, weirds: weirds.toJSON() });
    }
  };
  handle = (m) => {
    try {
      take(m);
    } catch (err) {
      post({ t: 'fatal', error: toFatalError(err) });
    }
  };
  for (const m of waiting.splice(0)) handle(m);
}

