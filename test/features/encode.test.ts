import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SPEC,
  encodeRow,
  FEATURE_VERSION,
  featureWidth,
  PURE_EIGHT_BYTE_SPEC,
  scaleLength,
  specProblem,
  targetWidth,
  type FeatureSpec,
} from '../../src/features/encode.js';

// A standard query header: ID 0x1234, flags 0x0100 (RD), QDCOUNT 1, ANCOUNT 0.
const QUERY = Uint8Array.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0, 0, 0, 1]);

const bitsOf = (bytes: number[]): number[] => bytes.flatMap((b) => [7, 6, 5, 4, 3, 2, 1, 0].map((s) => (b >> s) & 1));

function encode(spec: FeatureSpec, head: Uint8Array, opts: { headLen?: number; transport?: 0 | 1; direction?: number; len?: number } = {}): number[] {
  const out = new Float32Array(featureWidth(spec) + 2).fill(-1);
  encodeRow(head, 0, opts.headLen ?? head.length, opts.transport ?? 0, opts.direction ?? 0, opts.len ?? 40, spec, out, 1);
  expect(out[0]).toBe(-1); // nothing written before outOff
  expect(out[out.length - 1]).toBe(-1); // nor past the row
  return Array.from(out.subarray(1, out.length - 1));
}

describe('feature widths', () => {
  it('counts bits, masked ID, length and conditioning inputs', () => {
    expect(featureWidth(PURE_EIGHT_BYTE_SPEC)).toBe(8);
    expect(targetWidth(DEFAULT_SPEC)).toBe(6 * 8);
    expect(featureWidth(DEFAULT_SPEC)).toBe(6 * 8 + 4);
    expect(featureWidth({ ...DEFAULT_SPEC, maskId: false, lengthInput: true, conditioning: false })).toBe(8 * 8 + 1);
  });
});

describe('encodeRow', () => {
  it('pure eight-byte spec scales each byte by 1/255', () => {
    expect(encode(PURE_EIGHT_BYTE_SPEC, QUERY)).toEqual([0x12, 0x34, 1, 0, 0, 1, 0, 0].map((b) => Math.fround(b / 255)));
  });

  it('bit encoding is MSB first and drops the masked ID', () => {
    const v = encode({ ...DEFAULT_SPEC, conditioning: false }, QUERY);
    expect(v).toEqual(bitsOf([0x01, 0x00, 0x00, 0x01, 0x00, 0x00]));
    expect(v[7]).toBe(1); // RD is the lowest bit of the flags' first byte
  });

  it('keeps the ID when not masked', () => {
    const v = encode({ ...DEFAULT_SPEC, maskId: false, conditioning: false }, QUERY);
    expect(v).toEqual(bitsOf([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00]));
  });

  it('appends the transport x direction one-hot after the targets', () => {
    const tail = (t: 0 | 1, d: number) => encode(DEFAULT_SPEC, QUERY, { transport: t, direction: d }).slice(48);
    expect(tail(0, 0)).toEqual([1, 0, 0, 0]);
    expect(tail(0, 1)).toEqual([0, 1, 0, 0]);
    expect(tail(1, 0)).toEqual([0, 0, 1, 0]);
    expect(tail(1, 1)).toEqual([0, 0, 0, 1]);
  });

  it('encodes the length as log2(len+1)/16, capped at 1', () => {
    const spec = { ...DEFAULT_SPEC, lengthInput: true, conditioning: false };
    expect(encode(spec, QUERY, { len: 255 })[48]).toBe(0.5); // log2(256)/16
    expect(encode(spec, QUERY, { len: 65535 })[48]).toBe(1);
    expect(scaleLength(0)).toBe(0);
    expect(scaleLength(-5)).toBe(0);
  });

  it('encodes bytes past headLen as zero even if the buffer holds data', () => {
    const v = encode({ ...DEFAULT_SPEC, conditioning: false }, Uint8Array.from([0x58, 0x58, 0x58, 0xff, 0xff, 0xff, 0xff, 0xff]), { headLen: 3 });
    expect(v).toEqual(bitsOf([0x58, 0, 0, 0, 0, 0]));
  });
});

describe('specProblem', () => {
  it('accepts the shipped specs and names the faulty field otherwise', () => {
    expect(specProblem(DEFAULT_SPEC)).toBeUndefined();
    expect(specProblem(PURE_EIGHT_BYTE_SPEC)).toBeUndefined();
    expect(specProblem({ ...DEFAULT_SPEC, encoding: 'nibbles' })).toMatch(/encoding/);
    expect(specProblem({ ...DEFAULT_SPEC, maskId: 'yes' })).toMatch(/maskId/);
    expect(specProblem({ ...DEFAULT_SPEC, featureVersion: FEATURE_VERSION + 1 })).toMatch(/featureVersion/);
    expect(specProblem(null)).toBeDefined();
  });
});
