import { Worker } from 'node:worker_threads';
import type { WeirdName } from '../decode/weirds.js';
import type { Logger } from '../logger.js';
import { LineSink } from '../output/ndjson-sink.js';
import { runFiles } from '../pipeline.js';
import { QUESTION_WORKER_URL, type EarlyThread } from './early-threads.js';
import { fromJobError } from './job-protocol.js';
import type { FromQuestionThread, QuestionThreadData, ToQuestionThread } from './question-thread-protocol.js';
import { openScoreRun, type ScoreResult, type ScoreRunOptions, type TunnelThread } from './score.js';

/**
 * Bytes of packed rows the question thread has not answered yet, and of
 * the header stage's records waiting behind them: past it the reader waits
 * between input chunks. Room for about a third of the bench capture's
 * packed rows (89.1 MB in all), so the reader runs on while the question
 * thread starts; the thread is then the faster of the two and catches up.
 */
export const QUESTION_THREAD_BYTES = 32 * 1024 * 1024;

/** A packed batch's buffer: at least this, in steps of it, so buffers of near sizes serve each other. */
const BUFFER_STEP = 256 * 1024;

/** One stretch of output: the header stage's records of a batch, or what the question thread answered for one of its messages. */
interface Segment {
  chunks: Uint8Array[];
  lines: number;
  ready: boolean;
  /** The header stage's records (ready when made), or the thread's answer to a message. */
  header: boolean;
  /** What it counts in QuestionThread.inFlight until answered (packed rows) or written (header records). */
  bytes: number;
}

/**
 * The question stage of a score run in a thread of its own: the main
 * thread reads, assembles and scores the header stage; each delivered
 * batch's rows go, packed, to the question thread, which replays them into
 * its own lane as one run's stage takes them (src/run/question-worker.ts).
 * Output is one run's, in one run's order: for each batch the header
 * stage's records, then the records of the windows that batch closed; the
 * header stage's records wait while the thread is behind.
 */
export class QuestionThread implements TunnelThread {
  private readonly worker: Worker;
  private readonly segments = new Map<number, Segment>();
  private nextSeq = 0;
  private writeSeq = 0;
  /** Packed bytes sent and not answered, and header-stage bytes waiting to be written. */
  private inFlight = 0;
  /** Buffers back from the thread, for the next batches. */
  private readonly pool: ArrayBuffer[] = [];
  private wake: (() => void) | undefined;
  private result: Extract<FromQuestionThread, { t: 'result' }> | undefined;
  private failure: Error | undefined;
  /** The header stage's records since the last segment was cut, as its sink hands them over. */
  private readonly header: Buffer[] = [];
  readonly headerSink: LineSink;

  private out: LineSink | undefined;

  /**
   * Starts the thread, which loads its code while this one opens the models
   * and the output, or takes the one started before the command ran
   * (src/run/early-threads.ts); start() then tells it what to run.
   * A thread not started is ended by close().
   */
  constructor(early?: EarlyThread, modelDir?: string) {
    this.headerSink = LineSink.toChunks(this.header, '<header stage>');
    this.worker = early?.worker ?? new Worker(QUESTION_WORKER_URL, { workerData: { modelDir } });
    const before = early?.fault();
    if (before !== undefined) this.fail(before);
    this.worker.on('message', (m: FromQuestionThread) => this.onMessage(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (this.result === undefined) this.fail(new Error(`the question stage's thread exited with status ${code}`));
    });
  }

