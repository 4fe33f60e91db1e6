import type { Command } from 'commander';
import { availableJobs } from '../run/job-plan.js';
import { parseIntOption } from './run-action.js';

/** `-j, --jobs N` of the batch commands; unset, the run picks (planJobs). */
export function addJobsOption(cmd: Command): Command {
  return cmd.option(
    '-j, --jobs <n>',
    `worker threads (default: the ${availableJobs()} cores available, for inputs of 32 MiB or more; 1 runs in this thread alone). ` +
      'Several captures go whole to the workers; one capture is split by client. Records are written in a fixed order (docs/scaling.md)',
    parseIntOption('--jobs', 1, 256),
  );
}

export interface JobsCliOptions {
  jobs?: number;
  communityIdSeed: number;
}
