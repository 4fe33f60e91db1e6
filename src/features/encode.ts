import type { Transport } from '../flow/sample.js';

/**
 * The model's view of one sample. The encoding is versioned because a model
 * is only meaningful together with the exact encoding it was trained on: the
 * spec travels in the model directory and is validated on load.
 *
 * Row layout: [targets | conditioning]. Targets are what the autoencoder
 * reconstructs (and what the loss is computed over); conditioning inputs are
 * given to the encoder only, so the model can learn "what a TCP response
 * looks like" without being scored on guessing the transport.
 */
export const FEATURE_VERSION = 1;

/** Bytes of the DNS header the model may look at: ID, flags, QDCOUNT, ANCOUNT. */
export const MODEL_BYTES = 8;
/** Transport x direction one-hot: udp/q, udp/r, tcp/q, tcp/r. */
export const CONDITION_WIDTH = 4;

export type ByteEncoding = 'bits' | 'bytes';

export interface FeatureSpec {
  readonly featureVersion: number;
  /** 'bits': 8 inputs per byte (flags are bit fields); 'bytes': one x/255 input per byte. */
  readonly encoding: ByteEncoding;
  /** Drop the random transaction ID (bytes 0-1) from inputs and loss. */
  readonly maskId: boolean;
  /** Add the transport x direction one-hot as conditioning inputs. */
  readonly conditioning: boolean;
  /** Reconstruct log2(length+1)/16 as a ninth target. */
  readonly lengthInput: boolean;
}

/** The design's original view: eight raw bytes scaled to [0,1], nothing else. */
export const PURE_EIGHT_BYTE_SPEC: FeatureSpec = Object.freeze({
  featureVersion: FEATURE_VERSION,
  encoding: 'bytes',
  maskId: false,
  conditioning: false,
  lengthInput: false,
});

/** The default, chosen by the measurements in docs/model.md. */
export const DEFAULT_SPEC: FeatureSpec = Object.freeze({
  featureVersion: FEATURE_VERSION,
  encoding: 'bits',
  maskId: true,
  conditioning: true,
  lengthInput: false,
});

export function firstModelByte(spec: FeatureSpec): number {
  return spec.maskId ? 2 : 0;
}

export function unitsPerByte(spec: FeatureSpec): number {
  return spec.encoding === 'bits' ? 8 : 1;
}

/** Number of reconstructed values (the loss is their mean squared error). */
export function targetWidth(spec: FeatureSpec): number {
  return (MODEL_BYTES - firstModelByte(spec)) * unitsPerByte(spec) + (spec.lengthInput ? 1 : 0);
}

export function featureWidth(spec: FeatureSpec): number {
  return targetWidth(spec) + (spec.conditioning ? CONDITION_WIDTH : 0);
}

export function transportCode(t: Transport): 0 | 1 {
  return t === 'tcp' ? 1 : 0;
}

/** Scaled length input; lengths are up to 65535 so 16 bits of log2 cover them. */
export function scaleLength(payloadLength: number): number {
  const v = Math.log2((payloadLength > 0 ? payloadLength : 0) + 1) / 16;
  return v > 1 ? 1 : v;
}

/**
 * Encodes one sample into `out` at `outOff` (featureWidth(spec) floats).
 * Bytes at or past `headLen` are encoded as zero: a short payload simply has
 * no bits set there (the SHORT flag and the rules report it separately).
 * Allocation-free: called per sample on the scoring path.
 */
export function encodeRow(
  head: Uint8Array,
  off: number,
  headLen: number,
  transport: 0 | 1,
  direction: number,
  payloadLength: number,
  spec: FeatureSpec,
  out: Float32Array,
  outOff: number,
): void {
  let o = outOff;
  const first = spec.maskId ? 2 : 0;
  if (spec.encoding === 'bits') {
    for (let k = first; k < MODEL_BYTES; k++) {
      const b = k < headLen ? head[off + k]! : 0;
      // MSB first, so bit i of the row is the bit tshark shows at position i.
      for (let bit = 7; bit >= 0; bit--) out[o++] = (b >> bit) & 1;
    }
  } else {
    for (let k = first; k < MODEL_BYTES; k++) out[o++] = (k < headLen ? head[off + k]! : 0) / 255;
  }
  if (spec.lengthInput) out[o++] = scaleLength(payloadLength);
  if (spec.conditioning) {
    const g = transport * 2 + (direction ? 1 : 0);
    for (let c = 0; c < CONDITION_WIDTH; c++) out[o++] = c === g ? 1 : 0;
  }
}

/** Validates a spec read from disk; returns a reason or undefined if valid. */
export function specProblem(spec: unknown): string | undefined {
  if (typeof spec !== 'object' || spec === null) return 'spec is not an object';
  const s = spec as Record<string, unknown>;
  if (s.featureVersion !== FEATURE_VERSION) return `unsupported featureVersion ${String(s.featureVersion)}`;
  if (s.encoding !== 'bits' && s.encoding !== 'bytes') return `unknown encoding ${String(s.encoding)}`;
  for (const k of ['maskId', 'conditioning', 'lengthInput'] as const) {
    if (typeof s[k] !== 'boolean') return `spec.${k} must be a boolean`;
  }
  return undefined;
}
