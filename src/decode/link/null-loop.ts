import { dispatchEthertype, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../dispatch.js';
import { u32le } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

const AF_INET = 2;
/** AF_INET6 differs per OS: Linux, NetBSD/OpenBSD, FreeBSD, Darwin. */
const AF_INET6_VALUES = [10, 24, 28, 30] as const;

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/**
 * LINKTYPE_NULL (0, family in the capturing host's byte order) and
 * LINKTYPE_LOOP (108, network byte order). Family values are small, so a
 * value with high bits set was written in the other byte order (the same
 * test tcpdump makes); one decoder covers both link types.
 */
export function decodeNullLoop(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < 4) {
    weirds.inc('truncated_link_header');
    return false;
  }
  let family = u32le(bytes, off);
  if ((family & 0xffff0000) !== 0) family = swap32(family);
  let ethertype = 0;
  if (family === AF_INET) ethertype = ETHERTYPE_IPV4;
  else if (family === AF_INET6_VALUES[0] || family === AF_INET6_VALUES[1] || family === AF_INET6_VALUES[2] || family === AF_INET6_VALUES[3]) {
    ethertype = ETHERTYPE_IPV6;
  }
  if (ethertype === 0) {
    weirds.inc('non_ip_payload');
    return false;
  }
  return dispatchEthertype(ethertype, bytes, off + 4, end, wireEnd, out, weirds);
}
