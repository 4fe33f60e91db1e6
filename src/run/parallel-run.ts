import { MessageChannel, Worker } from 'node:worker_threads';
import { DnsaeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LineSink } from '../output/ndjson-sink.js';
import { JOB_WORKER_URL, takeEarlyJobThreads, type EarlyThread } from './early-threads.js';
import { fromJobError, MARK_BYTES, type JobSpec, type JobStart, type JobWorkerData, type MainMessage, type WorkerMessage } from './job-protocol.js';
import type { JobRunner } from './job-runner.js';
import { OrderedStreams, type Queued } from './ordered-output.js';
import { sumSources, sumStats } from './stats-sum.js';

export interface ParallelResult {
  readonly errors: DnsaeError[];
  readonly alerts: number;
  readonly stats: Record<string, unknown>;
}

/** One worker as runJobs drives it: a worker thread, or this thread's JobRunner. */
interface JobEnd {
  send(m: MainMessage): void;
  /** Ends it: a thread is terminated, this thread's runner stops at its next chunk. */
  end(): Promise<void>;
}

/**
 * Worker 0, run in this thread over a MessageChannel: the messages of a
 * worker thread, without a thread's start-up (its own modules and JIT
 * warm-up, about 0.1 s on the bench host) and with this thread's core
 * working instead of waiting.
 */
function inThisThread(Runner: typeof JobRunner, spec: JobSpec, onMessage: (m: WorkerMessage) => void, fail: (e: Error) => void): JobEnd {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', onMessage);
  const runner = new Runner(port2, { spec, worker: 0 });
  const ran = runner.run().catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
  return {
    send: (m) => port1.postMessage(m),
    end: async () => {
      runner.stop();
      await ran;
      port1.close();
      port2.close();
    },
  };
}

/**
 * Worker k in a worker thread of its own: one started before the command
 * ran (src/run/early-threads.ts), sent its job, or a new one given it.
 */
function inThread(spec: JobSpec, k: number, onMessage: (m: WorkerMessage) => void, fail: (e: Error) => void, early?: EarlyThread): JobEnd {
  const data: JobWorkerData = { spec, worker: k };
  const w = early?.worker ?? new Worker(JOB_WORKER_URL, { workerData: data });
  const before = early?.fault();
  if (before !== undefined) fail(before);
  else if (early !== undefined) w.postMessage({ t: 'job', data } satisfies JobStart);
  w.on('message', onMessage);
  w.on('error', (err) => fail(err));
  w.on('exit', (code) => {
    if (code !== 0) fail(new Error(`job worker ${k} exited with status ${code}`));
  });
  return { send: (m) => w.postMessage(m), end: () => w.terminate().then(() => undefined) };
}

/**
 * Runs `spec` on its workers and writes their records to `out` in the order
 * of OrderedStreams. The result is what one worker's run returns: faults
 * of inputs in input order (an input split into shares fails alike in
 * every share; share 0's fault is kept), the alerts and the summary summed.
 */
export async function runJobs(spec: JobSpec, out: LineSink, log: Logger): Promise<ParallelResult> {
  const streams = new OrderedStreams();
  const workers: JobEnd[] = [];
  let fatal: Error | undefined;
  const stop = (e: Error): void => {
    if (fatal !== undefined) return;
    fatal = e;
    streams.fail(e);
  };
  let nextInput = 0;
  const onMessage = (k: number, m: WorkerMessage): void => {
    if (m.t === 'idle') send(k, nextInput < spec.inputs.length ? { t: 'file', index: nextInput++ } : { t: 'exit' });
    else if (m.t === 'fatal') stop(m.error.internal ? new Error(m.error.message) : fromJobError(m.error));
    else streams.queue(m.file, m.share).push({ m, from: k });
  };
  const send = (k: number, m: MainMessage): void => workers[k]!.send(m);
  // The threads first, so that they load while this thread opens its own run; worker 0 is this thread.
  const early = takeEarlyJobThreads(spec.workers - 1);
  for (let k = 1; k < spec.workers; k++) workers[k] = inThread(spec, k, (m) => onMessage(k, m), stop, early[k - 1]);
  // Imported here, not at the top: extract's start-up would load score's modules with it (the tunnel stage's).
  const { JobRunner: Runner } = await import('./job-runner.js');
  workers[0] = inThisThread(Runner, spec, (m) => onMessage(0, m), stop);
  log.debug({ workers: spec.workers, mode: spec.mode }, 'job workers started');

  const errors: DnsaeError[] = [];
  const stats: Record<string, unknown>[] = [];
  const perInput: Record<string, unknown>[][] = spec.inputs.map(() => []);
  const shareSources: Record<string, unknown>[][] = [];
  let alerts = 0;
  const take = (file: number, share: number): Promise<Queued> => streams.queue(file, share).next();
  try {
    const shares = spec.mode === 'shares' ? spec.workers : 1;
    let outputFailed = false;
    for (let f = 0; f < spec.inputs.length && !outputFailed; f++) {
      const open: number[] = [];
      for (let s = 0; s < shares; s++) open.push(s);
      while (open.length > 0 && !outputFailed) {
        for (let j = 0; j < open.length && !outputFailed; ) {
          const s = open[j]!;
          let ended = false;
          for (;;) {
            const { m, from } = await take(f, s);
            if (m.t === 'data') {
              out.writeRecords(m.bytes, m.lines);
              send(from, { t: 'ack', bytes: m.bytes.length });
              try {
                await out.drain();
              } catch (err) {
                if (!(err instanceof DnsaeError)) throw err;
                // Output faults end the run, as in one worker's.
                errors.push(err);
                outputFailed = true;
                break;
              }
            } else if (m.t === 'mark') {
              send(from, { t: 'ack', bytes: MARK_BYTES });
              break;
            } else if (m.t === 'done') {
              if (s === 0) errors.push(...m.errors.map(fromJobError));
              if (m.stats !== undefined) {
                const { sources, ...rest } = m.stats as { sources?: Record<string, unknown>[] };
                stats.push(rest);
                if (spec.mode === 'shares') shareSources.push(sources ?? []);
                else perInput[f]!.push(...(sources ?? []));
              }
              alerts += m.alerts ?? 0;
              ended = true;
              break;
            }
          }
          if (ended) open.splice(j, 1);
          else j++;
        }
      }
      streams.done(f, shares);
    }
    if (outputFailed) return { errors, alerts, stats: sumStats(stats) };
  } finally {
    await Promise.all(workers.map((w) => w.end()));
  }
  const sources =
    spec.mode === 'shares'
      ? sumSources((shareSources[0] ?? []).map((_, i) => shareSources.map((ss) => ss[i]!).filter((x) => x !== undefined)))
      : sumSources(perInput);
  return { errors, alerts, stats: { ...sumStats(stats), sources } };
}
