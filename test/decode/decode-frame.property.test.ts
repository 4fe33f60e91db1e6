import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import { newDecodedPacket } from '../../src/decode/packet.js';
import { LINKTYPE_TABLE } from '../../src/decode/tables.js';
import { WEIRD_NAMES, WeirdCounters } from '../../src/decode/weirds.js';
import { frame } from './build-frame.js';
import { frameCases } from './cases.js';
import { strictBytes } from './strict-bytes.js';

const cases = frameCases();
const linktypes = LINKTYPE_TABLE.map((e) => e.value);

describe('decodeFrame on mutated frames', () => {
  it('the harness itself turns a read past the captured bytes into an error', () => {
    const b = strictBytes(new Uint8Array(4));
    expect(() => b[4]).toThrow(RangeError);
    expect(b[3]).toBe(0);
  });

  it('never throws or reads past the capture, and reports consistent offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: cases.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        fc.boolean(),
        fc.option(fc.constantFrom(...linktypes), { nil: undefined }),
        (ci, flips, cutSeed, snapCut, linktype) => {
          const c = cases[ci]!;
          const bytes = Uint8Array.from(c.bytes);
          for (const [pos, val] of flips) bytes[pos % bytes.length] = val;
          const cut = cutSeed % (bytes.length + 1);
          const view = strictBytes(bytes.subarray(0, cut));
          const out = newDecodedPacket();
          const w = new WeirdCounters();
          const ok = decodeFrame(frame(linktype ?? c.linktype, view, snapCut ? bytes.length : cut), out, w);
          for (const k of Object.keys(w.toJSON())) expect(WEIRD_NAMES).toContain(k);
          if (!ok) {
            expect(w.total()).toBeGreaterThan(0);
            return;
          }
          expect([6, 17]).toContain(out.protocol);
          expect(out.payloadCaptured).toBeGreaterThanOrEqual(0);
          expect(out.payloadLength).toBeGreaterThanOrEqual(out.payloadCaptured);
          expect(out.payloadOffset + out.payloadCaptured).toBeLessThanOrEqual(cut);
          const alen = out.ipVersion === 4 ? 4 : 16;
          expect(out.srcAddrOffset + alen).toBeLessThanOrEqual(cut);
          expect(out.dstAddrOffset + alen).toBeLessThanOrEqual(cut);
        },
      ),
      { numRuns: 20_000, seed: 0x5eed },
    );
  });
});
