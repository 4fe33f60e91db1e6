import { readFileSync } from 'node:fs';

/**
 * A deliberately naive reader for the evaluation tests: classic pcap,
 * Ethernet, IPv4 without options beyond IHL, UDP. It shares no code with
 * src/capture, src/decode or src/flow, so what the tests derive from it is
 * an independent account of the samples the pipeline should produce.
 */
export interface UdpPayload {
  /** "addr:port>addr:port" with the two endpoints sorted, so both directions share it. */
  flow: string;
  toServer: boolean;
  payload: Uint8Array;
}

export function udpPayloads(path: string): UdpPayload[] {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && b.readUInt32BE(0) !== 0xa1b2c3d4 && b.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${path}: not classic pcap`);
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  if (u32(20) !== 1) throw new Error(`${path}: not Ethernet`);
  const out: UdpPayload[] = [];
  let o = 24;
  while (o + 16 <= b.length) {
    const incl = u32(o + 8);
    const f = o + 16;
    o = f + incl;
    if (b.readUInt16BE(f + 12) !== 0x0800) throw new Error(`${path}: frame is not IPv4 over Ethernet`);
    const ip = f + 14;
    const ihl = (b[ip]! & 0x0f) * 4;
    if (b[ip + 9] !== 17) throw new Error(`${path}: not UDP`);
    const udp = ip + ihl;
    const sport = b.readUInt16BE(udp);
    const dport = b.readUInt16BE(udp + 2);
    const len = b.readUInt16BE(udp + 4) - 8;
    const src = `${[...b.subarray(ip + 12, ip + 16)].join('.')}:${sport}`;
    const dst = `${[...b.subarray(ip + 16, ip + 20)].join('.')}:${dport}`;
    out.push({
      flow: [src, dst].sort().join('>'),
      toServer: dport === 53,
      payload: new Uint8Array(b.subarray(udp + 8, udp + 8 + len)),
    });
  }
  return out;
}
