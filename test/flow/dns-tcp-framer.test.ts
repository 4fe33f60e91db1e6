import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DnsTcpFramer, type FramerSink } from '../../src/flow/dns-tcp-framer.js';
import { SAMPLE_GAP, SAMPLE_MIDSTREAM, SAMPLE_UNFRAMED } from '../../src/flow/sample.js';
import { concat, dnsQuery, first, framed } from './build-packet.js';

interface Msg {
  head: number[];
  payloadLength: number;
  flags: number;
}

function collector(): { framer: DnsTcpFramer<string>; out: Msg[] } {
  const out: Msg[] = [];
  const sink: FramerSink<string> = {
    message(tag, head, headLen, payloadLength, flags) {
      expect(tag).toBe('t');
      out.push({ head: [...head.subarray(0, headLen)], payloadLength, flags });
    },
  };
  return { framer: new DnsTcpFramer(sink, 't'), out };
}

function feed(framer: DnsTcpFramer<string>, bytes: Uint8Array, cuts: number[]): void {
  let last = 0;
  for (const c of [...cuts, bytes.length]) {
    framer.push(bytes, last, c - last);
    last = c;
  }
}

describe('DnsTcpFramer', () => {
  const msgs = Array.from({ length: 20 }, (_, i) => dnsQuery(0x1000 + i, `q${i}.example.com`));
  const stream = concat(...msgs.map(framed));
  const expected = msgs.map((m) => ({ head: first(m), payloadLength: m.length, flags: 0 }));

  it('frames 20 pipelined queries delivered at once', () => {
    const { framer, out } = collector();
    framer.push(stream, 0, stream.length);
    expect(out).toEqual(expected);
    expect(framer.inMessage).toBe(false);
  });

  it('gives the same messages for any split of the stream', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 60 }), (cuts) => {
        const { framer, out } = collector();
        feed(framer, stream, cuts.sort((a, b) => a - b));
        expect(out).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a length prefix split 1 byte + 1 byte and a header split across pushes', () => {
    const m = dnsQuery(0xbeef, 'split.example');
    const s = framed(m);
    const { framer, out } = collector();
    feed(framer, s, [1, 2, 5, 9]);
    expect(out).toEqual([{ head: first(m), payloadLength: m.length, flags: 0 }]);
  });

  it('emits a zero-length message as a sample with no header bytes', () => {
    const { framer, out } = collector();
    framer.push(new Uint8Array([0, 0, 0, 3, 1, 2, 3]), 0, 7);
    expect(out).toEqual([
      { head: [], payloadLength: 0, flags: 0 },
      { head: [1, 2, 3], payloadLength: 3, flags: 0 },
    ]);
  });

  it('emits a message cut short at stream end as UNFRAMED with the bytes seen after the prefix', () => {
    const http = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const { framer, out } = collector();
    framer.push(http, 0, http.length);
    expect(out).toEqual([]);
    expect(framer.inMessage).toBe(true);
    framer.end();
    expect(out).toEqual([{ head: first(http.subarray(2)), payloadLength: http.length - 2, flags: SAMPLE_UNFRAMED }]);
    framer.end();
    expect(out).toHaveLength(1);
  });

  it('emits a lone prefix byte at stream end as an empty UNFRAMED sample', () => {
    const { framer, out } = collector();
    framer.push(new Uint8Array([0x47]), 0, 1);
    framer.end();
    expect(out).toEqual([{ head: [], payloadLength: 0, flags: SAMPLE_UNFRAMED }]);
  });

  it('keeps only a bounded header for a huge message and skips the rest by counting', () => {
    const { framer, out } = collector();
    const body = new Uint8Array(65535).map((_, i) => i & 0xff);
    const s = framed(body);
    for (let o = 0; o < s.length; o += 1000) framer.push(s, o, Math.min(1000, s.length - o));
    expect(out).toEqual([{ head: first(body), payloadLength: 65535, flags: 0 }]);
  });

  it('adds stream flags to every message', () => {
    const { framer, out } = collector();
    framer.streamFlags = SAMPLE_MIDSTREAM;
    framer.push(stream, 0, stream.length);
    expect(out.every((m) => m.flags === SAMPLE_MIDSTREAM)).toBe(true);
  });

  describe('gaps', () => {
    const a = dnsQuery(1, 'a.example');
    const b = dnsQuery(2, 'b.example');
    const fa = framed(a);
    const fb = framed(b);

    it('inside a message body keeps framing and flags only that message', () => {
      const { framer, out } = collector();
      framer.push(fa, 0, 2 + 12);
      framer.gap(5);
      framer.push(fa, 2 + 12 + 5, fa.length - 19);
      framer.push(fb, 0, fb.length);
      expect(out).toEqual([
        { head: first(a), payloadLength: a.length, flags: SAMPLE_GAP },
        { head: first(b), payloadLength: b.length, flags: 0 },
      ]);
    });

    it('inside the header stops collecting header bytes', () => {
      const { framer, out } = collector();
      framer.push(fa, 0, 2 + 4);
      framer.gap(3);
      framer.push(fa, 9, fa.length - 9);
      expect(out).toEqual([{ head: first(a, 4), payloadLength: a.length, flags: SAMPLE_GAP }]);
    });

    it('ending exactly at a message boundary keeps framing for the next message', () => {
      const { framer, out } = collector();
      framer.push(fa, 0, 10);
      framer.gap(fa.length - 10);
      framer.push(fb, 0, fb.length);
      expect(out).toEqual([
        { head: first(a, 8), payloadLength: a.length, flags: SAMPLE_GAP },
        { head: first(b), payloadLength: b.length, flags: 0 },
      ]);
    });

    it('past a message boundary resynchronises on the next byte and flags the next message', () => {
      const c = dnsQuery(3, 'c.example');
      const { framer, out } = collector();
      framer.push(fa, 0, 10);
      framer.gap(fa.length - 10 + fb.length);
      framer.push(framed(c), 0, c.length + 2);
      expect(out).toEqual([
        { head: first(a, 8), payloadLength: a.length, flags: SAMPLE_GAP },
        { head: first(c), payloadLength: c.length, flags: SAMPLE_GAP },
      ]);
    });

    it('between messages flags the next message', () => {
      const { framer, out } = collector();
      framer.push(fa, 0, fa.length);
      framer.gap(fb.length + 2);
      framer.push(fb, 0, fb.length);
      expect(out).toEqual([
        { head: first(a), payloadLength: a.length, flags: 0 },
        { head: first(b), payloadLength: b.length, flags: SAMPLE_GAP },
      ]);
    });

    it('after half a prefix emits the half message as UNFRAMED|GAP', () => {
      const { framer, out } = collector();
      framer.push(fb, 0, 1);
      framer.gap(4);
      expect(out).toEqual([{ head: [], payloadLength: 0, flags: SAMPLE_UNFRAMED | SAMPLE_GAP }]);
    });

    it('counted into an unframed message at stream end', () => {
      const { framer, out } = collector();
      framer.push(fa, 0, 2 + 12);
      framer.gap(3);
      framer.end();
      expect(out).toEqual([{ head: first(a), payloadLength: 15, flags: SAMPLE_UNFRAMED | SAMPLE_GAP }]);
    });
  });
});

