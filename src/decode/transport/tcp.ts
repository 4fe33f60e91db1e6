import { i32be, u16be } from '../layer.js';
import { IPPROTO_TCP, type DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

const TCP_MIN_HEADER = 20;

/** TCP header; the segment payload is whatever the IP length leaves after it. */
export function decodeTcp(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < TCP_MIN_HEADER) {
    weirds.inc('truncated_tcp');
    return false;
  }
  const hlen = (bytes[off + 12] >> 4) * 4;
  if (hlen < TCP_MIN_HEADER || off + hlen > wireEnd) {
    weirds.inc('bad_tcp_header_length');
    return false;
  }
  if (off + hlen > end) {
    weirds.inc('truncated_tcp');
    return false;
  }
  out.protocol = IPPROTO_TCP;
  out.srcPort = u16be(bytes, off);
  out.dstPort = u16be(bytes, off + 2);
  out.tcpSeq = i32be(bytes, off + 4);
  out.tcpAck = i32be(bytes, off + 8);
  out.tcpFlags = bytes[off + 13];
  out.payloadOffset = off + hlen;
  out.payloadLength = wireEnd - out.payloadOffset;
  out.payloadCaptured = end - out.payloadOffset;
  return true;
}
