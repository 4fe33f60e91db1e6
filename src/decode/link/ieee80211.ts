import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';
import { decodeLlcSnap } from './llc-snap.js';

const WLAN_HEADER = 24;
const TYPE_DATA = 2;
const SUBTYPE_QOS = 0x08;
const SUBTYPE_NO_DATA = 0x04;
const FLAG_TO_DS = 0x01;
const FLAG_FROM_DS = 0x02;
const FLAG_PROTECTED = 0x40;
const FLAG_ORDER = 0x80;

/**
 * LINKTYPE_IEEE802_11 (105), and the frame after a radiotap header. Only
 * data frames with a body reach LLC/SNAP; management and control frames,
 * null-data frames and encrypted bodies cannot hold a readable IP packet.
 */
export function decodeIeee80211(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < 2) {
    weirds.inc('truncated_80211');
    return false;
  }
  const fc0 = bytes[off];
  const flags = bytes[off + 1];
  const subtype = fc0 >> 4;
  if (((fc0 >> 2) & 3) !== TYPE_DATA || (subtype & SUBTYPE_NO_DATA) !== 0) {
    weirds.inc('non_data_80211');
    return false;
  }
  let hlen = WLAN_HEADER;
  if ((flags & (FLAG_TO_DS | FLAG_FROM_DS)) === (FLAG_TO_DS | FLAG_FROM_DS)) hlen += 6;
  if ((subtype & SUBTYPE_QOS) !== 0) {
    hlen += 2;
    // The Order bit on a QoS data frame announces an HT control field.
    if ((flags & FLAG_ORDER) !== 0) hlen += 4;
  }
  if (end - off < hlen) {
    weirds.inc('truncated_80211');
    return false;
  }
  if ((flags & FLAG_PROTECTED) !== 0) {
    weirds.inc('encrypted_80211');
    return false;
  }
  return decodeLlcSnap(bytes, off + hlen, end, wireEnd, out, weirds);
}
