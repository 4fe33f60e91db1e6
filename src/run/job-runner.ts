import { Writable } from 'node:stream';
import { stageLogger } from '../logger.js';
import { setCommunityIdSeed } from '../output/community-id.js';
import { LineSink } from '../output/ndjson-sink.js';
import { runFiles, type Pipeline } from '../pipeline.js';
import { openQuestionModel, openScorer } from '../scoring/open-scorer.js';
import { extractStats, openExtractRun } from './extract.js';
import { MARK_BYTES, toFatalError, toJobError, WORKER_CREDIT_BYTES, type JobWorkerData, type MainMessage, type WorkerMessage } from './job-protocol.js';
import { openScoreRun, type ScoreRunOptions } from './score.js';

interface OpenedRun {
  readonly pipeline: Pipeline;
  beginSource(i: number): void;
  endSource(i: number): Promise<void>;
  result(): { stats: Record<string, unknown>; alerts: number };
}

/** What a job runner in the main thread answers when its run is called off (JobRunner.stop): it ends at its next chunk. */
class Stopped extends Error {}

/** What a runner talks to the main thread through: a worker thread's port or a MessageChannel's. */
export interface JobPort {
  postMessage(m: WorkerMessage): void;
  on(event: 'message', listener: (m: MainMessage) => void): void;
}

/**
 * A job worker's work for `dnsae score|extract --jobs N`: the same run as
 * one worker's, on its inputs or its share of the clients, with its records
 * sent over `port` to the main thread, which writes them in order
 * (src/run/ordered-output.ts). Worker 0 runs it in the main thread itself
 * over a MessageChannel (src/run/parallel-run.ts), the others in worker
 * threads (src/run/job-worker.ts): the messages are the same either way.
 */
export class JobRunner {
  private readonly log;
  private readonly share: number;
  private outstanding = 0;
  private wake: (() => void) | undefined;
  private nextFile: ((index: number | undefined) => void) | undefined;
  /** The input whose records the sink is collecting now. */
  private current = 0;
  private stopped = false;

  constructor(
    private readonly port: JobPort,
    private readonly data: JobWorkerData,
  ) {
    this.log = stageLogger(data.spec.command.kind);
    this.share = data.spec.mode === 'shares' ? data.worker : 0;
    port.on('message', (m: MainMessage) => {
      if (m.t === 'ack') {
        this.outstanding -= m.bytes;
        this.wakeUp();
      } else if (m.t === 'file' || m.t === 'exit') {
        const f = this.nextFile;
        this.nextFile = undefined;
        f?.(m.t === 'file' ? m.index : undefined);
      }
    });
  }

  /** Runs the job to its end; a fault is posted as 'fatal', not thrown. */
  async run(): Promise<void> {
    try {
      await this.main();
    } catch (err) {
      if (!(err instanceof Stopped)) this.post({ t: 'fatal', error: toFatalError(err) });
    }
  }

  /** The main thread's runner is called off (the run ended early): it stops at its next chunk and asks for no more inputs. */
  stop(): void {
    this.stopped = true;
    this.wakeUp();
    const f = this.nextFile;
    this.nextFile = undefined;
    f?.(undefined);
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private post(m: WorkerMessage): void {
    if (!this.stopped) this.port.postMessage(m);
  }

  /** Between input chunks: what was written goes over, a mark ends the chunk, and past the credit the worker waits. */
  private async handOver(out: LineSink): Promise<void> {
    await out.drain();
    if (this.stopped) throw new Stopped();
    this.post({ t: 'mark', file: this.current, share: this.share });
    this.outstanding += MARK_BYTES;
    while (this.outstanding > WORKER_CREDIT_BYTES && !this.stopped) await new Promise<void>((r) => (this.wake = r));
    if (this.stopped) throw new Stopped();
  }

  private async scoreOptions(): Promise<ScoreRunOptions | undefined> {
    const { spec, worker } = this.data;
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

  private openRun(score: ScoreRunOptions | undefined, out: LineSink): OpenedRun {
    const { spec, worker } = this.data;
    const drain = (): Promise<void> => this.handOver(out);
    const c = spec.command;
    if (c.kind === 'score') {
      const run = openScoreRun(spec.inputs, out, score!, this.log, drain);
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
    const pipeline = openExtractRun(spec.inputs, c.format, out, pipelineOptions, this.log, drain);
    return { pipeline, beginSource: () => undefined, endSource: () => Promise.resolve(), result: () => ({ stats: extractStats(pipeline), alerts: 0 }) };
  }

  /** Runs input `i` on `run` and reports it done; the summary is the run's since the last input. */
  private async runInput(run: OpenedRun, out: LineSink, i: number): Promise<void> {
    this.current = i;
    run.beginSource(i);
    try {
      const { errors } = await runFiles(this.data.spec.inputs, run.pipeline, this.log, (k) => run.endSource(k), [i]);
      await out.drain();
      const { stats, alerts } = run.result();
      this.post({ t: 'done', file: i, share: this.share, stats, alerts, errors: errors.map(toJobError) });
    } finally {
      run.pipeline.release();
    }
  }

  private async main(): Promise<void> {
    const { spec } = this.data;
    setCommunityIdSeed(spec.communityIdSeed);
    const score = await this.scoreOptions();
    const out = LineSink.toStream(this.collector(), `<worker ${this.data.worker}>`);
    if (spec.mode === 'shares') {
      // One run over every input, as a one-worker run; its summary goes with the last input's end.
      const run = this.openRun(score, out);
      for (let i = 0; i < spec.inputs.length; i++) {
        this.current = i;
        const { errors } = await runFiles(spec.inputs, run.pipeline, this.log, (k) => run.endSource(k), [i]);
        if (this.stopped) throw new Stopped();
        await out.drain();
        const last = i === spec.inputs.length - 1 ? run.result() : undefined;
        this.post({ t: 'done', file: i, share: this.share, ...(last === undefined ? {} : last), errors: errors.map(toJobError) });
      }
      return;
    }
    for (;;) {
      this.post({ t: 'idle' });
      const i = await new Promise<number | undefined>((r) => (this.nextFile = r));
      if (i === undefined || this.stopped) return;
      // A fresh run per input: what an input gives does not depend on which worker took it, or after what.
      await this.runInput(this.openRun(score, out), out, i);
    }
  }

  /** The sink's stream: each chunk goes to the main thread as one 'data' message of whole lines. */
  private collector(): Writable {
    return new Writable({
      highWaterMark: 1 << 30,
      write: (chunk: Buffer, _enc, done) => {
        // Called off: nothing reads these any more.
        if (this.stopped) return done();
        let lines = 0;
        for (let p = chunk.indexOf(10); p >= 0; p = chunk.indexOf(10, p + 1)) lines++;
        this.outstanding += chunk.length;
        this.post({ t: 'data', file: this.current, share: this.share, bytes: chunk, lines });
        done();
      },
    });
  }
}
