import type { RegisteredDomainOptions } from '../features/question/registered-domain.js';
import type { AlertPolicyOptions } from '../scoring/alert-policy.js';
import type { JobError } from './job-protocol.js';

/**
 * What the question stage's thread of a split run (src/run/stage-split.ts)
 * is told and what it answers. Plain data: the thread opens the question
 * model itself from its directory, as the main thread did to check it.
 */
export interface QuestionThreadData {
  readonly modelDir: string | undefined;
  readonly domains: Partial<RegisteredDomainOptions>;
  readonly maxWindows: number;
  readonly allowDomains: readonly string[];
  readonly policy: AlertPolicyOptions;
  readonly all: boolean;
  readonly sourceNames: readonly string[];
  readonly batchSize: number;
  readonly communityIdSeed: number;
}

/** Main to the question thread, in the order of the run. */
export type ToQuestionThread =
  /** First: what the stage is (the thread starts before the main thread has opened the model and read the options' files). */
  | { readonly t: 'start'; readonly data: QuestionThreadData }
  /** A delivered batch's packed rows (FlowAssembler.packQuestionRows): the first `length` bytes of `buf`, which comes back with the answer. */
  | { readonly t: 'rows'; readonly seq: number; readonly buf: ArrayBuffer; readonly length: number }
  /** An input ended: its windows close, and the next rows are input `next`'s. */
  | { readonly t: 'end'; readonly seq: number; readonly next: number }
  /** The run is over: the stage's counters, please. */
  | { readonly t: 'finish' };

/** The question thread to main. */
export type FromQuestionThread =
  /** The records message `seq` made (possibly none), and its buffer back. */
  | { readonly t: 'out'; readonly seq: number; readonly bytes: Uint8Array | undefined; readonly lines: number; readonly buf?: ArrayBuffer }
  /** After finish: what one run's stage reports. */
  | {
      readonly t: 'result';
      readonly stats: Record<string, unknown>;
      readonly alerting: Record<string, unknown>;
      readonly alerts: number;
      readonly modelId: string;
      readonly weirds: Record<string, number>;
    }
  | { readonly t: 'fatal'; readonly error: JobError & { readonly internal: boolean } };
