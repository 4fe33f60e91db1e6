import { parentPort, workerData } from 'node:worker_threads';
import { columnBuffers, compactColumns } from '../evaluate/eval-columns.js';
import { stageLogger } from '../logger.js';
import { openQuestionModel, openScorer } from '../scoring/open-scorer.js';
import { runEvaluatePart, type EvaluateRunOptions } from './evaluate.js';
import type { EvaluateWorkerData, EvaluateWorkerMessage } from './evaluate-job-protocol.js';
import { partSpec } from './evaluate-shares.js';
import { toFatalError, toJobError } from './job-protocol.js';

/**
 * A worker (worker_threads) of `dnsae evaluate --jobs N`: one run over
 * every input, doing its part of the work (src/run/evaluate-shares.ts),
 * whose rows, windows and summary go to the main thread when it ends.
 */
const port = parentPort!;
const { job, worker } = workerData as EvaluateWorkerData;
const log = stageLogger('evaluate');

function post(m: EvaluateWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

async function main(): Promise<void> {
  const scorer = await openScorer(job.modelDir);
  // Every part needs the question model's presence: the inputs' order and the kept message bytes follow it.
  const model = job.tunnel === undefined ? undefined : await openQuestionModel(job.modelDir);
  if (job.tunnel !== undefined && model === undefined) throw new Error('evaluate worker: the question model the main thread opened is gone');
  const o: EvaluateRunOptions = {
    scorer,
    pipeline: job.pipeline,
    ...(job.ruleMask === undefined ? {} : { ruleMask: job.ruleMask }),
    ...(job.tunnel === undefined ? {} : { tunnel: { model: model!, domains: job.tunnel.domains, maxWindows: job.tunnel.maxWindows, allowDomains: new Set<string>() } }),
  };
  const part = await runEvaluatePart(job.inputs, o, log, partSpec(worker, job.workers, job.tunnel !== undefined));
  const samples = compactColumns(part.samples);
  const c = part.collected;
  const transfer = [...columnBuffers(samples), ...(c === undefined ? [] : [c.windows.session, c.windows.ratio, c.windows.hit, c.windows.rules, c.windows.queries].map((a) => a.buffer as ArrayBuffer))];
  post(
    {
      t: 'done',
      part: {
        samples,
        ...(part.batches === undefined ? {} : { batches: part.batches, batchCount: part.batchCount! }),
        ...(c === undefined ? {} : { collected: c }),
        errors: part.errors.map(toJobError),
        stats: part.stats,
      },
    },
    transfer,
  );
}

main().catch((err: unknown) => post({ t: 'fatal', error: toFatalError(err) }));
