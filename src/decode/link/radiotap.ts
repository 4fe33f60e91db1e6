import { u16le } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';
import { decodeIeee80211 } from './ieee80211.js';

const RADIOTAP_MIN = 8;

/**
 * LINKTYPE_IEEE802_11_RADIOTAP (127): the header states its own length
 * (little-endian), so its fields never need parsing to reach the 802.11
 * frame. A trailing FCS, if the radio kept one, lies past the IP length and
 * is cut off there.
 */
export function decodeRadiotap(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < RADIOTAP_MIN) {
    weirds.inc('truncated_radiotap');
    return false;
  }
  const len = u16le(bytes, off + 2);
  if (bytes[off] !== 0 || len < RADIOTAP_MIN) {
    weirds.inc('bad_radiotap_header');
    return false;
  }
  if (off + len > end) {
    weirds.inc('truncated_radiotap');
    return false;
  }
  return decodeIeee80211(bytes, off + len, end, wireEnd, out, weirds);
}