  /** The stage to run and where its records and the header stage's go. */
  start(data: QuestionThreadData, out: LineSink): void {
    this.out = out;
    this.send({ t: 'start', data });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private onMessage(m: FromQuestionThread): void {
    if (m.t === 'fatal') {
      this.fail(m.error.internal ? new Error(m.error.message) : fromJobError(m.error));
      return;
    }
    if (m.t === 'result') {
      this.result = m;
      this.poke();
      return;
    }
    const s = this.segments.get(m.seq);
    if (s === undefined) return;
    if (m.bytes !== undefined) s.chunks.push(m.bytes);
    s.lines = m.lines;
    s.ready = true;
    this.inFlight -= s.bytes;
    s.bytes = 0;
    if (m.buf !== undefined) this.pool.push(m.buf);
    this.write();
    this.poke();
  }

  /** Writes the segments from the oldest on, as far as they are ready. */
  private write(): void {
    for (;;) {
      const s = this.segments.get(this.writeSeq);
      if (s === undefined || !s.ready) return;
      this.segments.delete(this.writeSeq++);
      if (s.header) this.inFlight -= s.bytes;
      for (let k = 0; k < s.chunks.length; k++) this.out!.writeRecords(s.chunks[k]!, k === 0 ? s.lines : 0);
    }
  }

  private segment(header: boolean, bytes: number): number {
    const seq = this.nextSeq++;
    this.segments.set(seq, { chunks: [], lines: 0, ready: header, header, bytes });
    this.inFlight += bytes;
    return seq;
  }

  /** The header stage's records written since the last cut become a segment of their own. */
  private cutHeader(): void {
    this.headerSink.flush();
    if (this.header.length === 0) return;
    let lines = 0;
    let bytes = 0;
    for (const c of this.header) {
      bytes += c.length;
      for (let p = c.indexOf(10); p >= 0; p = c.indexOf(10, p + 1)) lines++;
    }
    const s = this.segments.get(this.segment(true, bytes))!;
    s.chunks.push(...this.header);
    s.lines = lines;
    this.header.length = 0;
  }

  private send(m: ToQuestionThread, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  onBatch(packed: Uint8Array): void {
    this.cutHeader();
    const buf = this.buffer(packed.length);
    new Uint8Array(buf, 0, packed.length).set(packed);
    this.send({ t: 'rows', seq: this.segment(false, packed.length), buf, length: packed.length }, [buf]);
    this.write();
  }

  /** A buffer of at least `n` bytes: one back from the thread, or a new one. */
  private buffer(n: number): ArrayBuffer {
    const pool = this.pool;
    for (let i = pool.length - 1; i >= 0; i--) {
      const b = pool[i]!;
      if (b.byteLength >= n) {
        pool[i] = pool[pool.length - 1]!;
        pool.pop();
        return b;
      }
    }
    return new ArrayBuffer(Math.ceil(Math.max(n, 1) / BUFFER_STEP) * BUFFER_STEP);
  }

  endSource(next: number): void {
    this.cutHeader();
    this.send({ t: 'end', seq: this.segment(false, 0), next });
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.failure !== undefined) throw this.failure;
      await new Promise<void>((r) => (this.wake = r));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Between input chunks: the output's own backpressure, then room in the thread's queue. */
  async drain(): Promise<void> {
    this.write();
    await this.out!.drain();
    await this.until(() => this.inFlight <= QUESTION_THREAD_BYTES);
  }

  /** The end of the run: every segment written, and the thread's counters. */
  async finish(): Promise<Extract<FromQuestionThread, { t: 'result' }>> {
    this.cutHeader();
    this.send({ t: 'finish' });
    await this.until(() => this.result !== undefined);
    this.write();
    if (this.segments.size > 0) throw new Error('the question stage\'s thread ended with records not answered');
    return this.result!;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * `dnsae score --jobs 2` of one capture with the question stage: the
 * header stage here, the question stage in `thread`. Records, summary and
 * exit status are those of one run (`--jobs 1`). The caller closes the
 * thread.
 */
export async function scoreStageSplit(
  thread: QuestionThread,
  inputs: readonly string[],
  out: LineSink,
  o: ScoreRunOptions,
  modelDir: string | undefined,
  communityIdSeed: number,
  log: Logger,
): Promise<ScoreResult> {
  const t = o.tunnel;
  if (t === undefined) throw new Error('scoreStageSplit: the run has no question stage');
  thread.start(
    {
      modelDir,
      domains: t.domains,
      maxWindows: t.maxWindows,
      allowDomains: [...t.allowDomains],
      policy: o.policy,
      all: o.all,
      sourceNames: inputs.map((p) => (p === '-' ? '<stdin>' : p)),
      batchSize: o.pipeline.batchSize,
      communityIdSeed,
    },
    out,
  );
  const run = openScoreRun(inputs, thread.headerSink, { ...o, tunnelThread: thread }, log, () => thread.drain());
  const { errors } = await runFiles(inputs, run.pipeline, log, (i) => run.endSource(i), undefined, o.observer);
  const r = await thread.finish();
  for (const [name, n] of Object.entries(r.weirds)) run.pipeline.weirds.inc(name as WeirdName, n);
  // The last input's windows were written just now; in one run its end awaits the output likewise,
  // unless the output had failed already (reading stopped there, its fault among the errors).
  if (!errors.some((e) => e.code === 'DNSAE_ERR_OUTPUT')) await out.drain();
  return run.result(errors, r);
}
