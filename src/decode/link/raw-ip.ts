import { dispatchByIpVersion, dispatchEthertype, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../dispatch.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

/** LINKTYPE_RAW (101, and DLT_RAW 12/14 on BSDs): IPv4 or IPv6 by version nibble. */
export function decodeRawIp(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  return dispatchByIpVersion(bytes, off, end, wireEnd, out, weirds);
}

/**
 * LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) promise one version; the IP
 * decoders check the nibble, so a mismatch counts `bad_ip_version`.
 */
export function decodeLinkIpv4(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  return dispatchEthertype(ETHERTYPE_IPV4, bytes, off, end, wireEnd, out, weirds);
}

export function decodeLinkIpv6(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  return dispatchEthertype(ETHERTYPE_IPV6, bytes, off, end, wireEnd, out, weirds);
}
