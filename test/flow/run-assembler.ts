import { openCapture } from '../../src/capture/open-capture.js';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecodedPacket } from '../../src/decode/packet.js';
import { WeirdCounters } from '../../src/decode/weirds.js';
import { FlowAssembler, type FlowAssemblerOptions, type FlowAssemblerStats } from '../../src/flow/flow-assembler.js';
import { rowsOf, type Row } from './build-packet.js';

/** Capture file -> decoder -> FlowAssembler, rows copied out of every batch. */
export async function assembleFile(
  path: string,
  options: Partial<FlowAssemblerOptions> = {},
): Promise<{ rows: Row[]; stats: FlowAssemblerStats; weirds: WeirdCounters }> {
  const weirds = new WeirdCounters();
  const rows: Row[] = [];
  const asm = new FlowAssembler({ batchSize: 256, ...options }, (b) => rows.push(...rowsOf(b)), weirds);
  const pkt = newDecodedPacket();
  const src = await openCapture(path);
  try {
    await src.run((frame) => {
      if (decodeFrame(frame, pkt, weirds)) asm.ingest(pkt, frame.tsSec, frame.tsNsec, 0);
    });
  } finally {
    asm.flush();
  }
  return { rows, stats: asm.stats, weirds };
}

/** [transport, sender port, receiver port, 12 header bytes as hex, message length], as the tshark expectations hold them. */
export function asTsharkTuple(r: Row): [string, number, number, string, number] {
  const toServer = r.direction === 0;
  const hex = r.head.map((b) => b.toString(16).padStart(2, '0')).join('');
  return [r.transport, toServer ? r.clientPort : r.serverPort, toServer ? r.serverPort : r.clientPort, hex, r.payloadLength];
}
