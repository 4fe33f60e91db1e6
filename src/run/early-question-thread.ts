import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { planScoreJobs } from './job-plan.js';

/**
 * The question thread's code (src/run/question-worker.ts): the bundle
 * `npm run build` makes, or tsc's module after a build by tsc alone. Both
 * paths are two levels below the root from this module in dist/run/ and
 * from the CLI bundle in dist/bundle/.
 */
const BUNDLED_WORKER = new URL('../bundle/question-worker.cjs', import.meta.url);
export const QUESTION_WORKER_URL = existsSync(fileURLToPath(BUNDLED_WORKER)) ? BUNDLED_WORKER : new URL('../run/question-worker.js', import.meta.url);

/** A question thread started before the command ran, and what befell it before anyone took it. */
export interface EarlyQuestionThread {
  readonly worker: Worker;
  /** Set when the thread failed or exited before it was taken (the taker then fails with it). */
  fault(): Error | undefined;
}

let early: { worker: Worker; fault: Error | undefined; off: () => void } | undefined;

/** The value of `--jobs`/`-j` in `args` (its last, as commander takes it), if there is one and it is a whole number. */
function jobsIn(args: readonly string[]): number | undefined {
  let v: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === '-j' || a === '--jobs') v = args[++i];
    else if (a.startsWith('--jobs=')) v = a.slice(7);
    else if (a.startsWith('-j') && !a.startsWith('--')) v = a.slice(2);
  }
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** Whether `args` leave the question stage on: `-d`/`--detector` absent or naming `both` or `tunnel`. */
function tunnelIn(args: readonly string[]): boolean {
  let v: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === '-d' || a === '--detector') v = args[++i];
    else if (a.startsWith('--detector=')) v = a.slice(11);
    else if (a.startsWith('-d') && !a.startsWith('--')) v = a.slice(2);
  }
  return v === undefined || v.split(',').some((p) => p.trim() === 'both' || p.trim() === 'tunnel');
}

/** The value of `-m`/`--model` in `args`, if there is one (the thread opens that model before the run asks). */
function modelIn(args: readonly string[]): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === '-m' || a === '--model') v = args[++i];
    else if (a.startsWith('--model=')) v = a.slice(8);
    else if (a.startsWith('-m') && !a.startsWith('--')) v = a.slice(2);
  }
  return v;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether `argv` looks like a score run that the plan will split by stage
 * (see startEarlyQuestionThread), and then the model directory it names
 * (undefined: the default).
 */
export function earlyQuestionThreadFor(argv: readonly string[]): { modelDir: string | undefined } | undefined {
  if (argv[2] !== 'score') return undefined;
  const args = argv.slice(3);
  const jobs = jobsIn(args);
  if (jobs === undefined || jobs < 2 || !tunnelIn(args) || process.env.DNSAE_FAST_LANE === '0') return undefined;
  const inputs = args.filter((a) => a === '-' || (!a.startsWith('-') && isFile(a)));
  if (inputs.length === 0 || planScoreJobs(inputs, jobs, true, true).mode !== 'stages') return undefined;
  return { modelDir: modelIn(args) };
}

/**
 * `dnsae score --jobs N` (N of 2 or more) that will run split by stage
 * (src/run/stage-split.ts): its question thread is started here, before
 * the command's modules load, so that the thread has loaded its own code
 * and opened its model by the time the first rows come; started when the
 * command's action starts it was ready 20-70 ms after reading had begun,
 * and every run waited that long on its last windows. The guess reads argv
 * the way the plan will (`planScoreJobs`, with every argument that names a
 * file as an input): a wrong guess costs a thread started and ended
 * unused, which dropEarlyQuestionThread() does.
 */
export function startEarlyQuestionThread(argv: readonly string[]): void {
  const want = earlyQuestionThreadFor(argv);
  if (want === undefined || early !== undefined) return;
  const worker = new Worker(QUESTION_WORKER_URL, { workerData: want });
  // Until a run takes it the thread must not keep the process alive: a usage error or --help ends the
  // process as before.
  worker.unref();
  const e = {
    worker,
    fault: undefined as Error | undefined,
    off: () => {
      worker.off('error', onError);
      worker.off('exit', onExit);
    },
  };
  const onError = (err: Error): void => void (e.fault ??= err);
  const onExit = (code: number): void => void (e.fault ??= new Error(`the question stage's thread exited with status ${code}`));
  worker.on('error', onError);
  worker.on('exit', onExit);
  early = e;
}

/** The thread startEarlyQuestionThread started, for the run that splits by stage; undefined when none was started. */
export function takeEarlyQuestionThread(): EarlyQuestionThread | undefined {
  const e = early;
  early = undefined;
  if (e === undefined) return undefined;
  e.off();
  e.worker.ref();
  return { worker: e.worker, fault: () => e.fault };
}

/** Ends a thread started early that the run did not take (its plan was another). */
export async function dropEarlyQuestionThread(): Promise<void> {
  const e = early;
  early = undefined;
  if (e === undefined) return;
  e.off();
  await e.worker.terminate();
}
