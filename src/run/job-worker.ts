import { parentPort, workerData } from 'node:worker_threads';
import type { JobWorkerData } from './job-protocol.js';
import { JobRunner } from './job-runner.js';

/** A job worker thread of `dnsae score|extract --jobs N` (src/run/parallel-run.ts): a JobRunner on the thread's port. */
void new JobRunner(parentPort!, workerData as JobWorkerData).run();
