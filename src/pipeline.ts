import type { PacketSource } from './capture/frame.js';
import { openCapture } from './capture/open-capture.js';
import { decodeFrame } from './decode/decode-frame.js';
import { newDecodedPacket } from './decode/packet.js';
import { WeirdCounters } from './decode/weirds.js';
import { DnsaeError } from './errors.js';
import { FlowAssembler, type PayloadTap } from './flow/flow-assembler.js';
import type { FlowShare } from './flow/flow-share.js';
import type { SampleBatch } from './flow/sample.js';
import type { Logger } from './logger.js';

/**
 * frames -> decoded packets -> flow samples -> batches -> consumer.
 * Parsing, decoding and flow assembly run synchronously per chunk of input;
 * the only await per chunk is the consumer's drain, which is where output
 * backpressure stops the reader.
 */
export interface PipelineOptions {
  ports: readonly number[];
  maxFlows: number;
  udpIdleSec: number;
  tcpIdleSec: number;
  maxTcpBufferBytes: number;
  batchSize: number;
  /** See FlowAssemblerOptions.fastLane (default true). */
  fastLane?: boolean;
  /** See FlowAssemblerOptions.keepMessageBytes (default 0: the question stage is off). */
  keepMessageBytes?: number;
  /**
   * See FlowAssemblerOptions.share. Every worker of a split capture reads
   * every frame; only share 0's pipeline counts frames, decode weirds and
   * ignored packets, so the workers' summaries add up to one run's.
   */
  share?: FlowShare;
  /** See FlowAssemblerOptions.questionWindows and questionCacheSize. */
  questionWindows?: number;
  questionCacheSize?: number;
  /** See FlowAssemblerOptions.packQuestionRows. */
  packQuestionRows?: boolean;
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  ports: [53],
  maxFlows: 100_000,
  udpIdleSec: 60,
  tcpIdleSec: 300,
  maxTcpBufferBytes: 64 * 1024,
  batchSize: 4096,
};

export interface BatchConsumer {
  /** Called synchronously with a full (or final) batch; the batch is reused afterwards. */
  onBatch(batch: SampleBatch): void;
  /** Awaited between input chunks: resolve when more output can be buffered. */
  drain(): Promise<void>;
  /**
   * Optional: each sample's whole payload, before its batch reaches onBatch
   * (see PayloadTap). Only consumers that need more than the header (the
   * evaluation's dns-packet baseline) define it; it makes TCP framing copy
   * message bodies.
   */
  readonly onPayload?: PayloadTap;
}

export interface SourceSummary {
  name: string;
  frames: number;
  decoded: number;
  samples: number;
  /** pcapng blocks skipped as not packets (unknown types, statistics); present when non-zero. */
  skipped_blocks?: number;
  error?: string;
}

export class Pipeline {
  readonly weirds = new WeirdCounters();
  /** Where decoding counts its weirds: this.weirds, or a scratch set in a share other than 0 (see PipelineOptions.share). */
  private readonly decodeWeirds: WeirdCounters;
  private readonly countsFrames: boolean;
  readonly assembler: FlowAssembler;
  frames = 0;
  decoded = 0;
  samples = 0;
  readonly sources: SourceSummary[] = [];

  constructor(
    readonly options: PipelineOptions,
    private readonly consumer: BatchConsumer,
    private readonly log: Logger,
  ) {
    this.assembler = new FlowAssembler(
      {
        ports: new Set(options.ports),
        maxFlows: options.maxFlows,
        udpIdleSec: options.udpIdleSec,
        tcpIdleSec: options.tcpIdleSec,
        maxTcpBufferBytes: options.maxTcpBufferBytes,
        batchSize: options.batchSize,
        ...(options.fastLane === undefined ? {} : { fastLane: options.fastLane }),
        ...(options.keepMessageBytes === undefined ? {} : { keepMessageBytes: options.keepMessageBytes }),
        ...(options.questionWindows === undefined ? {} : { questionWindows: options.questionWindows }),
        ...(options.questionCacheSize === undefined ? {} : { questionCacheSize: options.questionCacheSize }),
        ...(options.packQuestionRows === undefined ? {} : { packQuestionRows: options.packQuestionRows }),
        ...(consumer.onPayload === undefined ? {} : { payloadTap: consumer.onPayload }),
        ...(options.share === undefined ? {} : { share: options.share }),
      },
      (batch) => {
        this.samples += batch.count;
        this.consumer.onBatch(batch);
      },
      this.weirds,
    );
    this.countsFrames = (options.share?.index ?? 0) === 0;
    this.decodeWeirds = this.countsFrames ? this.weirds : new WeirdCounters();
  }

