import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import { resultOf, runEvaluatePart, type EvaluateInputs, type EvaluatePart, type EvaluateResult, type EvaluateRunOptions } from './evaluate.js';
import type { EvaluateJob, EvaluatePartData, EvaluateWorkerMessage } from './evaluate-job-protocol.js';
import { mergeParts, partSpec } from './evaluate-shares.js';
import { fromJobError } from './job-protocol.js';
import { workerUrl } from './worker-url.js';

const WORKER_URL = workerUrl('evaluate-worker');

function partOf(d: EvaluatePartData): EvaluatePart {
  return { ...d, errors: d.errors.map(fromJobError) };
}

/** Runs one worker to its part; rejects on its fatal fault or an exit without a part. */
function runWorker(job: EvaluateJob, worker: number, started: Worker[]): Promise<EvaluatePart> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_URL, { workerData: { job, worker } });
    started.push(w);
    let settled = false;
    w.on('message', (m: EvaluateWorkerMessage) => {
      settled = true;
      if (m.t === 'done') resolve(partOf(m.part));
      else reject(m.error.internal ? new Error(m.error.message) : fromJobError(m.error));
    });
    w.on('error', (err) => {
      settled = true;
      reject(err);
    });
    w.on('exit', (code) => {
      if (!settled) reject(new Error(`evaluate worker ${worker} exited with status ${code} before its part`));
    });
  });
}

/**
 * `dnsae evaluate --jobs N` (N > 1): this thread and N-1 worker threads
 * each read every input and do their part (src/run/evaluate-shares.ts);
 * this thread's part is part 0, with the question stage when it runs, so
 * the models it has opened are used once more and its reading progress is
 * the run's. The parts are put together and the metrics computed once,
 * from the rows and windows of one run in one run's order, so every
 * figure, the reports, the summary and the exit status are those of
 * `--jobs 1`.
 */
export async function evaluateJobs(inputs: EvaluateInputs, o: EvaluateRunOptions, modelDir: string | undefined, workers: number, log: Logger): Promise<EvaluateResult> {
  const job: EvaluateJob = {
    inputs,
    modelDir,
    ruleMask: o.ruleMask,
    pipeline: o.pipeline,
    ...(o.tunnel === undefined ? {} : { tunnel: { domains: o.tunnel.domains, maxWindows: o.tunnel.maxWindows } }),
    workers,
  };
  const started: Worker[] = [];
  try {
    const others: Promise<EvaluatePart>[] = [];
    for (let k = 1; k < workers; k++) others.push(runWorker(job, k, started));
    log.debug({ workers }, 'evaluate workers started');
    // A worker's fault ends the run without waiting for this thread's part.
    const failed = Promise.all(others).then(() => new Promise<never>(() => undefined));
    const own = await Promise.race([runEvaluatePart(inputs, o, log, partSpec(0, workers, o.tunnel !== undefined)), failed]);
    const done = [own, ...(await Promise.all(others))];
    done.forEach((p, worker) =>
      log.debug({ worker, rows: p.samples.count, batches: (p.batches?.length ?? 0) / 2, windows: p.collected?.windows.count ?? 0 }, 'evaluate worker part'),
    );
    return resultOf(inputs, o, mergeParts(done));
  } finally {
    await Promise.all(started.map((w) => w.terminate()));
  }
}