describe('DnsTcpFramer keeping message prefixes (the question stage)', () => {
  function prefixCollector(max: number): { framer: DnsTcpFramer<string>; out: { body: number[]; len: number }[] } {
    const out: { body: number[]; len: number }[] = [];
    const sink: FramerSink<string> = {
      message(_tag, _head, _headLen, payloadLength, _flags, body, bodyLen) {
        out.push({ body: bodyLen < 0 ? [] : [...body!.subarray(0, bodyLen)], len: payloadLength });
      },
    };
    return { framer: new DnsTcpFramer(sink, 't', { maxBodyBytes: max, prefixOnly: true }), out };
  }

  it('keeps the first bytes of every message, longer ones cut at the bound, for any split of the stream', () => {
    const msgs = [dnsQuery(1, 'a.example'), dnsQuery(2, `${'x'.repeat(60)}.${'y'.repeat(60)}.example.com`), dnsQuery(3, 'b.example')];
    const stream = concat(...msgs.map(framed));
    const max = 40;
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 30 }), (cuts) => {
        const { framer, out } = prefixCollector(max);
        feed(framer, stream, cuts.sort((a, b) => a - b));
        expect(out).toEqual(msgs.map((m) => ({ body: [...m.subarray(0, Math.min(m.length, max))], len: m.length })));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps nothing of a message that lost bytes in a gap', () => {
    const m = dnsQuery(7, 'gap.example');
    const s = framed(m);
    const { framer, out } = prefixCollector(512);
    framer.push(s, 0, 10);
    framer.gap(4);
    framer.push(s, 14, s.length - 14);
    expect(out).toEqual([{ body: [], len: m.length }]);
  });
});
