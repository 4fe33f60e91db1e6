import { dispatchIpProtocol } from '../dispatch.js';
import { u16be } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

const IPV6_HEADER = 40;
const NH_HOP_BY_HOP = 0;
const NH_ROUTING = 43;
const NH_FRAGMENT = 44;
const NH_AH = 51;
const NH_DEST_OPTS = 60;
/**
 * Longest legitimate chain (RFC 8200 order) is about six headers; a bound
 * keeps crafted chains from turning one packet into unbounded work.
 */
export const MAX_IPV6_EXT_HEADERS = 8;

/** IPv6 header and extension-header chain up to the transport header. */
export function decodeIpv6(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < IPV6_HEADER) {
    weirds.inc('truncated_ip');
    return false;
  }
  if (bytes[off] >> 4 !== 6) {
    weirds.inc('bad_ip_version');
    return false;
  }
  const payloadLen = u16be(bytes, off + 4);
  // Zero means a jumbogram (RFC 2675) or a TSO-mangled header: either way
  // the frame is the only length there is.
  let claimedEnd = payloadLen === 0 ? wireEnd : off + IPV6_HEADER + payloadLen;
  if (claimedEnd > wireEnd) {
    weirds.inc('ip_total_length_exceeds_frame');
    claimedEnd = wireEnd;
  }
  const capEnd = claimedEnd < end ? claimedEnd : end;

  out.ipVersion = 6;
  out.srcAddrOffset = off + 8;
  out.dstAddrOffset = off + 24;

  let nh = bytes[off + 6];
  let p = off + IPV6_HEADER;
  let count = 0;
  while (nh === NH_HOP_BY_HOP || nh === NH_ROUTING || nh === NH_FRAGMENT || nh === NH_DEST_OPTS || nh === NH_AH) {
    if (++count > MAX_IPV6_EXT_HEADERS) {
      out.protocol = nh;
      weirds.inc('ipv6_ext_header_chain_too_long');
      return false;
    }
    if (p + 8 > capEnd) {
      out.protocol = nh;
      weirds.inc('truncated_ipv6_ext_header');
      return false;
    }
    const next = bytes[p];
    if (nh === NH_FRAGMENT) {
      const fo = u16be(bytes, p + 2);
      if (fo >> 3 !== 0) {
        out.protocol = next;
        weirds.inc('ip_fragment_noninitial');
        return false;
      }
      // An atomic fragment (offset 0, M=0) is a whole datagram.
      if ((fo & 1) !== 0) out.firstFragment = true;
      p += 8;
    } else {
      const len = nh === NH_AH ? (bytes[p + 1] + 2) * 4 : (bytes[p + 1] + 1) * 8;
      if (p + len > capEnd) {
        out.protocol = nh;
        weirds.inc('truncated_ipv6_ext_header');
        return false;
      }
      p += len;
    }
    nh = next;
  }
  out.protocol = nh;
  return dispatchIpProtocol(nh, bytes, p, capEnd, claimedEnd, out, weirds);
}
