import { parentPort, workerData } from 'node:worker_threads';
import type { JobStart, JobWorkerData } from './job-protocol.js';
import { JobRunner } from './job-runner.js';

/**
 * A job worker thread of `dnsae score|extract --jobs N` (src/run/parallel-run.ts): a JobRunner on the
 * thread's port, for the job in its workerData or, for a thread started before the command knew it
 * (src/run/early-threads.ts), in its first message.
 */
const port = parentPort!;
if (workerData != null) void new JobRunner(port, workerData as JobWorkerData).run();
else port.once('message', (m: JobStart) => void new JobRunner(port, m.data).run());
