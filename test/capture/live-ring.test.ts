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

  it('drops when the byte limit is reached, counting each record header, and accepts again once drained', () => {
    const ring = new FrameRing(100, 200);
    expect(ring.push(frameBytes(0, 104), 104, 104, 0, 0)).toBe(true); // record of 120 bytes at 0
    expect(ring.push(frameBytes(1, 65), 65, 65, 0, 0)).toBe(false); // 120 + 81 > 200, and cannot wrap before byte 0
    expect(ring.push(frameBytes(2, 64), 64, 64, 0, 0)).toBe(true); // exactly 200
    expect(ring.push(frameBytes(3, 0), 0, 0, 0, 0)).toBe(false); // even an empty frame has a header
    const f = newFrame();
    ring.shiftInto(f); // frees bytes 0..119
    expect(ring.push(frameBytes(4, 103), 103, 103, 0, 0)).toBe(true); // wraps to 0, strictly below the reader at 120
    expect(ring.push(frameBytes(5, 1), 1, 1, 0, 0)).toBe(false);
    expect(ring.drops).toBe(3);
    expect(ring.dropBytes).toBe(65 + 0 + 1);
    ring.shiftInto(f);
    expect(Buffer.from(viewOf(f))).toEqual(frameBytes(2, 64).subarray(0, 64));
    ring.shiftInto(f);
    expect(Buffer.from(viewOf(f))).toEqual(frameBytes(4, 103).subarray(0, 103));
    expect(ring.size).toBe(0);
    expect(ring.push(frameBytes(6, 184), 184, 184, 0, 0)).toBe(true); // an empty ring takes a full-size record
  });

  it('refuses a frame whose record is larger than the whole ring', () => {
    const ring = new FrameRing(4, 48);
    expect(ring.push(frameBytes(0, 33), 33, 33, 0, 0)).toBe(false);
    expect(ring.push(frameBytes(1, 32), 32, 32, 0, 0)).toBe(true);
    expect(ring.drops).toBe(1);
  });

  it('holds each frame as a little-endian pcap record that moveRun hands over in one piece', () => {
    const ring = new FrameRing(8, 4096);
    ring.push(frameBytes(1, 20), 20, 90, 1_700_000_001, 123_456_789);
    ring.push(frameBytes(2, 30), 30, 30, 1_700_000_002, 5);
    const dst = new Uint8Array(1000);
    expect(ring.moveRun(dst, 8)).toBe(2);
    expect(ring.runBytes).toBe(16 + 20 + 16 + 30);
    expect(ring.size).toBe(0);
    const v = new DataView(dst.buffer);
    expect([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)]).toEqual([1_700_000_001, 123_456_789, 20, 90]);
    expect(Buffer.from(dst.subarray(16, 36))).toEqual(frameBytes(1, 20).subarray(0, 20));
    expect([v.getUint32(36, true), v.getUint32(40, true), v.getUint32(44, true), v.getUint32(48, true)]).toEqual([1_700_000_002, 5, 30, 30]);
    expect(Buffer.from(dst.subarray(52, 82))).toEqual(frameBytes(2, 30).subarray(0, 30));
    expect(ring.moveRun(dst, 8)).toBe(0);
  });

  it('stops a run at the frame limit, at the destination size and where the ring wraps', () => {
    const ring = new FrameRing(8, 200);
    for (let s = 0; s < 4; s++) ring.push(frameBytes(s, 24), 24, 24, s, 0); // 4 records of 40 bytes
    const dst = new Uint8Array(100);
    expect(ring.moveRun(dst, 1)).toBe(1);
    expect(ring.moveRun(dst, 8)).toBe(2); // 80 of 100 bytes; a third would not fit
    ring.push(frameBytes(4, 24), 24, 24, 4, 0); // at 160
    ring.push(frameBytes(5, 24), 24, 24, 5, 0); // wraps to 0
    expect(ring.moveRun(dst, 8)).toBe(2); // 120 and 160, not the wrapped one
    expect(new DataView(dst.buffer).getUint32(40, true)).toBe(4);
    expect(ring.moveRun(dst, 8)).toBe(1);
    expect(new DataView(dst.buffer).getUint32(0, true)).toBe(5);
    ring.push(frameBytes(6, 90), 90, 90, 6, 0);
    expect(ring.moveRun(dst, 8)).toBe(0); // 106 bytes do not fit in 100
    expect(ring.size).toBe(1);
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
                queuedBytes -= 16 + want.len;
              }
            } else {
              seq++;
              pushed++;
              const wasEmpty = model.length === 0;
              const ok = ring.push(frameBytes(seq, op), op, op, seq, 0);
              if (ok) {
                model.push({ seq, len: op });
                queuedBytes += 16 + op;
              } else {
                // Refusal is allowed only when a limit could be in the way.
                expect(wasEmpty && 16 + op <= bytes).toBe(false);
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


/** `frames` as the patched addon's record buffer holds them: pcap records back to back. */
function recordBuffer(frames: readonly { seq: number; len: number }[]): { buf: Buffer; bytes: number } {
  const buf = Buffer.alloc(frames.reduce((n, r) => n + 16 + r.len, 0) + 64, 0xdd);
  let p = 0;
  for (const r of frames) {
    buf.writeUInt32LE(r.seq, p);
    buf.writeUInt32LE(r.seq % 1e9, p + 4);
    buf.writeUInt32LE(r.len, p + 8);
    buf.writeUInt32LE(r.len + 7, p + 12);
    frameBytes(r.seq, r.len).copy(buf, p + 16, 0, r.len);
    p += 16 + r.len;
  }
  return { buf, bytes: p };
}

describe('FrameRing record batches', () => {
  it('takes a batch as push takes each of its frames, in order, with drops counted per frame', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 64, max: 1500 }),
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('batch' as const), lens: fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 10 }) }),
            fc.record({ kind: fc.constant('shift' as const) }),
            fc.record({ kind: fc.constant('move' as const), frames: fc.integer({ min: 1, max: 12 }), room: fc.integer({ min: 16, max: 800 }) }),
          ),
          { maxLength: 120 },
        ),
        (frames, bytes, ops) => {
          // Two rings: one fed with pushRecords, one with push per frame; both must agree at every step.
          const batched = new FrameRing(frames, bytes);
          const single = new FrameRing(frames, bytes);
          const model: { seq: number; len: number }[] = [];
          const f = newFrame();
          let seq = 0;
          for (const op of ops) {
            if (op.kind === 'batch') {
              const recs = op.lens.map((len) => ({ seq: ++seq, len }));
              const { buf, bytes: n } = recordBuffer(recs);
              batched.pushRecords(buf, new DataView(buf.buffer, buf.byteOffset, buf.byteLength), n);
              for (const r of recs) {
                const src = frameBytes(r.seq, r.len);
                if (single.push(src, r.len, r.len + 7, r.seq, r.seq % 1e9)) model.push(r);
              }
            } else if (op.kind === 'shift') {
              const want = model.shift();
              expect(batched.shiftInto(f)).toBe(want !== undefined);
              single.shiftInto(newFrame());
              if (want !== undefined) {
                expect(Buffer.from(viewOf(f))).toEqual(frameBytes(want.seq, want.len).subarray(0, want.len));
                expect([f.tsSec, f.tsNsec, f.origLen]).toEqual([want.seq, want.seq % 1e9, want.len + 7]);
              }
            } else {
              const dst = new Uint8Array(op.room);
              const k = batched.moveRun(dst, op.frames);
              expect(single.moveRun(new Uint8Array(op.room), op.frames)).toBe(k);
              expect(k).toBeLessThanOrEqual(op.frames);
              // The oldest frame always moves when it fits.
              if (model.length > 0 && 16 + model[0]!.len <= op.room) expect(k).toBeGreaterThan(0);
              const v = new DataView(dst.buffer);
              let p = 0;
              for (const want of model.splice(0, k)) {
                expect([v.getUint32(p, true), v.getUint32(p + 8, true), v.getUint32(p + 12, true)]).toEqual([want.seq, want.len, want.len + 7]);
                expect(Buffer.from(dst.subarray(p + 16, p + 16 + want.len))).toEqual(frameBytes(want.seq, want.len).subarray(0, want.len));
                p += 16 + want.len;
              }
              expect(batched.runBytes).toBe(p);
            }
            expect(batched.size).toBe(model.length);
            expect(batched.drops).toBe(single.drops);
            expect(batched.dropBytes).toBe(single.dropBytes);
            expect(batched.highWater).toBe(single.highWater);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
