import { dispatchEthertype, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../dispatch.js';
import { u16be } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

export const PPP_IPV4 = 0x0021;
export const PPP_IPV6 = 0x0057;

/** PPP protocol number to the ethertype of the same network layer; 0 if none. */
export function pppToEthertype(proto: number): number {
  if (proto === PPP_IPV4) return ETHERTYPE_IPV4;
  if (proto === PPP_IPV6) return ETHERTYPE_IPV6;
  return 0;
}

/**
 * LINKTYPE_PPP (9) and LINKTYPE_PPP_HDLC (50): optional FF 03 address and
 * control bytes, then a 1- or 2-byte protocol (an odd first byte means the
 * compressed 1-byte form). Cisco HDLC framing (address 0x0F/0x8F) carries an
 * ethertype instead. HDLC byte stuffing is not undone: it would need a copy
 * of the frame, and captures of it are rare and usually fuzzed.
 */
export function decodePpp(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < 2) {
    weirds.inc('truncated_link_header');
    return false;
  }
  let p = off;
  const a = bytes[p];
  if ((a === 0x0f || a === 0x8f) && bytes[p + 1] === 0x00) {
    return decodeCiscoHdlc(bytes, off, end, wireEnd, out, weirds);
  }
  if (a === 0xff && bytes[p + 1] === 0x03) p += 2;
  if (p >= end) {
    weirds.inc('truncated_link_header');
    return false;
  }
  let proto: number;
  if ((bytes[p] & 1) !== 0) {
    proto = bytes[p];
    p += 1;
  } else {
    if (end - p < 2) {
      weirds.inc('truncated_link_header');
      return false;
    }
    proto = u16be(bytes, p);
    p += 2;
  }
  const ethertype = pppToEthertype(proto);
  if (ethertype === 0) {
    weirds.inc('non_ip_payload');
    return false;
  }
  return dispatchEthertype(ethertype, bytes, p, end, wireEnd, out, weirds);
}

/** LINKTYPE_C_HDLC (104): address, control, then an ethertype. */
export function decodeCiscoHdlc(
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
  return dispatchEthertype(u16be(bytes, off + 2), bytes, off + 4, end, wireEnd, out, weirds);
}
