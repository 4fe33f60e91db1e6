/**
 * The decoder fills one reused DecodedPacket per frame (no per-packet
 * allocation). Addresses stay as offsets into `bytes`; the flow table turns
 * them into strings only once per new flow.
 */
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export interface DecodedPacket {
  bytes: Uint8Array;
  /** 4 or 6; 0 when no IP layer was found. */
  ipVersion: 0 | 4 | 6;
  /** Offset of the source address in `bytes` (4 or 16 bytes long). */
  srcAddrOffset: number;
  dstAddrOffset: number;
  /** IPPROTO_UDP or IPPROTO_TCP when a transport header was decoded, else the IP protocol number. */
  protocol: number;
  srcPort: number;
  dstPort: number;
  /** Offset of the transport payload in `bytes`. */
  payloadOffset: number;
  /** Payload bytes actually captured from payloadOffset. */
  payloadCaptured: number;
  /**
   * Payload length as the headers claim it (UDP length - 8; for TCP the
   * segment payload per IP length). Differs from payloadCaptured under
   * snaplen truncation or for the first fragment of a fragmented datagram.
   */
  payloadLength: number;
  /** True for the first fragment of a fragmented datagram (offset 0, more fragments). */
  firstFragment: boolean;
  /** VLAN ids seen, outermost first (0 = none); kept for EVE `vlan`. */
  vlan0: number;
  vlan1: number;
  /** Sequence and acknowledgment numbers as signed 32-bit integers (the uint32 is `tcpSeq >>> 0`; see i32be). */
  tcpSeq: number;
  tcpAck: number;
  /** TCP flags byte (FIN=1, SYN=2, RST=4, PSH=8, ACK=16). */
  tcpFlags: number;
}

export function newDecodedPacket(): DecodedPacket {
  return {
    bytes: new Uint8Array(0),
    ipVersion: 0,
    srcAddrOffset: 0,
    dstAddrOffset: 0,
    protocol: 0,
    srcPort: 0,
    dstPort: 0,
    payloadOffset: 0,
    payloadCaptured: 0,
    payloadLength: 0,
    firstFragment: false,
    vlan0: 0,
    vlan1: 0,
    tcpSeq: 0,
    tcpAck: 0,
    tcpFlags: 0,
  };
}

export function resetDecodedPacket(p: DecodedPacket, bytes: Uint8Array): void {
  p.bytes = bytes;
  p.ipVersion = 0;
  p.protocol = 0;
  p.srcPort = 0;
  p.dstPort = 0;
  p.payloadOffset = 0;
  p.payloadCaptured = 0;
  p.payloadLength = 0;
  p.firstFragment = false;
  p.vlan0 = 0;
  p.vlan1 = 0;
  p.tcpSeq = 0;
  p.tcpAck = 0;
  p.tcpFlags = 0;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
