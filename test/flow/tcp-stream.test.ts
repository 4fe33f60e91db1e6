import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../src/decode/packet.js';
import { WeirdCounters } from '../../src/decode/weirds.js';
import type { FramerSink } from '../../src/flow/dns-tcp-framer.js';
import { SAMPLE_GAP, SAMPLE_MIDSTREAM, SAMPLE_UNFRAMED } from '../../src/flow/sample.js';
import { newTcpReassemblyContext, TcpStream, type TcpReassemblyContext } from '../../src/flow/tcp-stream.js';
import { concat, dnsQuery, first, framed } from './build-packet.js';

interface Msg {
  head: number[];
  payloadLength: number;
  flags: number;
}

function setup(maxStream = 64 * 1024, maxTotal = 1 << 20) {
  const weirds = new WeirdCounters();
  const ctx = newTcpReassemblyContext(weirds, maxStream, maxTotal);
  const out: Msg[] = [];
  const sink: FramerSink<number> = {
    message(_tag, head, headLen, payloadLength, flags) {
      out.push({ head: [...head.subarray(0, headLen)], payloadLength, flags });
    },
  };
  return { weirds, ctx, out, stream: new TcpStream<number>(ctx, sink, 0) };
}

const ISN = 0xfffffff0; // close to the wrap so sequence arithmetic is exercised
const D = TCP_ACK | TCP_PSH;

/** Sends bytes [from, to) of `data` as one segment of a stream whose first data byte has seq ISN+1. */
function seg(s: TcpStream<number>, data: Uint8Array, from: number, to: number, flags = D, claimed = to - from): void {
  s.segment(flags, (ISN + 1 + from) >>> 0, data, from, to - from, claimed);
}

const msgs = Array.from({ length: 6 }, (_, i) => dnsQuery(0x2000 + i, `m${i}.example.org`));
const data = concat(...msgs.map(framed));
const expected = msgs.map((m) => ({ head: first(m), payloadLength: m.length, flags: 0 }));

function segments(cuts: number[]): [number, number][] {
  const b = [0, ...cuts, data.length];
  return b.slice(1).map((e, i) => [b[i]!, e]);
}

