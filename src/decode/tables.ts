import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ethertypeDecoders, ipProtocolDecoders, linktypeDecoders } from './dispatch.js';
import { decodeIpv4 } from './ip/ipv4.js';
import { decodeIpv6 } from './ip/ipv6.js';
import type { LayerDecoder } from './layer.js';
import { decodeEthernet } from './link/ethernet.js';
import { decodeIeee80211 } from './link/ieee80211.js';
import { decodeNflog } from './link/nflog.js';
import { decodeNullLoop } from './link/null-loop.js';
import { decodeCiscoHdlc, decodePpp } from './link/ppp.js';
import { decodePppoeSession } from './link/pppoe.js';
import { decodeRadiotap } from './link/radiotap.js';
import { decodeLinkIpv4, decodeLinkIpv6, decodeRawIp } from './link/raw-ip.js';
import { decodeSll, decodeSll2 } from './link/sll.js';
import { decodeVlan, ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_VLAN } from './link/vlan.js';
import { IPPROTO_TCP, IPPROTO_UDP, type DecodedPacket } from './packet.js';
import { decodeTcp } from './transport/tcp.js';
import { decodeUdp } from './transport/udp.js';
import type { WeirdCounters } from './weirds.js';

export interface TableEntry {
  readonly value: number;
  readonly name: string;
  readonly decoder: LayerDecoder;
}

/** Ethertypes that are well-formed but never carry IP: not "unknown". */
function decodeKnownNonIp(
  _bytes: Uint8Array,
  _off: number,
  _end: number,
  _wireEnd: number,
  _out: DecodedPacket,
  weirds: WeirdCounters,
): boolean {
  weirds.inc('non_ip_payload');
  return false;
}

export const LINKTYPE_TABLE: readonly TableEntry[] = [
  { value: 0, name: 'NULL (BSD loopback, host byte order)', decoder: decodeNullLoop },
  { value: 1, name: 'ETHERNET', decoder: decodeEthernet },
  { value: 9, name: 'PPP', decoder: decodePpp },
  { value: 12, name: 'RAW (DLT_RAW on most BSDs)', decoder: decodeRawIp },
  { value: 14, name: 'RAW (DLT_RAW on OpenBSD)', decoder: decodeRawIp },
  { value: 50, name: 'PPP_HDLC', decoder: decodePpp },
  { value: 101, name: 'RAW', decoder: decodeRawIp },
  { value: 104, name: 'C_HDLC', decoder: decodeCiscoHdlc },
  { value: 105, name: 'IEEE802_11', decoder: decodeIeee80211 },
  { value: 108, name: 'LOOP (OpenBSD loopback, network byte order)', decoder: decodeNullLoop },
  { value: 113, name: 'LINUX_SLL', decoder: decodeSll },
  { value: 127, name: 'IEEE802_11_RADIOTAP', decoder: decodeRadiotap },
  { value: 228, name: 'IPV4', decoder: decodeLinkIpv4 },
  { value: 229, name: 'IPV6', decoder: decodeLinkIpv6 },
  { value: 239, name: 'NFLOG', decoder: decodeNflog },
  { value: 276, name: 'LINUX_SLL2', decoder: decodeSll2 },
];

export const ETHERTYPE_TABLE: readonly TableEntry[] = [
  { value: ETHERTYPE_IPV4, name: 'IPv4', decoder: decodeIpv4 },
  { value: ETHERTYPE_IPV6, name: 'IPv6', decoder: decodeIpv6 },
  { value: ETHERTYPE_VLAN, name: '802.1Q VLAN', decoder: decodeVlan },
  { value: ETHERTYPE_QINQ, name: '802.1ad QinQ', decoder: decodeVlan },
  { value: ETHERTYPE_QINQ_OLD, name: 'QinQ (pre-standard)', decoder: decodeVlan },
  { value: 0x8864, name: 'PPPoE session', decoder: decodePppoeSession },
  { value: 0x0806, name: 'ARP (not IP)', decoder: decodeKnownNonIp },
  { value: 0x8035, name: 'RARP (not IP)', decoder: decodeKnownNonIp },
  { value: 0x8863, name: 'PPPoE discovery (not IP)', decoder: decodeKnownNonIp },
  { value: 0x888e, name: 'EAPOL (not IP)', decoder: decodeKnownNonIp },
  { value: 0x88cc, name: 'LLDP (not IP)', decoder: decodeKnownNonIp },
  { value: 0x9000, name: 'Ethernet loopback (not IP)', decoder: decodeKnownNonIp },
];

export const IP_PROTOCOL_TABLE: readonly TableEntry[] = [
  { value: IPPROTO_TCP, name: 'TCP', decoder: decodeTcp },
  { value: IPPROTO_UDP, name: 'UDP', decoder: decodeUdp },
];

for (const e of LINKTYPE_TABLE) linktypeDecoders.set(e.value, e.decoder);
for (const e of ETHERTYPE_TABLE) ethertypeDecoders.set(e.value, e.decoder);
for (const e of IP_PROTOCOL_TABLE) ipProtocolDecoders[e.value] = e.decoder;
