import { FIRST_BYTES } from '../flow/sample.js';

/**
 * What `dnsae evaluate` hands to the metrics: one row per scored sample,
 * labelled by the flag its file was given under (--benign / --anomalous).
 * Rows are stored as columns (EvalColumns): a corpus run yields millions of
 * samples, and one object per sample (plus a Float32Array each for the
 * per-byte error) would cost an order of magnitude more memory than the
 * typed arrays. EvalSample is the row view, for building and for tests.
 */
export type Label = 0 | 1;

export interface EvalFile {
  readonly path: string;
  readonly label: Label;
  /** Free-form grouping (e.g. the corpus sub-folder); shown in the per-file table. */
  readonly group?: string;
}

export interface EvalSample {
  readonly label: Label;
  readonly fileIndex: number;
  /** Flow id, unique within its file. */
  readonly flowKey: number;
  /** Autoencoder reconstruction loss. */
  readonly loss: number;
  /** The model's threshold for this sample's transport/direction. */
  readonly threshold: number;
  /**
   * The hybrid's threshold when the structure checks pass (the model's
   * fusion record); absent: `threshold`, the hybrid is the union of both.
   */
  readonly aeOnlyThreshold?: number;
  /** Bitmask of failed structural rules (0 = passes). */
  readonly ruleMask: number;
  /** Baseline: the payload decodes with the dns-packet library. */
  readonly decodesAsDns: boolean;
  /** PER_BYTE reconstruction errors, byte 0 first. */
  readonly perByteError: ArrayLike<number>;
}

/** Column store of EvalSample rows; row i is index i of every column. */
export interface EvalColumns {
  readonly count: number;
  readonly label: Uint8Array;
  readonly fileIndex: Uint32Array;
  readonly flowKey: Float64Array;
  readonly loss: Float64Array;
  readonly threshold: Float64Array;
  readonly aeOnlyThreshold: Float64Array;
  readonly ruleMask: Uint32Array;
  /** 1 = decodes as DNS. */
  readonly decodesAsDns: Uint8Array;
  /** count * PER_BYTE values, row-major. */
  readonly perByteError: Float32Array;
}

export interface EvalInput {
  readonly files: readonly EvalFile[];
  readonly samples: EvalColumns;
  readonly modelId: string;
  /** The model's reference threshold (see docs/evaluation.md, "scaled loss"). */
  readonly threshold: number;
  /** The hybrid's autoencoder-only threshold (the model's fusion record); absent: `threshold`. */
  readonly aeOnlyThreshold?: number;
  /** Names of the rules set in a mask; called once per bit, never per sample. */
  readonly ruleNames: (mask: number) => string[];
}

export const PER_BYTE = FIRST_BYTES;

export const BYTE_LABELS: readonly string[] = [
  'ID hi',
  'ID lo',
  'flags hi',
  'flags lo',
  'QD hi',
  'QD lo',
  'AN hi',
  'AN lo',
];

/** Detectors compared side by side; snake_case because these are JSON keys. */
export const DETECTORS = ['ae', 'rules', 'hybrid', 'dns_decode'] as const;
export type Detector = (typeof DETECTORS)[number];
