import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { JobMode } from './job-protocol.js';

/**
 * Below this much input a default run keeps one worker: starting a worker
 * (its modules, its model, its flow table) costs about what scoring 20 MB
 * takes (docs/scaling.md). An explicit --jobs is always obeyed.
 */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

export interface JobPlan {
  readonly workers: number;
  /** Unset with one worker: the run is exactly a one-worker run, in this thread. */
  readonly mode?: JobMode;
}

/** The cores this process may use (its CPU affinity and cgroup quota). */
export function availableJobs(): number {
  return availableParallelism();
}

function totalBytes(inputs: readonly string[]): number {
  let n = 0;
  for (const p of inputs) {
    try {
      n += statSync(p).size;
    } catch {
      // a missing input is the run's to report, with its own error
    }
  }
  return n;
}

/**
 * How many workers and how they share the inputs. Standard input can be
 * read once only: a run with `-` keeps one worker. Several inputs go whole
 * to the workers; one input is split in shares. `splitPays`: whether a
 * split of one input is worth it by default. It is with the question
 * stage; without it every worker's reading the whole capture is most of
 * the work (docs/scaling.md), so one input keeps one worker unless --jobs
 * asks for more.
 */
export function planJobs(inputs: readonly string[], requested: number | undefined, splitPays = true): JobPlan {
  if (inputs.length === 0 || inputs.includes('-')) return { workers: 1 };
  const byDefault = totalBytes(inputs) >= PARALLEL_MIN_BYTES && (inputs.length > 1 || splitPays) ? availableJobs() : 1;
  // One worker unless asked: on the shared 2-core host of npm run bench, two workers were slower than one for a
  // single capture (docs/scaling.md). 0 asks for the plan: every core for big inputs, a split where it pays.
  let jobs = requested === undefined ? 1 : requested === 0 ? byDefault : requested;
  if (inputs.length > 1) jobs = Math.min(jobs, inputs.length);
  if (jobs <= 1) return { workers: 1 };
  return { workers: jobs, mode: inputs.length > 1 ? 'files' : 'shares' };
}

/**
 * planJobs for `dnsae extract`. Asked for the plan (--jobs 0), a run that
 * writes a record per message keeps one worker: every record passes
 * through this thread in input order, and on the 2-core bench host two
 * workers took 2.47-2.98 s where one took 1.66-1.94 s (docs/scaling.md).
 * `--format none` is planned as planJobs plans it; an explicit --jobs is
 * obeyed.
 */
export function planExtractJobs(inputs: readonly string[], requested: number | undefined, writesRecords: boolean): JobPlan {
  return planJobs(inputs, requested === 0 && writesRecords ? 1 : requested, false);
}

/**
 * With the question stage, several captures go whole to the workers when
 * they are this large on average; smaller ones are one run split by stage.
 * A worker's start-up and fresh run per capture weigh on short captures:
 * on the 2-core bench host (`npm run bench`), four captures of about 45
 * MiB took 0.99x the time of one run with whole captures to two workers
 * and about 0.85x split by stage, four of 166 MiB 0.71x with whole
 * captures (docs/scaling.md).
 */
export const FILES_MIN_MEAN_BYTES = 96 * 1024 * 1024;

/** FILES_MIN_MEAN_BYTES, or DNSAE_FILES_MIN_MEAN_BYTES from the environment (bytes; for another host's crossover, and tests). */
function filesMinMeanBytes(): number {
  const v = Number(process.env.DNSAE_FILES_MIN_MEAN_BYTES);
  return process.env.DNSAE_FILES_MIN_MEAN_BYTES !== undefined && Number.isFinite(v) && v >= 0 ? v : FILES_MIN_MEAN_BYTES;
}

/** A score run's plan: planJobs's, or one run with its question stage in a thread of its own (src/run/stage-split.ts). */
export type ScorePlan = JobPlan | { readonly workers: 2; readonly mode: 'stages' };

/**
 * planJobs for `dnsae score`. `stageSplit`: the question stage runs and can
 * run in a thread of its own (the fast lane is there). One input that
 * planJobs would split then goes to two threads by stage instead of by
 * client (whatever --jobs asks above 1), so do several inputs under
 * FILES_MIN_MEAN_BYTES on average, and so does a run that reads
 * standard input when --jobs asks for 2 or more (it is one run over its
 * inputs, read by this thread alone): the question stage needs all of a
 * client's and all clients' windows in one table to give one run's records
 * (docs/scaling.md), and it is the half of the work that the header stage
 * is not.
 */
export function planScoreJobs(inputs: readonly string[], requested: number | undefined, tunnel: boolean, stageSplit: boolean): ScorePlan {
  // Standard input is read once whichever way: split by stage, only this thread reads it.
  if (inputs.includes('-') && tunnel && stageSplit && requested !== undefined && requested >= 2) return { workers: 2, mode: 'stages' };
  const plan = planJobs(inputs, requested, tunnel);
  if (!tunnel || !stageSplit) return plan;
  if (plan.mode === 'shares') return { workers: 2, mode: 'stages' };
  if (plan.mode === 'files' && totalBytes(inputs) / inputs.length < filesMinMeanBytes()) return { workers: 2, mode: 'stages' };
  return plan;
}

/**
 * Workers of `dnsae evaluate`, where every worker reads every input
 * (src/run/evaluate-shares.ts): as planJobs, one unless asked, and with
 * --jobs 0 the cores available for 32 MiB of input or more. Standard input
 * can be read once only: a run with `-` keeps one worker.
 */
export function planEvaluateJobs(inputs: readonly string[], requested: number | undefined): number {
  if (inputs.length === 0 || inputs.includes('-')) return 1;
  const jobs = requested === undefined ? 1 : requested === 0 ? (totalBytes(inputs) >= PARALLEL_MIN_BYTES ? availableJobs() : 1) : requested;
  return Math.max(1, jobs);
}
