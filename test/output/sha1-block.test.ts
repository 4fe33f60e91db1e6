import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHA1_SHORT_MAX, sha1Short } from '../../src/output/sha1-block.js';

function hexOf(words: Int32Array): string {
  return Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

describe('sha1Short', () => {
  it('gives the FIPS 180 examples', () => {
    const out = new Int32Array(5);
    sha1Short(Buffer.from('abc'), 3, out);
    expect(hexOf(out)).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    sha1Short(new Uint8Array(0), 0, out);
    expect(hexOf(out)).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
  });

  it('equals node:crypto for every length up to 55 bytes', () => {
    const out = new Int32Array(5);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: SHA1_SHORT_MAX }), (msg) => {
        sha1Short(msg, msg.length, out);
        expect(hexOf(out)).toBe(createHash('sha1').update(msg).digest('hex'));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a message that needs a second block', () => {
    expect(() => sha1Short(new Uint8Array(56), 56, new Int32Array(5))).toThrow(RangeError);
  });
});
