import { dispatchEthertype } from '../dispatch.js';
import { u16be } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';
import { decodeLlcSnap } from './llc-snap.js';

const ETHERNET_HEADER = 14;
const MAX_8023_LENGTH = 1500;

/** LINKTYPE_ETHERNET (1): Ethernet II, or 802.3 with LLC/SNAP. */
export function decodeEthernet(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < ETHERNET_HEADER) {
    weirds.inc('truncated_link_header');
    return false;
  }
  const type = u16be(bytes, off + 12);
  if (type <= MAX_8023_LENGTH) {
    // 802.3: the field is a length, and the frame body is LLC.
    return decodeLlcSnap(bytes, off + ETHERNET_HEADER, end, wireEnd, out, weirds);
  }
  return dispatchEthertype(type, bytes, off + ETHERNET_HEADER, end, wireEnd, out, weirds);
}
