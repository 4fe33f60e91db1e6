import { decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecodedPacket, type DecodedPacket } from '../../src/decode/packet.js';
import { WeirdCounters } from '../../src/decode/weirds.js';
import { frame } from './build-frame.js';
import { strictBytes } from './strict-bytes.js';

export interface DecodeResult {
  ok: boolean;
  out: DecodedPacket;
  weirds: Record<string, number>;
}

/** Decodes one hand-built frame with out-of-bounds reads turned into throws. */
export function runDecode(linktype: number, bytes: Uint8Array, origLen: number = bytes.length): DecodeResult {
  const out = newDecodedPacket();
  const w = new WeirdCounters();
  const ok = decodeFrame(frame(linktype, strictBytes(bytes), origLen), out, w);
  return { ok, out, weirds: w.toJSON() };
}
