import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { planJobs, planScoreJobs } from './job-plan.js';
import { workerUrl } from './worker-url.js';

/** The question thread's code (src/run/question-worker.ts) and the job worker's (src/run/job-worker.ts). */
export const QUESTION_WORKER_URL = workerUrl('question-worker');
export const JOB_WORKER_URL = workerUrl('job-worker');

/** A thread started before the command ran, and what befell it before anyone took it. */
export interface EarlyThread {
  readonly worker: Worker;
  /** Set when the thread failed or exited before it was taken (the taker then fails with it). */
  fault(): Error | undefined;
}

interface Started {
  readonly worker: Worker;
  fault: Error | undefined;
  off(): void;
}

let question: Started | undefined;
let jobs: Started[] = [];

function start(url: URL, workerData: unknown): Started {
  const worker = new Worker(url, workerData === undefined ? {} : { workerData });
  // Until a run takes it the thread must not keep the process alive: a usage error or --help ends the
  // process as before.
  worker.unref();
  const e: Started = {
    worker,
    fault: undefined,
    off: () => {
      worker.off('error', onError);
      worker.off('exit', onExit);
    },
  };
  const onError = (err: Error): void => void (e.fault ??= err);
  const onExit = (code: number): void => void (e.fault ??= new Error(`a thread started early exited with status ${code}`));
  worker.on('error', onError);
  worker.on('exit', onExit);
  return e;
}

function taken(e: Started): EarlyThread {
  e.off();
  e.worker.ref();
  return { worker: e.worker, fault: () => e.fault };
}

/**
 * The value of option `-x`/`--long` in `args`, written `-x V`, `-xV`,
 * `--long V` or `--long=V`; the last one, as commander takes it.
 */
function optionIn(args: readonly string[], short: string, long: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === short || a === long) v = args[++i];
    else if (a.startsWith(long + '=')) v = a.slice(long.length + 1);
    else if (a.startsWith(short) && !a.startsWith('--')) v = a.slice(short.length);
  }
  return v;
}

/** `--jobs`/`-j`, if it is there and a whole number. */
function jobsIn(args: readonly string[]): number | undefined {
  const v = optionIn(args, '-j', '--jobs');
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** Whether `args` leave the question stage on: `-d`/`--detector` absent or naming `both` or `tunnel`. */
function tunnelIn(args: readonly string[]): boolean {
  const v = optionIn(args, '-d', '--detector');
  return v === undefined || v.split(',').some((p) => p.trim() === 'both' || p.trim() === 'tunnel');
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** What startEarlyThreads starts for `argv`: the question thread of a split by stage, or job worker threads. */
export type EarlyThreads = { readonly kind: 'question'; readonly modelDir: string | undefined } | { readonly kind: 'jobs'; readonly count: number };

/**
 * What the plan of the command in `argv` will want, read from argv the way
 * the plan will read the options (`planScoreJobs`, `planJobs`, with every
 * argument that names a file as an input): for `score` or `extract` with
 * `--jobs` 2 or more, the question thread of a split by stage (with the
 * model directory argv names; undefined: the default) or the job worker
 * threads beside this thread.
 */
export function earlyThreadsFor(argv: readonly string[]): EarlyThreads | undefined {
  const command = argv[2];
  if (command !== 'score' && command !== 'extract') return undefined;
  const args = argv.slice(3);
  const n = jobsIn(args);
  if (n === undefined || n < 2) return undefined;
  const inputs = args.filter((a) => a === '-' || (!a.startsWith('-') && isFile(a)));
  if (inputs.length === 0) return undefined;
  const laneOk = process.env.DNSAE_FAST_LANE !== '0';
  const plan = command === 'score' ? planScoreJobs(inputs, n, tunnelIn(args), laneOk) : planJobs(inputs, n, false);
  // The thread opens the model argv names (-m/--model) before the run asks.
  if (plan.mode === 'stages') return { kind: 'question', modelDir: optionIn(args, '-m', '--model') };
  if (plan.mode === 'files' || plan.mode === 'shares') return { kind: 'jobs', count: plan.workers - 1 };
  return undefined;
}

/**
 * `dnsae score|extract --jobs N` (N of 2 or more): the threads its plan
 * will want are started here, before the command's modules load, so that
 * they load their code while this thread loads its own. A question thread
 * opens the model directory argv names and compiles the lane's module;
 * started when the command's action started it, its first rows came 60-70
 * ms after reading began, and every run waited that long on its last
 * windows. A job worker thread waits for its job (runJobs sends it). A
 * wrong guess costs threads started and ended unused
 * (dropEarlyThreads).
 */
export function startEarlyThreads(argv: readonly string[]): void {
  const want = earlyThreadsFor(argv);
  if (want === undefined || question !== undefined || jobs.length > 0) return;
  if (want.kind === 'question') question = start(QUESTION_WORKER_URL, { modelDir: want.modelDir });
  else for (let k = 0; k < want.count; k++) jobs.push(start(JOB_WORKER_URL, undefined));
}

/** The question thread startEarlyThreads started, for the run that splits by stage; undefined when none was. */
export function takeEarlyQuestionThread(): EarlyThread | undefined {
  const e = question;
  question = undefined;
  return e === undefined ? undefined : taken(e);
}

/** Up to `n` job worker threads startEarlyThreads started, each waiting for its job. */
export function takeEarlyJobThreads(n: number): EarlyThread[] {
  return jobs.splice(0, Math.max(0, n)).map(taken);
}

/** Ends the threads started early that the run did not take (its plan was another). */
export async function dropEarlyThreads(): Promise<void> {
  const left = [...(question === undefined ? [] : [question]), ...jobs];
  question = undefined;
  jobs = [];
  await Promise.all(
    left.map((e) => {
      e.off();
      return e.worker.terminate();
    }),
  );
}
