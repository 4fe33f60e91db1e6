/**
 * Well-formed frames for every supported link type, each with the list of
 * headers it is made of (length and the weird a cut inside that header must
 * count). Offsets are derived from the builders, not from the decoder.
 */
import type { WeirdName } from '../../src/decode/weirds.js';
import {
  ah,
  dnsPayload,
  dot11,
  ethernet,
  ext8,
  fragHdr,
  ipv4,
  ipv6,
  llcSnap,
  NFULA_PACKET_HDR,
  NFULA_PAYLOAD,
  NFULA_PREFIX,
  nflog,
  nullHeader,
  ppp,
  pppoeSession,
  radiotap,
  sll,
  sll2,
  tcp,
  udp,
  vlanTag,
  concat,
} from './build-frame.js';

export interface Layer {
  len: number;
  weird: WeirdName;
}

export interface FrameCase {
  name: string;
  linktype: number;
  bytes: Uint8Array;
  layers: Layer[];
  /** Offset where the transport payload starts. */
  payloadOffset: number;
  /** Offset where the transport payload ends (before link padding). */
  payloadEnd: number;
  protocol: 6 | 17;
  ipVersion: 4 | 6;
  srcAddrOffset: number;
  vlan0?: number;
  vlan1?: number;
}

const PAYLOAD = dnsPayload(28);
const UDP_L: Layer = { len: 8, weird: 'truncated_udp' };
const TCP_L: Layer = { len: 20, weird: 'truncated_tcp' };
const V4_L: Layer = { len: 20, weird: 'truncated_ip' };
const V6_L: Layer = { len: 40, weird: 'truncated_ip' };
const ETH_L: Layer = { len: 14, weird: 'truncated_link_header' };

const v4udp = (): Uint8Array => ipv4(17, udp(40000, 53, PAYLOAD));
const v6udp = (): Uint8Array => ipv6(17, udp(40000, 53, PAYLOAD));

function mk(
  name: string,
  linktype: number,
  bytes: Uint8Array,
  layers: Layer[],
  extra: { protocol?: 6 | 17; ipVersion: 4 | 6; ipLayerIndex: number; vlan0?: number; vlan1?: number; trailing?: number },
): FrameCase {
  let payloadOffset = 0;
  for (const l of layers) payloadOffset += l.len;
  let ipOff = 0;
  for (let i = 0; i < extra.ipLayerIndex; i++) ipOff += layers[i]!.len;
  const c: FrameCase = {
    name,
    linktype,
    bytes,
    layers,
    payloadOffset,
    payloadEnd: bytes.length - (extra.trailing ?? 0),
    protocol: extra.protocol ?? 17,
    ipVersion: extra.ipVersion,
    srcAddrOffset: ipOff + (extra.ipVersion === 4 ? 12 : 8),
  };
  if (extra.vlan0 !== undefined) c.vlan0 = extra.vlan0;
  if (extra.vlan1 !== undefined) c.vlan1 = extra.vlan1;
  return c;
}

