import type { Frame } from '../capture/frame.js';
import { linktypeDecoders } from './dispatch.js';
import { resetDecodedPacket, type DecodedPacket } from './packet.js';
import './tables.js';
import type { WeirdCounters } from './weirds.js';

/**
 * Decodes one frame into `out` (reused across frames). Returns true when an
 * IPv4/IPv6 packet with a UDP or TCP header was found; `out` then holds
 * offsets into `frame.buf` (the frame starts at `frame.offset`), valid only
 * while the frame is. Malformed input counts a weird in `weirds` and returns
 * false; nothing here throws on input.
 */
export function decodeFrame(frame: Frame, out: DecodedPacket, weirds: WeirdCounters): boolean {
  const bytes = frame.buf;
  resetDecodedPacket(out, bytes);
  out.srcAddrOffset = 0;
  out.dstAddrOffset = 0;
  const dec = linktypeDecoders.get(frame.linktype);
  if (dec === undefined) {
    weirds.inc('unknown_linktype');
    return false;
  }
  const off = frame.offset;
  const len = frame.capLen;
  // origLen below the captured length is a damaged record: trust the bytes.
  const wireEnd = off + (frame.origLen > len ? frame.origLen : len);
  return dec(bytes, off, off + len, wireEnd, out, weirds);
}
