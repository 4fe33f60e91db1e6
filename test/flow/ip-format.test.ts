import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, formatIpv6, formatIpWords, IP_TEXT_MAX, IP_TEXT_SLACK, putIpWords } from '../../src/flow/ip-format.js';

function v6(groups: number[]): Uint8Array {
  return new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
}

describe('formatIpv6 (RFC 5952)', () => {
  it('follows the RFC 5952 examples', () => {
    // Section 4.2.1 / 4.2.2 / 4.2.3 / 4.3 examples.
    expect(formatIpv6(v6([0x2001, 0xdb8, 0, 0, 0, 0, 2, 1]), 0)).toBe('2001:db8::2:1');
    expect(formatIpv6(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), 0)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(v6([0x2001, 0, 0, 1, 0, 0, 0, 1]), 0)).toBe('2001:0:0:1::1');
    expect(formatIpv6(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), 0)).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(v6([0x2001, 0xdb8, 0xaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0xaaaa]), 0)).toBe(
      '2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa',
    );
    expect(formatIpv6(v6([0, 0, 0, 0, 0, 0, 0, 0]), 0)).toBe('::');
    expect(formatIpv6(v6([0, 0, 0, 0, 0, 0, 0, 1]), 0)).toBe('::1');
    expect(formatIpv6(v6([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 0)).toBe('fe80::');
  });

  it('keeps the dotted quad for IPv4-mapped addresses', () => {
    expect(formatIpv6(v6([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]), 0)).toBe('::ffff:192.0.2.1');
  });

  it('reads at an offset', () => {
    const b = new Uint8Array(20);
    b.set(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x35]), 4);
    expect(formatIpv6(b, 4)).toBe('2001:db8::35');
  });

  it('agrees with the WHATWG URL serializer on random addresses', () => {
    // Few distinct group values so zero runs and ties are common.
    const group = fc.constantFrom(0, 0, 0, 1, 0xdb8, 0xffff, 0xabc);
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        fc.pre(!(groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff));
        const b = v6(groups);
        const url = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname;
        expect(`[${formatIpv6(b, 0)}]`).toBe(url);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatIpv4', () => {
  it('prints the dotted quad', () => {
    expect(formatIpv4(new Uint8Array([0, 10, 0, 255, 1]), 1)).toBe('10.0.255.1');
  });
});

/** The big-endian 32-bit words of 16 address bytes, as a FlowKey holds them (signed). */
function words(b: Uint8Array): [number, number, number, number] {
  const w = (o: number): number => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  return [w(0), w(4), w(8), w(12)];
}

/** Writes at offset 5 of a buffer of 0xee bytes; returns the text and whether anything past end + IP_TEXT_SLACK changed. */
function written(ipVersion: 4 | 6, b: Uint8Array): { text: string; within: boolean } {
  const buf = Buffer.alloc(64, 0xee);
  const [w0, w1, w2, w3] = words(b);
  const end = putIpWords(new DataView(buf.buffer, buf.byteOffset, buf.length), 5, ipVersion, w0, w1, w2, w3);
  const untouched = buf.subarray(end + IP_TEXT_SLACK).every((x) => x === 0xee) && buf.subarray(0, 5).every((x) => x === 0xee);
  return { text: buf.toString('latin1', 5, end), within: untouched && end - 5 <= IP_TEXT_MAX };
}

describe('putIpWords (address text as bytes, from flow key words)', () => {
  const group = fc.constantFrom(0, 0, 0, 1, 0xf, 0x10, 0xff, 0x100, 0xfff, 0x1000, 0xdb8, 0xffff, 0xabc);

  it('writes what the WHATWG URL serializer writes, within IP_TEXT_MAX and IP_TEXT_SLACK', () => {
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        fc.pre(!(groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff));
        const url = new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname;
        const { text, within } = written(6, v6(groups));
        expect(`[${text}]`).toBe(url);
        expect(within).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('shortens the first of two equally long zero runs, leading and trailing runs, and never a single zero group', () => {
    const cases: Array<[number[], string]> = [
      [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
      [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
      [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
      [[0, 0, 1, 0, 0, 1, 0, 0], '::1:0:0:1:0:0'],
      [[1, 0, 0, 1, 1, 0, 0, 1], '1::1:1:0:0:1'],
      [[1, 0, 0, 1, 0, 0, 0, 1], '1:0:0:1::1'],
      [[1, 0, 1, 0, 1, 0, 1, 0], '1:0:1:0:1:0:1:0'],
      [[0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff], 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ];
    for (const [groups, text] of cases) {
      expect(written(6, v6(groups)).text).toBe(text);
      // The URL serializer agrees on every one of these.
      expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`);
    }
  });

  it('keeps the dotted quad of any IPv4-mapped address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (q) => {
        const b = new Uint8Array(16);
        b[10] = 0xff;
        b[11] = 0xff;
        b.set(q, 12);
        const { text, within } = written(6, b);
        expect(text).toBe(`::ffff:${q.join('.')}`);
        expect(within).toBe(true);
      }),
    );
  });

  it('writes any IPv4 address as its dotted quad', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (q) => {
        const b = new Uint8Array(16);
        b.set(q, 0);
        const { text, within } = written(4, b);
        expect(text).toBe(q.join('.'));
        expect(within).toBe(true);
      }),
    );
    expect(written(4, new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).text).toBe('255.255.255.255');
  });

  it('formatIpWords is the same text as a string', () => {
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.constantFrom(4 as const, 6 as const), (groups, v) => {
        const b = v6(groups);
        expect(formatIpWords(v, ...words(b))).toBe(written(v, b).text);
      }),
    );
  });
});