export function frameCases(): FrameCase[] {
  // Hop-by-hop (16 bytes) -> routing -> atomic fragment -> destination
  // options -> AH (24 bytes) -> UDP: every header kind the decoder walks.
  const routing = ext8(44, 0);
  routing[2] = 0; // routing type 0, segments left 0
  routing[3] = 0;
  const chain = concat(ext8(43, 1), routing, fragHdr(60, 0, false), ext8(51, 0), ah(17, 4), udp(40000, 53, PAYLOAD));
  const ext = (len: number): Layer => ({ len, weird: 'truncated_ipv6_ext_header' });

  const nflogBytes = nflog(2, [
    { type: NFULA_PACKET_HDR, value: new Uint8Array([0x08, 0x00, 3, 0]) },
    { type: NFULA_PREFIX, value: new Uint8Array([0x64, 0x6e, 0x73, 0]) },
    { type: NFULA_PAYLOAD, value: v4udp() },
  ]);

  return [
    mk('ethernet ipv4 udp', 1, ethernet(0x0800, v4udp()), [ETH_L, V4_L, UDP_L], { ipVersion: 4, ipLayerIndex: 1 }),
    mk(
      'ethernet ipv4+options tcp+options',
      1,
      ethernet(0x0800, ipv4(6, tcp(40000, 53, PAYLOAD, { options: [2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7] }), { options: [1, 1, 1, 0, 0x94, 4, 0, 0] })),
      [ETH_L, { len: 28, weird: 'truncated_ip' }, { len: 32, weird: 'truncated_tcp' }],
      { ipVersion: 4, ipLayerIndex: 1, protocol: 6 },
    ),
    mk('ethernet ipv4 udp + padding', 1, concat(ethernet(0x0800, ipv4(17, udp(40000, 53, dnsPayload(4)))), new Uint8Array(12)), [ETH_L, V4_L, UDP_L], {
      ipVersion: 4,
      ipLayerIndex: 1,
      trailing: 12,
    }),
    mk('802.1Q ipv4 udp', 1, ethernet(0x8100, concat(vlanTag(100, 0x0800), v4udp())), [ETH_L, { len: 4, weird: 'truncated_vlan' }, V4_L, UDP_L], {
      ipVersion: 4,
      ipLayerIndex: 2,
      vlan0: 100,
    }),
    mk(
      'QinQ ipv6 udp',
      1,
      ethernet(0x88a8, concat(vlanTag(10, 0x8100), vlanTag(20, 0x86dd), v6udp())),
      [ETH_L, { len: 8, weird: 'truncated_vlan' }, V6_L, UDP_L],
      { ipVersion: 6, ipLayerIndex: 2, vlan0: 10, vlan1: 20 },
    ),
    mk(
      'QinQ PPPoE ipv4 udp',
      1,
      ethernet(0x9100, concat(vlanTag(3, 0x8100), vlanTag(4, 0x8864), pppoeSession(0x0021, v4udp()))),
      [ETH_L, { len: 8, weird: 'truncated_vlan' }, { len: 8, weird: 'truncated_pppoe' }, V4_L, UDP_L],
      { ipVersion: 4, ipLayerIndex: 3, vlan0: 3, vlan1: 4 },
    ),
    mk('ethernet ipv6 udp', 1, ethernet(0x86dd, v6udp()), [ETH_L, V6_L, UDP_L], { ipVersion: 6, ipLayerIndex: 1 }),
    mk(
      'ethernet ipv6 ext chain udp',
      1,
      ethernet(0x86dd, ipv6(0, chain)),
      [ETH_L, V6_L, ext(16), ext(8), ext(8), ext(8), ext(24), UDP_L],
      { ipVersion: 6, ipLayerIndex: 1 },
    ),
    mk('ethernet ipv6 tcp', 1, ethernet(0x86dd, ipv6(6, tcp(53, 40000, PAYLOAD))), [ETH_L, V6_L, TCP_L], {
      ipVersion: 6,
      ipLayerIndex: 1,
      protocol: 6,
    }),
    mk('802.3 LLC/SNAP ipv4 udp', 1, ethernet(8 + 20 + 8 + 28, llcSnap(0x0800, v4udp())), [ETH_L, { len: 8, weird: 'truncated_llc' }, V4_L, UDP_L], {
      ipVersion: 4,
      ipLayerIndex: 2,
    }),
    mk('SLL ipv4 udp', 113, sll(0x0800, v4udp()), [{ len: 16, weird: 'truncated_sll' }, V4_L, UDP_L], { ipVersion: 4, ipLayerIndex: 1 }),
    mk('SLL2 ipv6 udp', 276, sll2(0x86dd, v6udp()), [{ len: 20, weird: 'truncated_sll' }, V6_L, UDP_L], { ipVersion: 6, ipLayerIndex: 1 }),
    mk('NULL little-endian AF_INET', 0, nullHeader(2, true, v4udp()), [{ len: 4, weird: 'truncated_link_header' }, V4_L, UDP_L], {
      ipVersion: 4,
      ipLayerIndex: 1,
    }),
    mk('NULL big-endian AF_INET6 (Darwin 30)', 0, nullHeader(30, false, v6udp()), [{ len: 4, weird: 'truncated_link_header' }, V6_L, UDP_L], {
      ipVersion: 6,
      ipLayerIndex: 1,
    }),
    mk('LOOP AF_INET6 (OpenBSD 24)', 108, nullHeader(24, false, v6udp()), [{ len: 4, weird: 'truncated_link_header' }, V6_L, UDP_L], {
      ipVersion: 6,
      ipLayerIndex: 1,
    }),
    mk('RAW ipv4', 101, v4udp(), [V4_L, UDP_L], { ipVersion: 4, ipLayerIndex: 0 }),
    mk('RAW(12) ipv6', 12, v6udp(), [V6_L, UDP_L], { ipVersion: 6, ipLayerIndex: 0 }),
    mk('RAW(14) ipv4', 14, v4udp(), [V4_L, UDP_L], { ipVersion: 4, ipLayerIndex: 0 }),
    mk('LINKTYPE_IPV4', 228, v4udp(), [V4_L, UDP_L], { ipVersion: 4, ipLayerIndex: 0 }),
    mk('LINKTYPE_IPV6', 229, v6udp(), [V6_L, UDP_L], { ipVersion: 6, ipLayerIndex: 0 }),
    mk('NFLOG ipv4 udp', 239, nflogBytes, [{ len: 4 + 8 + 8 + 4, weird: 'truncated_nflog' }, V4_L, UDP_L], { ipVersion: 4, ipLayerIndex: 1 }),
    mk(
      'radiotap 802.11 QoS data',
      127,
      radiotap(dot11(llcSnap(0x0800, v4udp()), { qos: true, fromDs: true })),
      [{ len: 16, weird: 'truncated_radiotap' }, { len: 26, weird: 'truncated_80211' }, { len: 8, weird: 'truncated_llc' }, V4_L, UDP_L],
      { ipVersion: 4, ipLayerIndex: 3 },
    ),
    mk(
      '802.11 4-address QoS+HT data',
      105,
      dot11(llcSnap(0x86dd, v6udp()), { qos: true, toDs: true, fromDs: true, order: true }),
      [{ len: 36, weird: 'truncated_80211' }, { len: 8, weird: 'truncated_llc' }, V6_L, UDP_L],
      { ipVersion: 6, ipLayerIndex: 2 },
    ),
    mk('PPP ipv4', 9, ppp(0x0021, v4udp()), [{ len: 4, weird: 'truncated_link_header' }, V4_L, UDP_L], { ipVersion: 4, ipLayerIndex: 1 }),
    mk('PPP_HDLC ipv6', 50, ppp(0x0057, v6udp()), [{ len: 4, weird: 'truncated_link_header' }, V6_L, UDP_L], { ipVersion: 6, ipLayerIndex: 1 }),
    mk('C_HDLC ipv4', 104, concat(new Uint8Array([0x0f, 0x00, 0x08, 0x00]), v4udp()), [{ len: 4, weird: 'truncated_link_header' }, V4_L, UDP_L], {
      ipVersion: 4,
      ipLayerIndex: 1,
    }),
  ];
}
