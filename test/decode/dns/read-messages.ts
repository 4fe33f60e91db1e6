import { PAYLOAD_UNAVAILABLE } from '../../../src/flow/flow-assembler.js';
import { assembleFile, asTsharkTuple } from '../../flow/run-assembler.js';

export interface DnsMessage {
  transport: string;
  srcPort: number;
  dstPort: number;
  /** The captured bytes of the message (a UDP payload, or a DNS-over-TCP message after its length prefix). */
  bytes: Uint8Array;
  /** The message's length on the wire. */
  msgLen: number;
}

/** Every DNS message of a capture on port 53, through the decoder and flow assembler with the payload tap on. */
export async function dnsMessages(path: string): Promise<DnsMessage[]> {
  const payloads: Array<Uint8Array | null> = [];
  const { rows } = await assembleFile(path, {
    payloadTap: (_row, bytes, off, len) => payloads.push(len === PAYLOAD_UNAVAILABLE ? null : bytes.slice(off, off + len)),
  });
  if (payloads.length !== rows.length) throw new Error(`${path}: ${payloads.length} payloads for ${rows.length} rows`);
  const out: DnsMessage[] = [];
  rows.forEach((r, i) => {
    const t = asTsharkTuple(r);
    const bytes = payloads[i];
    if (bytes !== null && bytes !== undefined) out.push({ transport: t[0], srcPort: t[1], dstPort: t[2], bytes, msgLen: r.payloadLength });
  });
  return out;
}
