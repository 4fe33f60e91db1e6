import { u16be } from '../layer.js';
import { IPPROTO_UDP, type DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

const UDP_HEADER = 8;

/**
 * UDP header. `end`/`wireEnd` are the captured and claimed ends of the IP
 * payload; the UDP length field then decides the datagram's extent.
 */
export function decodeUdp(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < UDP_HEADER) {
    weirds.inc('truncated_udp');
    return false;
  }
  out.protocol = IPPROTO_UDP;
  out.srcPort = u16be(bytes, off);
  out.dstPort = u16be(bytes, off + 2);
  out.payloadOffset = off + UDP_HEADER;

  const udpLen = u16be(bytes, off + 4);
  const ipPayload = wireEnd - off;
  let datagramEnd: number;
  if (udpLen < UDP_HEADER) {
    // The ports are still real, so the packet is reported, with no payload.
    weirds.inc('bad_udp_length');
    out.payloadLength = 0;
    out.payloadCaptured = 0;
    return true;
  }
  if (udpLen > ipPayload) {
    if (out.firstFragment) {
      // The rest of the datagram is in later fragments: the length is right.
      out.payloadLength = udpLen - UDP_HEADER;
      out.payloadCaptured = end - out.payloadOffset;
      return true;
    }
    weirds.inc('udp_length_exceeds_ip_payload');
    datagramEnd = wireEnd;
  } else {
    if (udpLen < ipPayload) {
      // Bytes after the UDP datagram but inside the IP packet: a stack would
      // drop them, and so do we, but they are worth a counter (covert slack).
      weirds.inc('udp_length_short_of_ip_payload');
    }
    datagramEnd = off + udpLen;
  }
  out.payloadLength = datagramEnd - out.payloadOffset;
  const capEnd = datagramEnd < end ? datagramEnd : end;
  out.payloadCaptured = capEnd - out.payloadOffset;
  return true;
}