describe('TcpStream', () => {
  it('reassembles in-order segments after a SYN across the sequence wrap', () => {
    const { stream, out, ctx } = setup();
    stream.segment(TCP_SYN, ISN, data, 0, 0, 0);
    for (const [a, b] of segments([1, 2, 30, 31, 90])) seg(stream, data, a, b);
    expect(out).toEqual(expected);
    expect(ctx.bufferedBytes).toBe(0);
  });

  it('reorders out-of-order segments in any permutation', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: data.length - 1 }), { minLength: 1, maxLength: 12 }).chain((cuts) => {
          const segs = segments(cuts.sort((x, y) => x - y));
          return fc.shuffledSubarray(segs, { minLength: segs.length, maxLength: segs.length });
        }),
        (order) => {
          const { stream, out, ctx, weirds } = setup();
          stream.segment(TCP_SYN, ISN, data, 0, 0, 0);
          for (const [a, b] of order) seg(stream, data, a, b);
          expect(out).toEqual(expected);
          expect(ctx.bufferedBytes).toBe(0);
          expect(weirds.get('tcp_stream_gap')).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drops retransmissions and keeps the first copy of overlapping bytes', () => {
    const { stream, out, ctx } = setup();
    stream.segment(TCP_SYN, ISN, data, 0, 0, 0);
    const bogus = data.map((x) => x ^ 0xff);
    seg(stream, data, 0, 40);
    seg(stream, bogus, 0, 40); // full retransmission, different content
    seg(stream, bogus, 20, 60); // overlaps 20..40 with bytes already delivered
    seg(stream, data, 80, 120); // out of order, buffered
    seg(stream, bogus, 70, 130); // overlaps the buffered 80..120 on both sides
    seg(stream, data, 60, 70);
    seg(stream, data, 130, data.length);
    const truth = data.slice();
    truth.set(bogus.subarray(40, 60), 40);
    truth.set(bogus.subarray(70, 80), 70);
    truth.set(bogus.subarray(120, 130), 120);
    const ref = setup();
    ref.stream.segment(TCP_SYN, ISN, data, 0, 0, 0);
    seg(ref.stream, truth, 0, truth.length);
    expect(out).toEqual(ref.out);
    expect(ctx.retransmissions).toBe(1);
    expect(ctx.overlaps).toBeGreaterThanOrEqual(2);
    expect(ctx.bufferedBytes).toBe(0);
  });

  it('marks a stream without SYN as midstream, starting at its first data segment', () => {
    const { stream, out } = setup();
    stream.segment(TCP_ACK, 12345, data, 0, 0, 0); // pure ACK does not start the stream
    const start = framed(msgs[0]!).length;
    stream.segment(D, 5000, data, start, data.length - start, data.length - start);
    expect(stream.midstream).toBe(true);
    expect(out).toEqual(expected.slice(1).map((m) => ({ ...m, flags: SAMPLE_MIDSTREAM })));
  });

  it('flushes a partial message at FIN once the bytes before the FIN are in', () => {
    const { stream, out } = setup();
    stream.segment(TCP_SYN, ISN, data, 0, 0, 0);
    const cut = framed(msgs[0]!).length + 7;
    seg(stream, data, 5, cut, D | TCP_FIN); // FIN arrives before the first 5 bytes
    expect(out).toEqual([]);
    expect(stream.closed).toBe(false);
    seg(stream, data, 0, 5);
    expect(stream.closed).toBe(true);
    expect(out).toEqual([expected[0], { head: first(msgs[1]!, 5), payloadLength: 5, flags: SAMPLE_UNFRAMED }]);
  });

  it('counts data after the stream closed and ignores it', () => {
    const { stream, out, ctx } = setup();
    stream.segment(TCP_SYN, ISN, data, 0, 0, 0);
    seg(stream, data, 0, 10, D | TCP_FIN);
    seg(stream, data, 10, 20);
    expect(ctx.afterClose).toBe(1);
    expect(out).toHaveLength(1);
  });

  it('skips a hole that never fills at end and counts a gap', () => {
    const { stream, out, weirds, ctx } = setup();
    stream.segment(TCP_SYN, ISN, data, 0, 0, 0);
    const l0 = framed(msgs[0]!).length;
    const l1 = framed(msgs[1]!).length;
    seg(stream, data, 0, 20);
    seg(stream, data, l0 + l1, data.length); // message 1 and the tail of 0 never arrive
    expect(out).toEqual([]);
    expect(ctx.bufferedBytes).toBe(data.length - l0 - l1);
    stream.end();
    expect(weirds.get('tcp_stream_gap')).toBe(1);
    expect(ctx.gapBytes).toBe(l0 + l1 - 20);
    expect(out).toEqual([
      { head: first(msgs[0]!), payloadLength: msgs[0]!.length, flags: SAMPLE_GAP },
      { ...expected[2]!, flags: SAMPLE_GAP },
      ...expected.slice(3),
    ]);
    expect(ctx.bufferedBytes).toBe(0);
  });

  it('skips ahead when the per-direction buffer is full and stays within it', () => {
    const big = Array.from({ length: 8 }, (_, i) => dnsQuery(0x3000 + i, `${'x'.repeat(60)}.b${i}.example`));
    const bd = concat(...big.map(framed));
    const cap = 150;
    const { stream, out, weirds, ctx } = setup(cap);
    stream.segment(TCP_SYN, ISN, bd, 0, 0, 0);
    // Bytes 10..20 are lost; everything after them arrives in order, 50 bytes a segment.
    stream.segment(D, (ISN + 1) >>> 0, bd, 0, 10, 10);
    let maxHeld = 0;
    for (let o = 20; o < bd.length; o += 50) {
      const e = Math.min(o + 50, bd.length);
      stream.segment(D, (ISN + 1 + o) >>> 0, bd, o, e - o, e - o);
      maxHeld = Math.max(maxHeld, stream.buffered);
    }
    expect(maxHeld).toBeLessThanOrEqual(cap);
    expect(weirds.get('tcp_reassembly_buffer_full')).toBe(1);
    expect(weirds.get('tcp_stream_gap')).toBe(1);
    expect(ctx.gapBytes).toBe(10);
    // The gap sits inside message 0 (after 8 of its bytes), so framing survives.
    expect(out).toEqual([
      { head: first(big[0]!, 8), payloadLength: big[0]!.length, flags: SAMPLE_GAP },
      ...big.slice(1).map((m) => ({ head: first(m), payloadLength: m.length, flags: 0 })),
    ]);
  });

  it('respects the global cap shared by all directions', () => {
    const weirds = new WeirdCounters();
    const ctx: TcpReassemblyContext = newTcpReassemblyContext(weirds, 1000, 100);
    const sink: FramerSink<number> = { message() {} };
    const s1 = new TcpStream<number>(ctx, sink, 1);
    const s2 = new TcpStream<number>(ctx, sink, 2);
    for (const s of [s1, s2]) s.segment(TCP_SYN, 0, data, 0, 0, 0);
    s1.segment(D, 11, data, 10, 80, 80);
    expect(ctx.bufferedBytes).toBe(80);
    s2.segment(D, 11, data, 10, 80, 80);
    expect(weirds.get('tcp_reassembly_buffer_full')).toBe(1);
    expect(ctx.bufferedBytes).toBeLessThanOrEqual(100);
    expect(s2.buffered).toBe(0);
  });

  it('treats bytes cut by the capture (snaplen) as a gap', () => {
    const { stream, out, weirds } = setup();
    stream.segment(TCP_SYN, ISN, data, 0, 0, 0);
    const l0 = framed(msgs[0]!).length;
    seg(stream, data, 0, 9, D, l0); // only 9 of l0 bytes captured
    seg(stream, data, l0, data.length);
    expect(weirds.get('tcp_stream_gap')).toBe(1);
    expect(out).toEqual([{ head: first(msgs[0]!, 7), payloadLength: msgs[0]!.length, flags: SAMPLE_GAP }, ...expected.slice(1)]);
  });
});
