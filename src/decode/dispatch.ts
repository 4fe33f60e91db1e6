import type { LayerDecoder } from './layer.js';
import type { DecodedPacket } from './packet.js';
import type { WeirdCounters } from './weirds.js';

/**
 * The three dispatch tables (linktype, ethertype, IP protocol), as in Zeek's
 * packet analyzer registry. They start empty and are filled by tables.ts;
 * decoders forward through the functions below instead of importing each
 * other, which keeps the module graph acyclic.
 */
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;

/**
 * Decoders by a type value below `size`, as an array index: per packet the
 * link and ethertype lookups are one bounds check and one load, where a Map
 * hashed the key and walked a bucket chain.
 */
export class DecoderTable {
  private readonly byValue: Array<LayerDecoder | undefined>;

  constructor(readonly size: number) {
    this.byValue = new Array<LayerDecoder | undefined>(size).fill(undefined);
  }

  set(value: number, decoder: LayerDecoder): void {
    if (!Number.isInteger(value) || value < 0 || value >= this.size) throw new RangeError(`decoder table key ${value} is outside 0..${this.size - 1}`);
    this.byValue[value] = decoder;
  }

  /** The decoder for `value`, or undefined (also for any value outside the table). */
  get(value: number): LayerDecoder | undefined {
    return value >= 0 && value < this.size ? this.byValue[value] : undefined;
  }
}

/** LINKTYPE_* values are 16 bits wide in practice (the header field's upper bits are FCS flags, masked off by the readers). */
export const linktypeDecoders = new DecoderTable(1 << 16);
export const ethertypeDecoders = new DecoderTable(1 << 16);
/** Indexed by IP protocol number (0..255). */
export const ipProtocolDecoders: Array<LayerDecoder | undefined> = new Array<LayerDecoder | undefined>(256).fill(undefined);

export function dispatchEthertype(
  ethertype: number,
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  const dec = ethertypeDecoders.get(ethertype);
  if (dec === undefined) {
    // Values below 0x0600 are 802.3 lengths or SLL pseudo-protocols, not
    // ethertypes: the frame is well-formed, it just does not carry IP.
    weirds.inc(ethertype < 0x0600 ? 'non_ip_payload' : 'unknown_ethertype');
    return false;
  }
  return dec(bytes, off, end, wireEnd, out, weirds);
}

export function dispatchIpProtocol(
  protocol: number,
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  const dec = ipProtocolDecoders[protocol];
  if (dec === undefined) {
    // ICMP errors quote the offending UDP header: they land here on purpose
    // so that a quoted port-53 header never becomes a UDP packet.
    weirds.inc('unhandled_ip_protocol');
    return false;
  }
  return dec(bytes, off, end, wireEnd, out, weirds);
}

/** Raw-IP links carry no type field: the version nibble decides. */
export function dispatchByIpVersion(
  bytes: Uint8Array,
  off: number,
  end: number,
  wireEnd: number,
  out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  if (off >= end) {
    weirds.inc('truncated_ip');
    return false;
  }
  const version = bytes[off] >> 4;
  if (version === 4) return dispatchEthertype(ETHERTYPE_IPV4, bytes, off, end, wireEnd, out, weirds);
  if (version === 6) return dispatchEthertype(ETHERTYPE_IPV6, bytes, off, end, wireEnd, out, weirds);
  weirds.inc('bad_ip_version');
  return false;
}
