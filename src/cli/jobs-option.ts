import type { Command } from 'commander';
import { availableJobs } from '../run/job-plan.js';
import { parseIntOption } from './run-action.js';

/** How a command shares its inputs among the workers, for --help. */
export interface JobsHelp {
  /** What --jobs 0 picks, after "the N cores available". */
  readonly zero: string;
  readonly sharing: string;
}

const SCORE_JOBS: JobsHelp = {
  zero: 'for 32 MiB of input or more, and for one capture only when the question stage runs',
  sharing:
    "With the question stage, one capture, standard input or several captures under 96 MiB on average are one run with that stage in a second thread (one run's records and summary); larger captures go whole to the workers; without that stage one capture is split by flow. Records are written in a fixed order (docs/scaling.md)",
};

export const EXTRACT_JOBS: JobsHelp = {
  zero: 'for 32 MiB of input or more with --format none; this thread alone when records are written, since every record passes through it',
  sharing: 'Several captures go whole to the workers; one capture is split by flow, every worker reading it. Records are written in a fixed order (docs/scaling.md)',
};

/** `-j, --jobs N` of the batch commands; unset, the run picks (planJobs). */
export function addJobsOption(cmd: Command, help: JobsHelp = SCORE_JOBS): Command {
  return cmd.option(
    '-j, --jobs <n>',
    `workers, this thread and n-1 worker threads (default 1: this thread alone; 0: the ${availableJobs()} cores available ${help.zero}). ${help.sharing}`,
    parseIntOption('--jobs', 0, 256),
  );
}

export interface JobsCliOptions {
  jobs?: number;
  communityIdSeed: number;
}
