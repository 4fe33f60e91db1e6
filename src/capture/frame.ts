import type { PcapHeaderInfo } from './pcap-reader.js';
import type { PcapngInterface } from './pcapng-reader.js';

/**
 * What every packet source hands to the decoder. Sources reuse one Frame
 * object and one backing buffer per chunk, so a consumer must copy whatever
 * it keeps beyond the synchronous `onFrame` call.
 */
export interface Frame {
  /** Seconds since the epoch (integer part). */
  tsSec: number;
  /** Fraction of the second in nanoseconds (0..999_999_999). */
  tsNsec: number;
  /** LINKTYPE_* value of the interface the frame came from. */
  linktype: number;
  /**
   * Holds the captured bytes at `[offset, offset + capLen)`, among other
   * records (a reader's window, the live ring). Valid only during the onFrame
   * call. No view is made per frame: a `subarray` per packet was the largest
   * allocation on the read path and kept the scavenger busy.
   */
  buf: Uint8Array;
  offset: number;
  /** Captured length. */
  capLen: number;
  /** Length on the wire (>= capLen when snaplen truncated it). */
  origLen: number;
  /** pcapng interface index (0 for classic pcap and live). */
  ifIndex: number;
  /** Byte offset of the record within its file, for error messages. */
  fileOffset: number;
}

export type FrameHandler = (frame: Frame) => void;

export interface SourceStats {
  frames: number;
  bytes: number;
  /** Records skipped but not fatal (e.g. pcapng blocks of unknown type). */
  skippedBlocks: number;
}

/**
 * Something that takes whole capture records (classic pcap records, pcapng
 * blocks) straight from a reader's window, ahead of the per-frame handler
 * (the flow assembler's fast lane, src/flow/fast-lane.ts). The reader
 * offers it each run of complete records; it consumes what it can and the
 * reader goes on with onFrame from where it stopped, one record, before
 * offering again.
 */
export interface PcapFastPath {
  /** A buffer of `size` bytes for the reader's window, in the memory scan() works on, or undefined. */
  windowBuffer(size: number): Uint8Array | undefined;
  /** Once per file, after its header: false when the file is not for this fast path. */
  begin(header: PcapHeaderInfo, maxRecord: number): boolean;
  /**
   * Consumes records from buf[p, end), counts them (and their captured
   * bytes) in `stats`, and returns the offset of the first one it left.
   */
  scan(buf: Uint8Array, p: number, end: number, stats: SourceStats): number;
  /** pcapng: once per file, with the reader's block ceiling; false when the file is not for this fast path. */
  beginPcapng(maxBlock: number): boolean;
  /** pcapng: the section's interfaces, after every section header and interface description block. */
  pcapngInterfaces(interfaces: readonly PcapngInterface[], littleEndian: boolean): void;
  /** pcapng: as scan, over blocks. */
  scanPcapng(buf: Uint8Array, p: number, end: number, stats: SourceStats): number;
  /** Records consumed, in all. */
  readonly frames: number;
}

/**
 * A packet source. `run` parses synchronously per chunk and calls `onFrame`
 * for each record in order; `afterChunk` (if given) is awaited between chunks
 * so the consumer can apply backpressure. It resolves at a clean end of input
 * and rejects with a CaptureFileError at damage, after every record before
 * the damage has been delivered.
 */
export interface PacketSource {
  readonly name: string;
  readonly stats: SourceStats;
  /** `fast` is taken by the pcap and pcapng readers; live sources ignore it. */
  run(onFrame: FrameHandler, afterChunk?: () => Promise<void> | void, fast?: PcapFastPath): Promise<void>;
}

const EMPTY = new Uint8Array(0);

export function newFrame(): Frame {
  return { tsSec: 0, tsNsec: 0, linktype: 0, buf: EMPTY, offset: 0, capLen: 0, origLen: 0, ifIndex: 0, fileOffset: 0 };
}

/** The captured bytes as a view (allocates one; for tests and tools, not the per-packet path). */
export function frameBytes(frame: Frame): Uint8Array {
  return frame.buf.subarray(frame.offset, frame.offset + frame.capLen);
}

export function newSourceStats(): SourceStats {
  return { frames: 0, bytes: 0, skippedBlocks: 0 };
}
