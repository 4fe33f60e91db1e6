import { dispatchIpProtocol } from '../dispatch.js';
import { u16be } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

const IPV4_MIN_HEADER = 20;
const MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET_MASK = 0x1fff;

/**
 * IPv4 header. The total length bounds what the transport layer sees, which
 * is what strips Ethernet padding and trailing FCS bytes from the payload.
 */
export function decodeIpv4(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < IPV4_MIN_HEADER) {
    weirds.inc('truncated_ip');
    return false;
  }
  if (bytes[off] >> 4 !== 4) {
    weirds.inc('bad_ip_version');
    return false;
  }
  const hlen = (bytes[off] & 0x0f) * 4;
  if (hlen < IPV4_MIN_HEADER) {
    weirds.inc('bad_ipv4_header_length');
    return false;
  }
  if (off + hlen > end) {
    weirds.inc('truncated_ip');
    return false;
  }
  let totalLen = u16be(bytes, off + 2);
  if (totalLen === 0) {
    // TCP segmentation offload leaves the field zero in locally captured
    // packets (Zeek treats it the same way): trust the frame instead.
    weirds.inc('ipv4_total_length_zero');
    totalLen = wireEnd - off;
  } else if (totalLen < hlen) {
    weirds.inc('ip_total_length_too_small');
    return false;
  }
  let claimedEnd = off + totalLen;
  if (claimedEnd > wireEnd) {
    weirds.inc('ip_total_length_exceeds_frame');
    claimedEnd = wireEnd;
  }
  const capEnd = claimedEnd < end ? claimedEnd : end;

  out.ipVersion = 4;
  out.srcAddrOffset = off + 12;
  out.dstAddrOffset = off + 16;
  const protocol = bytes[off + 9];
  out.protocol = protocol;

  const frag = u16be(bytes, off + 6);
  if ((frag & FRAGMENT_OFFSET_MASK) !== 0) {
    // Later fragments carry no transport header; treating their bytes as one
    // would invent packets (and samples) out of the middle of a datagram.
    weirds.inc('ip_fragment_noninitial');
    return false;
  }
  out.firstFragment = (frag & MORE_FRAGMENTS) !== 0;
  return dispatchIpProtocol(protocol, bytes, off + hlen, capEnd, claimedEnd, out, weirds);
}
