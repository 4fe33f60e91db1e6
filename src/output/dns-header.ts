/** DNS header fields decoded from whatever header bytes a sample has (RFC 1035 4.1.1, RFC 6895 2). */
export interface DnsHeaderView {
  id?: number;
  qr?: boolean;
  opcode?: number;
  aa?: boolean;
  tc?: boolean;
  rd?: boolean;
  ra?: boolean;
  z?: boolean;
  ad?: boolean;
  cd?: boolean;
  rcode?: number;
  qdcount?: number;
  ancount?: number;
  nscount?: number;
  arcount?: number;
}

export function decodeHeaderView(head: Uint8Array, off: number, len: number): DnsHeaderView {
  const h: DnsHeaderView = {};
  const u16 = (i: number): number => (head[off + i]! << 8) | head[off + i + 1]!;
  if (len >= 2) h.id = u16(0);
  if (len >= 3) {
    const b = head[off + 2]!;
    h.qr = (b & 0x80) !== 0;
    h.opcode = (b >> 3) & 0x0f;
    h.aa = (b & 0x04) !== 0;
    h.tc = (b & 0x02) !== 0;
    h.rd = (b & 0x01) !== 0;
  }
  if (len >= 4) {
    const b = head[off + 3]!;
    h.ra = (b & 0x80) !== 0;
    h.z = (b & 0x40) !== 0;
    h.ad = (b & 0x20) !== 0;
    h.cd = (b & 0x10) !== 0;
    h.rcode = b & 0x0f;
  }
  if (len >= 6) h.qdcount = u16(4);
  if (len >= 8) h.ancount = u16(6);
  if (len >= 10) h.nscount = u16(8);
  if (len >= 12) h.arcount = u16(10);
  return h;
}
