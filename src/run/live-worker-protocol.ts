import type { RegisteredDomainOptions } from '../features/question/registered-domain.js';
import type { PipelineOptions } from '../pipeline.js';
import type { AlertPolicyOptions } from '../scoring/alert-policy.js';
import type { DetectorMode } from '../scoring/batch-scorer.js';
import type { LiveSnapshot } from './live-stats.js';
import type { LossRatioCounts } from './loss-ratio-histogram.js';

/**
 * What a worker of `dnsae live --workers N` is told and answers
 * (worker_threads messages). Plain data: a worker opens the models itself
 * from their directory, as the main thread would.
 */
export interface LiveWorkerSpec {
  readonly worker: number;
  readonly device: string;
  readonly modelDir: string;
  readonly mode: DetectorMode | undefined;
  readonly tunnel?: { readonly domains: Partial<RegisteredDomainOptions>; readonly maxWindows: number; readonly allowDomains: readonly string[] };
  readonly ruleMask: number | undefined;
  readonly policy: AlertPolicyOptions;
  readonly all: boolean;
  readonly pipeline: PipelineOptions;
  readonly communityIdSeed: number;
}

/** A fault as DnsaeError carries it; `internal` when it was not one. */
export interface LiveWorkerError {
  readonly code: string;
  readonly message: string;
  readonly file?: string;
  readonly internal: boolean;
}

/** A worker's counters: the capture queue's and the kernel's are the main thread's and read 0 here. */
export interface LiveWorkerReading {
  readonly snapshot: LiveSnapshot;
  readonly lossRatio: LossRatioCounts | undefined;
}

export type LiveWorkerMessage =
  /** The models are loaded and the pipeline built. */
  | { readonly t: 'ready'; readonly modelId: string | null }
  /** Started on the records: whether the fast lane takes them. */
  | { readonly t: 'started'; readonly fastLane: boolean }
  /** Record bytes, whole lines. */
  | { readonly t: 'lines'; readonly bytes: Uint8Array; readonly lines: number }
  /** A forwarded run scored: its buffer back, for the next run. */
  | { readonly t: 'consumed'; readonly buffer: Uint8Array }
  | { readonly t: 'reading'; readonly id: number; readonly reading: LiveWorkerReading }
  | {
      readonly t: 'reloaded';
      readonly id: number;
      readonly ok: boolean;
      readonly oldModelId: string | null;
      readonly newModelId: string | null;
      readonly oldTunnelModelId: string | null;
      readonly newTunnelModelId: string | null;
      readonly error?: string;
    }
  /** Every run scored, the open windows too, every record sent. */
  | { readonly t: 'done'; readonly reading: LiveWorkerReading; readonly summary: Record<string, unknown> }
  | { readonly t: 'fatal'; readonly error: LiveWorkerError };

export type LiveMainMessage =
  /** Capture is open: the link type (LINKTYPE_*) and snaplen of the records that will come. */
  | { readonly t: 'start'; readonly linktype: number; readonly snaplen: number }
  /** A run of pcap records from the worker's capture handle: `buffer[0, bytes)`. */
  | { readonly t: 'run'; readonly buffer: Uint8Array; readonly bytes: number }
  /** Capture has stopped: score what is queued and finish. */
  | { readonly t: 'end' }
  /** Bytes of this worker's lines written out. */
  | { readonly t: 'ack'; readonly bytes: number }
  | { readonly t: 'read'; readonly id: number }
  | { readonly t: 'reload'; readonly id: number };

/**
 * Forwarding buffers per worker (each LiveSource.forwardBufferBytes, 1 MiB
 * by default), passed back and forth: with every one at the worker, the main
 * thread leaves frames in the capture queue.
 */
export const LIVE_RUN_BUFFERS = 4;
/** Record bytes a worker may have in the main thread's queues: past it, it waits for acks. */
export const LIVE_LINE_CREDIT_BYTES = 16 * 1024 * 1024;
