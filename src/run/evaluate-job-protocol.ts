import type { RegisteredDomainOptions } from '../features/question/registered-domain.js';
import type { EvalColumns } from '../evaluate/eval-types.js';
import type { TunnelCollected } from '../evaluate/tunnel-collector.js';
import type { PipelineOptions } from '../pipeline.js';
import type { EvaluateInputs } from './evaluate.js';
import type { JobError } from './job-protocol.js';

/**
 * What an evaluate worker (src/run/evaluate-worker.ts) is told and what it
 * answers. Plain data: the worker opens the models itself from their
 * directory, as the main thread did to check them.
 */
export interface EvaluateJob {
  readonly inputs: EvaluateInputs;
  readonly modelDir: string | undefined;
  readonly ruleMask: number | undefined;
  readonly pipeline: PipelineOptions;
  /** The question stage's grouping and bound; undefined: the header stage alone. */
  readonly tunnel?: { readonly domains: Partial<RegisteredDomainOptions>; readonly maxWindows: number };
  readonly workers: number;
}

export interface EvaluateWorkerData {
  readonly job: EvaluateJob;
  readonly worker: number;
}

/** A worker's part (EvaluatePart) as it crosses threads: faults as JobError. */
export interface EvaluatePartData {
  readonly samples: EvalColumns;
  readonly batches?: readonly number[];
  readonly batchCount?: number;
  readonly collected?: TunnelCollected;
  readonly errors: readonly JobError[];
  readonly stats: Record<string, unknown>;
}

/** Worker to main, once: its part, or a fault that is not an input's (the run stops). */
export type EvaluateWorkerMessage =
  | { readonly t: 'done'; readonly part: EvaluatePartData }
  | { readonly t: 'fatal'; readonly error: JobError & { readonly internal: boolean } };
