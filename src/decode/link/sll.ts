import { dispatchEthertype } from '../dispatch.js';
import { u16be } from '../layer.js';
import type { DecodedPacket } from '../packet.js';
import type { WeirdCounters } from '../weirds.js';

const SLL_HEADER = 16;
const SLL2_HEADER = 20;

/** LINKTYPE_LINUX_SLL (113): the protocol (an ethertype) is the last field. */
export function decodeSll(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < SLL_HEADER) {
    weirds.inc('truncated_sll');
    return false;
  }
  return dispatchEthertype(u16be(bytes, off + 14), bytes, off + SLL_HEADER, end, wireEnd, out, weirds);
}

/** LINKTYPE_LINUX_SLL2 (276): the protocol moved to the first field. */
export function decodeSll2(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (end - off < SLL2_HEADER) {
    weirds.inc('truncated_sll');
    return false;
  }
  return dispatchEthertype(u16be(bytes, off), bytes, off + SLL2_HEADER, end, wireEnd, out, weirds);
}
