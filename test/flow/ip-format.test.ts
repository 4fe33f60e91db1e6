import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, formatIpv6 } from '../../src/flow/ip-format.js';

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
