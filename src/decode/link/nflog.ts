import { dispatchByIpVersion } from '../dispatch.js';
import { u16le } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

const NFLOG_HEADER = 4;
const TLV_HEADER = 4;
const NFULA_PAYLOAD = 9;
/** High bits of the TLV type are netlink flags (nested, byte order). */
const NLA_TYPE_MASK = 0x3fff;

/**
 * LINKTYPE_NFLOG (239): family, version, resource id, then netlink TLVs whose
 * length and type are in the capturing host's order (little-endian on every
 * platform that produces these files in practice). The length includes the
 * TLV header; TLVs are padded to 4 bytes. The packet is the NFULA_PAYLOAD
 * TLV, an IP packet whose version nibble is trusted over the family byte
 * (bridge-family logs carry IP too).
 */
export function decodeNflog(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < NFLOG_HEADER) {
    weirds.inc('truncated_nflog');
    return false;
  }
  let p = off + NFLOG_HEADER;
  while (p + TLV_HEADER <= end) {
    const len = u16le(bytes, p);
    if (len < TLV_HEADER) {
      weirds.inc('truncated_nflog');
      return false;
    }
    if ((u16le(bytes, p + 2) & NLA_TYPE_MASK) === NFULA_PAYLOAD) {
      const tlvEnd = p + len;
      const claimedEnd = tlvEnd < wireEnd ? tlvEnd : wireEnd;
      const capEnd = claimedEnd < end ? claimedEnd : end;
      return dispatchByIpVersion(bytes, p + TLV_HEADER, capEnd, claimedEnd, out, weirds);
    }
    p += (len + 3) & ~3;
  }
  // Running out of captured bytes mid-walk is truncation; reaching the end of
  // the frame on a TLV boundary means the log entry simply had no packet.
  weirds.inc(p < wireEnd ? 'truncated_nflog' : 'nflog_no_payload');
  return false;
}
