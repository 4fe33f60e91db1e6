import { dispatchEthertype } from '../dispatch.js';
import { u16be } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;

function isVlanType(t: number): boolean {
  return t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD;
}

/**
 * 802.1Q / 802.1ad tags, entered after the outer TPID. Stacked tags are
 * walked in a loop rather than by re-dispatching, so a frame full of tags
 * costs no stack. Only the two outermost ids are kept (EVE `vlan`).
 */
export function decodeVlan(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  let p = off;
  let depth = 0;
  let type: number;
  do {
    if (end - p < 4) {
      weirds.inc('truncated_vlan');
      return false;
    }
    const id = u16be(bytes, p) & 0x0fff;
    if (depth === 0) out.vlan0 = id;
    else if (depth === 1) out.vlan1 = id;
    depth++;
    type = u16be(bytes, p + 2);
    p += 4;
  } while (isVlanType(type));
  return dispatchEthertype(type, bytes, p, end, wireEnd, out, weirds);
}
