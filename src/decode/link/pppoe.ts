import { dispatchEthertype } from '../dispatch.js';
import { u16be } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';
import { pppToEthertype } from './ppp.js';

/** Version/type, code, session id, length; then the PPP protocol field. */
const PPPOE_HEADER = 6;

/** Ethertype 0x8864 (PPPoE session stage), entered after the ethertype. */
export function decodePppoeSession(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < PPPOE_HEADER + 2) {
    weirds.inc('truncated_pppoe');
    return false;
  }
  // The PPPoE length covers the PPP frame; it bounds padding like IP's does.
  let claimedEnd = off + PPPOE_HEADER + u16be(bytes, off + 4);
  if (claimedEnd > wireEnd) claimedEnd = wireEnd;
  if (claimedEnd < off + PPPOE_HEADER + 2) {
    weirds.inc('truncated_pppoe');
    return false;
  }
  const capEnd = claimedEnd < end ? claimedEnd : end;
  const ethertype = pppToEthertype(u16be(bytes, off + PPPOE_HEADER));
  if (ethertype === 0) {
    weirds.inc('pppoe_non_ip');
    return false;
  }
  return dispatchEthertype(ethertype, bytes, off + PPPOE_HEADER + 2, capEnd, claimedEnd, out, weirds);
}
