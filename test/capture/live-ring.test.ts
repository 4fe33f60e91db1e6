import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameBytes as viewOf, newFrame } from '../../src/capture/frame.js';
import { FrameRing } from '../../src/capture/live-ring.js';

/** A frame whose every byte encodes its sequence number, so mix-ups show. */
function frameBytes(seq: number, len: number): Buffer {
  const b = Buffer.alloc(len + 16, 0xee); // trailing junk must never be copied
  for (let i = 0; i < len; i++) b[i] = (seq * 31 + i) & 0xff;
  return b;
}

describe('FrameRing', () => {
  it('returns frames in order with their lengths and timestamps', () => {
    const ring = new FrameRing(8, 1024);
    for (let s = 0; s < 5; s++) expect(ring.push(frameBytes(s, 10 + s), 10 + s, 100 + s, 1_700_000_000 + s, s * 1000)).toBe(true);
    const f = newFrame();
    for (let s = 0; s < 5; s++) {
      expect(ring.shiftInto(f)).toBe(true);
      expect(Buffer.from(viewOf(f))).toEqual(frameBytes(s, 10 + s).subarray(0, 10 + s));
      expect(f.origLen).toBe(100 + s);
      expect(f.tsSec).toBe(1_700_000_000 + s);
      expect(f.tsNsec).toBe(s * 1000);
    }
    expect(ring.shiftInto(f)).toBe(false);
    expect(ring.drops).toBe(0);
    expect(ring.highWater).toBe(5);
  });

  it('never reports a wire length below the captured length', () => {
    const ring = new FrameRing(2, 64);
    ring.push(frameBytes(1, 20), 20, 0, 0, 0);
    const f = newFrame();
    ring.shiftInto(f);
    expect(f.origLen).toBe(20);
  });

  it('drops instead of overwriting when the frame limit is reached', () => {
    const ring = new FrameRing(3, 1 << 16);
    const accepted = [0, 1, 2, 3, 4].map((s) => ring.push(frameBytes(s, 50), 50, 50, 0, 0));
    expect(accepted).toEqual([true, true, true, false, false]);
    expect(ring.drops).toBe(2);
    expect(ring.dropBytes).toBe(100);
    const f = newFrame();
    const seen: number[] = [];
    while (ring.shiftInto(f)) seen.push(f.buf[f.offset + 1]! - 1); // byte 1 is (seq*31 + 1) & 0xff
    expect(seen).toEqual([0, 31, 62]);
  });

  it('drops when the byte limit is reached, and accepts again once drained', () => {
    const ring = new FrameRing(100, 100);
    expect(ring.push(frameBytes(0, 60), 60, 60, 0, 0)).toBe(true);
    expect(ring.push(frameBytes(1, 41), 41, 41, 0, 0)).toBe(false); // 101 > 100, and cannot wrap before byte 0
    expect(ring.push(frameBytes(2, 40), 40, 40, 0, 0)).toBe(true); // exactly 100
    expect(ring.push(frameBytes(3, 1), 1, 1, 0, 0)).toBe(false);
    const f = newFrame();
    ring.shiftInto(f); // frees bytes 0..59
    expect(ring.push(frameBytes(4, 59), 59, 59, 0, 0)).toBe(true); // wraps to 0, strictly below the reader at 60
    expect(ring.push(frameBytes(5, 1), 1, 1, 0, 0)).toBe(false); // would make writer == reader
    expect(ring.drops).toBe(3);
    ring.shiftInto(f);
    expect(Buffer.from(viewOf(f))).toEqual(frameBytes(2, 40).subarray(0, 40));
    ring.shiftInto(f);
    expect(Buffer.from(viewOf(f))).toEqual(frameBytes(4, 59).subarray(0, 59));
    expect(ring.size).toBe(0);
    expect(ring.push(frameBytes(6, 100), 100, 100, 0, 0)).toBe(true); // an empty ring takes a full-size frame
  });

  it('refuses a frame larger than the whole ring', () => {
    const ring = new FrameRing(4, 32);
    expect(ring.push(frameBytes(0, 33), 33, 33, 0, 0)).toBe(false);
    expect(ring.drops).toBe(1);
  });

  it('keeps every accepted frame intact and in order under any interleaving', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 64, max: 2048 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(-1)), { maxLength: 400 }),
        (frames, bytes, ops) => {
          const ring = new FrameRing(frames, bytes);
          const model: { seq: number; len: number }[] = [];
          const f = newFrame();
          let seq = 0;
          let pushed = 0;
          let shifted = 0;
          let queuedBytes = 0;
          for (const op of ops) {
            if (op < 0) {
              const want = model.shift();
              const got = ring.shiftInto(f);
              expect(got).toBe(want !== undefined);
              if (want !== undefined) {
                shifted++;
                expect(Buffer.from(viewOf(f))).toEqual(frameBytes(want.seq, want.len).subarray(0, want.len));
                queuedBytes -= want.len;
              }
            } else {
              seq++;
              pushed++;
              const wasEmpty = model.length === 0;
              const ok = ring.push(frameBytes(seq, op), op, op, seq, 0);
              if (ok) {
                model.push({ seq, len: op });
                queuedBytes += op;
              } else {
                // Refusal is allowed only when a limit could be in the way.
                expect(wasEmpty && op <= bytes).toBe(false);
              }
            }
            expect(ring.size).toBe(model.length);
            expect(ring.size).toBeLessThanOrEqual(frames);
            expect(queuedBytes).toBeLessThanOrEqual(bytes);
          }
          expect(pushed).toBe(shifted + model.length + ring.drops);
        },
      ),
      { numRuns: 300 },
    );
  });
});