  /**
   * Runs one source to its end. Flows are flushed at the end of every
   * source, also when it fails, so samples read before damage are kept.
   */
  async runSource(source: PacketSource, sourceIndex: number): Promise<void> {
    const pkt = newDecodedPacket();
    const weirds = this.decodeWeirds;
    const assembler = this.assembler;
    const summary: SourceSummary = { name: source.name, frames: 0, decoded: 0, samples: 0 };
    this.sources.push(summary);
    const samplesBefore = this.samples;
    let frames = 0;
    let decoded = 0;
    // Records the fast lane takes never reach the frame handler: counted from the lane.
    const fast = assembler.pcapFastPath(sourceIndex);
    const fastFrames = fast?.frames ?? 0;
    try {
      await source.run(
        (frame) => {
          frames++;
          if (decodeFrame(frame, pkt, weirds)) {
            decoded++;
            assembler.ingest(pkt, frame.tsSec, frame.tsNsec, sourceIndex);
          }
        },
        () => this.consumer.drain(),
        fast,
      );
    } catch (err) {
      if (err instanceof DnsaeError) summary.error = err.toLine();
      throw err;
    } finally {
      assembler.flush();
      const laneFrames = (fast?.frames ?? 0) - fastFrames;
      frames += laneFrames;
      decoded += laneFrames;
      if (!this.countsFrames) {
        frames = 0;
        decoded = 0;
      }
      this.frames += frames;
      this.decoded += decoded;
      summary.frames = frames;
      summary.decoded = decoded;
      summary.samples = this.samples - samplesBefore;
      if (source.stats.skippedBlocks > 0) summary.skipped_blocks = source.stats.skippedBlocks;
      this.log.debug({ source: source.name, frames, decoded }, 'source done');
    }
  }

  /** The run is over and its results read: its assembler's memory may serve the thread's next run (FlowAssembler.release). */
  release(): void {
    this.assembler.release();
  }

  stats(): Record<string, unknown> {
    return {
      frames: this.frames,
      decoded: this.decoded,
      samples: this.samples,
      weirds: this.weirds.toJSON(),
      weirds_total: this.weirds.total(),
      flows: this.countsFrames ? this.assembler.stats : { ...this.assembler.stats, packets_ignored: 0 },
    };
  }
}

/**
 * Told when each input is opened and when it is done, so a caller can show
 * how far reading has got from `source.stats` (the CLI's progress display)
 * without anything on the per-packet path.
 */
export interface SourceObserver {
  opened(source: PacketSource, index: number, path: string): void;
  closed(source: PacketSource, index: number): void;
}

export interface RunFilesResult {
  /** Faults of individual inputs; processing went on with the next input. */
  readonly errors: DnsaeError[];
}

/**
 * Runs every input in order. A damaged or unreadable input is reported and
 * skipped so one bad file does not cost the results of the others; the
 * caller turns `errors` into the exit status.
 */
export async function runFiles(
  paths: readonly string[],
  pipeline: Pipeline,
  log: Logger,
  onSourceDone?: (index: number) => Promise<void> | void,
  /** Which inputs, by index into `paths` (default: all, in order); a job worker runs its own. */
  indices?: readonly number[],
  observer?: SourceObserver,
): Promise<RunFilesResult> {
  const errors: DnsaeError[] = [];
  const n = indices?.length ?? paths.length;
  for (let k = 0; k < n; k++) {
    const i = indices === undefined ? k : indices[k]!;
    const path = paths[i]!;
    try {
      const source = await openCapture(path);
      observer?.opened(source, i, path);
      try {
        await pipeline.runSource(source, i);
      } finally {
        observer?.closed(source, i);
      }
    } catch (err) {
      if (!(err instanceof DnsaeError)) throw err;
      errors.push(err);
      // Output faults end the run: nothing more can be written.
      if (err.code === 'DNSAE_ERR_OUTPUT') break;
      log.debug({ file: path, code: err.code }, 'input failed; going on with the next');
    }
    await onSourceDone?.(i);
  }
  return { errors };
}
