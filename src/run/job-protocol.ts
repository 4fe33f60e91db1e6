import { DnsaeError, type ErrorCode } from '../errors.js';
import type { RegisteredDomainOptions } from '../features/question/registered-domain.js';
import type { PipelineOptions } from '../pipeline.js';
import type { AlertPolicyOptions } from '../scoring/alert-policy.js';
import type { DetectorMode } from '../scoring/batch-scorer.js';
import type { ExtractFormat } from './extract.js';

/**
 * What a job worker is told and what it answers (worker_threads messages).
 * Everything here is plain data: a worker opens the model itself from its
 * directory, as the main thread did to check it.
 */
export type JobCommand =
  | {
      readonly kind: 'score';
      readonly modelDir: string | undefined;
      readonly mode: DetectorMode | undefined;
      readonly ruleMask: number | undefined;
      readonly policy: AlertPolicyOptions;
      readonly all: boolean;
      readonly tunnel?: { readonly domains: Partial<RegisteredDomainOptions>; readonly maxWindows: number; readonly allowDomains: readonly string[] };
    }
  | { readonly kind: 'extract'; readonly format: ExtractFormat };

/**
 * How the inputs are shared: `files` gives each worker whole inputs, one at
 * a time, each scored by a fresh run as if alone; `shares` has every worker
 * read every input and assemble only its share of the clients
 * (src/flow/flow-share.ts).
 */
export type JobMode = 'files' | 'shares';

export interface JobSpec {
  readonly command: JobCommand;
  readonly inputs: readonly string[];
  readonly pipeline: PipelineOptions;
  readonly communityIdSeed: number;
  readonly mode: JobMode;
  readonly workers: number;
}

export interface JobWorkerData {
  readonly spec: JobSpec;
  readonly worker: number;
}

/** A job worker thread started before its command knew the job (src/run/early-threads.ts) is sent it first. */
export interface JobStart {
  readonly t: 'job';
  readonly data: JobWorkerData;
}

/** A fault of one input, as DnsaeError carries it. */
export interface JobError {
  readonly code: string;
  readonly message: string;
  readonly file?: string;
  readonly offset?: number;
}

export function toJobError(e: DnsaeError): JobError {
  return { code: e.code, message: e.message, ...(e.file === undefined ? {} : { file: e.file }), ...(e.offset === undefined ? {} : { offset: e.offset }) };
}

/** A worker's fault that ended it, for its 'fatal' message: a DnsaeError as it is, anything else as an internal fault. */
export function toFatalError(err: unknown): JobError & { readonly internal: boolean } {
  if (err instanceof DnsaeError) return { ...toJobError(err), internal: false };
  const e = err as Error | undefined;
  return { code: 'DNSAE_ERR_INTERNAL', message: e?.message ?? String(err), internal: true };
}

export function fromJobError(e: JobError): DnsaeError {
  return new DnsaeError(e.code as ErrorCode, e.message, { ...(e.file === undefined ? {} : { file: e.file }), ...(e.offset === undefined ? {} : { offset: e.offset }) });
}

/** Worker to main. `file` and `share` name the output stream a message belongs to. */
export type WorkerMessage =
  /** Record bytes, whole lines. */
  | { readonly t: 'data'; readonly file: number; readonly share: number; readonly bytes: Uint8Array; readonly lines: number }
  /** The end of one chunk of input: where the streams of one input's shares take turns. */
  | { readonly t: 'mark'; readonly file: number; readonly share: number }
  /** The input is done: its faults, and the summary and alert count of the run that read it when that run ends with it. */
  | { readonly t: 'done'; readonly file: number; readonly share: number; readonly stats?: Record<string, unknown>; readonly alerts?: number; readonly errors: readonly JobError[] }
  /** files mode: ready for the next input. */
  | { readonly t: 'idle' }
  /** A fault that is not an input's (a bug, a model that would not open): the run stops. */
  | { readonly t: 'fatal'; readonly error: JobError & { readonly internal: boolean } };

/** Main to worker. */
export type MainMessage =
  /** Bytes of this worker's messages written out: room for more. */
  | { readonly t: 'ack'; readonly bytes: number }
  /** files mode: run this input. */
  | { readonly t: 'file'; readonly index: number }
  /** files mode: nothing left. */
  | { readonly t: 'exit' };

/** What an unwritten worker may hold in the main thread's queues: past it, it waits for acks. */
export const WORKER_CREDIT_BYTES = 16 * 1024 * 1024;
/** What a mark counts against the credit, so that a worker far ahead on inputs without records also waits. */
export const MARK_BYTES = 4096;
