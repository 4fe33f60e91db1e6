import type { Frame, FrameHandler, PcapFastPath, SourceStats } from './frame.js';
import type { PcapHeaderInfo } from './pcap-reader.js';
import { RECORD_HEADER } from './live-ring.js';

/** The fast lane's view of live records: classic pcap, little-endian, nanoseconds (LINKTYPE_ETHERNET only). */
export const LINKTYPE_ETHERNET = 1;
/** Frames of the fast lane's run are copied into its window of this size at most. */
export const LANE_RUN_BYTES = 1 << 20;

/** The fast path's window when it takes live records of `linktype` and `snaplen`, else undefined. */
export function liveLaneWindow(fast: PcapFastPath | undefined, linktype: number, snaplen: number): Uint8Array | undefined {
  if (fast === undefined || linktype !== LINKTYPE_ETHERNET) return undefined;
  const win = fast.windowBuffer(LANE_RUN_BYTES);
  if (win === undefined) return undefined;
  const header: PcapHeaderInfo = { littleEndian: true, nanosecond: true, versionMajor: 2, versionMinor: 4, snaplen, linktype: LINKTYPE_ETHERNET, fcsBytes: 0 };
  // No record is above the snaplen; the ceiling only has to let every one through.
  return fast.begin(header, Math.max(snaplen, 262_144)) ? win : undefined;
}

/**
 * The records of buf[0, end) through the lane (when given), and those it
 * leaves through onFrame, as PcapReader.run does; returns how many the
 * lane took.
 */
export function scanRecords(fast: PcapFastPath | undefined, buf: Uint8Array, view: DataView, end: number, frame: Frame, onFrame: FrameHandler, stats: SourceStats): number {
  let lane = 0;
  let p = 0;
  while (p < end) {
    if (fast !== undefined) {
      const before = stats.frames;
      p = fast.scan(buf, p, end, stats);
      lane += stats.frames - before;
    }
    if (end - p < RECORD_HEADER) break;
    const incl = view.getUint32(p + 8, true);
    frame.tsSec = view.getUint32(p, true);
    frame.tsNsec = view.getUint32(p + 4, true);
    frame.buf = buf;
    frame.offset = p + RECORD_HEADER;
    frame.capLen = incl;
    frame.origLen = view.getUint32(p + 12, true);
    stats.frames++;
    stats.bytes += incl;
    p += RECORD_HEADER + incl;
    onFrame(frame);
  }
  return lane;
}
