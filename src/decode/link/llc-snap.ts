import { dispatchEthertype } from '../dispatch.js';
import { u16be } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

const LLC_SNAP_HEADER = 8;

/**
 * 802.2 LLC with a SNAP header (DSAP=SSAP=0xAA, UI, OUI 00-00-00) wraps an
 * ethertype; 802.11 data frames and 802.3 length-field frames use it. Any
 * other LLC payload (STP, NetBIOS, ...) is not IP.
 */
export function decodeLlcSnap(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < 3) {
    weirds.inc('truncated_llc');
    return false;
  }
  if (bytes[off] !== 0xaa || bytes[off + 1] !== 0xaa || bytes[off + 2] !== 0x03) {
    weirds.inc('non_ip_payload');
    return false;
  }
  if (end - off < LLC_SNAP_HEADER) {
    weirds.inc('truncated_llc');
    return false;
  }
  if (bytes[off + 3] !== 0 || bytes[off + 4] !== 0 || bytes[off + 5] !== 0) {
    weirds.inc('non_ip_payload');
    return false;
  }
  return dispatchEthertype(u16be(bytes, off + 6), bytes, off + LLC_SNAP_HEADER, end, wireEnd, out, weirds);
}
