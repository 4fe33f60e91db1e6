import { Writable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { stageLogger } from '../logger.js';
import { setCommunityIdSeed } from '../output/community-id.js';
import { LineSink } from '../output/ndjson-sink.js';
import { runFiles, type Pipeline } from '../pipeline.js';
import { openQuestionModel, openScorer } from '../scoring/open-scorer.js';
import { extractStats, openExtractRun } from './extract.js';
import { MARK_BYTES, toFatalError, toJobError, WORKER_CREDIT_BYTES, type JobWorkerData, type MainMessage, type WorkerMessage } from './job-protocol.js';
import { openScoreRun, type ScoreRunOptions } from './score.js';

/**
 * A job worker (worker_threads) of `dnsae score|extract --jobs N`: the same
 * run as one worker's, on its inputs or its share of the clients, with its
 * records handed to the main thread, which writes them in order
 * (src/run/ordered-output.ts).
 */
const port = parentPort!;
const { spec, worker } = workerData as JobWorkerData;
const log = stageLogger(spec.command.kind);
const share = spec.mode === 'shares' ? worker : 0;

let outstanding = 0;
let wake: (() => void) | undefined;
let nextFile: ((index: number | undefined) => void) | undefined;
port.on('message', (m: MainMessage) => {
  if (m.t === 'ack') {
    outstanding -= m.bytes;
    const w = wake;
    wake = undefined;
    w?.();
  } else if (m.t === 'file' || m.t === 'exit') {
    const f = nextFile;
    nextFile = undefined;
    f?.(m.t === 'file' ? m.index : undefined);
  }
});

function post(m: WorkerMessage): void {
  port.postMessage(m);
}

/** The input whose records the sink is collecting now. */
let current = 0;
const collector = new Writable({
  highWaterMark: 1 << 30,
  write(chunk: Buffer, _enc, done) {
    let lines = 0;
    for (let p = chunk.indexOf(10); p >= 0; p = chunk.indexOf(10, p + 1)) lines++;
    outstanding += chunk.length;
    post({ t: 'data', file: current, share, bytes: chunk, lines });
    done();
  },
});

/** Between input chunks: what was written goes over, a mark ends the chunk, and past the credit the worker waits. */
async function handOver(out: LineSink): Promise<void> {
  await out.drain();
  post({ t: 'mark', file: current, share });
  outstanding += MARK_BYTES;
  while (outstanding > WORKER_CREDIT_BYTES) await new Promise<void>((r) => (wake = r));
}

interface OpenedRun {
  readonly pipeline: Pipeline;
  beginSource(i: number): void;
  endSource(i: number): Promise<void>;
  result(): { stats: Record<string, unknown>; alerts: number };
}

async function scoreOptions(): Promise<ScoreRunOptions | undefined> {
  const c = spec.command;
  if (c.kind !== 'score') return undefined;
  const scorer = c.mode === undefined || c.mode === 'rules' ? undefined : await openScorer(c.modelDir);
  const model = c.tunnel === undefined ? undefined : await openQuestionModel(c.modelDir);
  return {
    mode: c.mode,
    scorer,
    ruleMask: c.ruleMask,
    policy: c.policy,
    all: c.all,
    // The question stage keeps state per client, the header stage per flow.
    pipeline: spec.mode === 'shares' ? { ...spec.pipeline, share: { index: worker, count: spec.workers, by: c.tunnel === undefined ? 'flow' : 'client' } } : spec.pipeline,
    ...(c.tunnel === undefined || model === undefined
      ? {}
      : { tunnel: { model, domains: c.tunnel.domains, maxWindows: c.tunnel.maxWindows, allowDomains: new Set(c.tunnel.allowDomains) } }),
  };
}

function openRun(score: ScoreRunOptions | undefined, out: LineSink): OpenedRun {
  const drain = (): Promise<void> => handOver(out);
  const c = spec.command;
  if (c.kind === 'score') {
    const run = openScoreRun(spec.inputs, out, score!, log, drain);
    return {
      pipeline: run.pipeline,
      beginSource: (i) => run.beginSource(i),
      endSource: (i) => run.endSource(i),
      result: () => {
        const r = run.result([]);
        return { stats: r.stats, alerts: r.alerts };
      },
    };
  }
  const pipelineOptions = spec.mode === 'shares' ? { ...spec.pipeline, share: { index: worker, count: spec.workers, by: 'flow' as const } } : spec.pipeline;
  const pipeline = openExtractRun(spec.inputs, c.format, out, pipelineOptions, log, drain);
  return { pipeline, beginSource: () => undefined, endSource: () => Promise.resolve(), result: () => ({ stats: extractStats(pipeline), alerts: 0 }) };
}

/** Runs input `i` on `run` and reports it done; the summary is the run's since the last input. */
async function runInput(run: OpenedRun, out: LineSink, i: number): Promise<void> {
  current = i;
  run.beginSource(i);
  const { errors } = await runFiles(spec.inputs, run.pipeline, log, (k) => run.endSource(k), [i]);
  await out.drain();
  const { stats, alerts } = run.result();
  post({ t: 'done', file: i, share, stats, alerts, errors: errors.map(toJobError) });
  run.pipeline.release();
}

async function main(): Promise<void> {
  setCommunityIdSeed(spec.communityIdSeed);
  const score = await scoreOptions();
  const out = LineSink.toStream(collector, `<worker ${worker}>`);
  if (spec.mode === 'shares') {
    // One run over every input, as a one-worker run; its summary goes with the last input's end.
    const run = openRun(score, out);
    for (let i = 0; i < spec.inputs.length; i++) {
      current = i;
      const { errors } = await runFiles(spec.inputs, run.pipeline, log, (k) => run.endSource(k), [i]);
      await out.drain();
      const last = i === spec.inputs.length - 1 ? run.result() : undefined;
      post({ t: 'done', file: i, share, ...(last === undefined ? {} : last), errors: errors.map(toJobError) });
    }
    return;
  }
  for (;;) {
    post({ t: 'idle' });
    const i = await new Promise<number | undefined>((r) => (nextFile = r));
    if (i === undefined) return;
    // A fresh run per input: what an input gives does not depend on which worker took it, or after what.
    await runInput(openRun(score, out), out, i);
  }
}

main().catch((err: unknown) => post({ t: 'fatal', error: toFatalError(err) }));
