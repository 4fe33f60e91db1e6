import { describe, expect, it } from 'vitest';
import { decodesAsDns } from '../../src/rules/dns-decode-baseline.js';

// "example.com. IN A" query, laid out by hand per RFC 1035 4.1.
const QUERY = Uint8Array.from([
  0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  7, ...Buffer.from('example'), 3, ...Buffer.from('com'), 0,
  0x00, 0x01, 0x00, 0x01,
]);

describe('decodesAsDns', () => {
  it('accepts a well-formed query, also inside a larger buffer', () => {
    expect(decodesAsDns(QUERY)).toBe(true);
    const big = new Uint8Array(QUERY.length + 10);
    big.set(QUERY, 5);
    expect(decodesAsDns(big.subarray(5, 5 + QUERY.length))).toBe(true);
  });

  it('rejects a message that ends inside its question', () => {
    for (let n = 12; n < QUERY.length; n++) expect(decodesAsDns(QUERY.subarray(0, n)), `${n} bytes`).toBe(false);
  });

  it('rejects payloads shorter than a header and non-DNS text', () => {
    expect(decodesAsDns(new Uint8Array(0))).toBe(false);
    expect(decodesAsDns(QUERY.subarray(0, 11))).toBe(false);
    expect(decodesAsDns(Uint8Array.from(Buffer.from('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n')))).toBe(false);
  });

  it('does not hang on a compression pointer that points to itself', () => {
    const loop = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    expect(decodesAsDns(loop)).toBe(false);
  });
});
