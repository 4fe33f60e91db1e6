import type { Command } from 'commander';
import { availableJobs } from '../run/job-plan.js';
import { parseIntOption } from './run-action.js';

/** `-j, --jobs N` of the batch commands; unset, the run picks (planJobs). */
export function addJobsOption(cmd: Command): Command {
  return cmd.option(
    '-j, --jobs <n>',
    `worker threads (default 1: this thread alone; 0: the ${availableJobs()} cores available for 32 MiB of input or more, and for one capture only when the question stage runs). ` +
      'Several captures go whole to the workers; one capture is split by client. Records are written in a fixed order (docs/scaling.md)',
    parseIntOption('--jobs', 0, 256),
  );
}

export interface JobsCliOptions {
  jobs?: number;
  communityIdSeed: number;
}
