import { PER_BYTE, type EvalColumns, type EvalSample, type Label } from './eval-types.js';

/**
 * Growable column store. The scorer pushes rows straight from its batch
 * arrays with pushValues() so building the evaluation input allocates only
 * when a column doubles.
 */
export class EvalColumnsBuilder {
  private n = 0;
  private label: Uint8Array;
  private fileIndex: Uint32Array;
  private flowKey: Float64Array;
  private loss: Float64Array;
  private threshold: Float64Array;
  private aeOnlyThreshold: Float64Array;
  private ruleMask: Uint32Array;
  private decodesAsDns: Uint8Array;
  private perByteError: Float32Array;

  constructor(initialCapacity = 1024) {
    const c = Math.max(1, initialCapacity);
    this.label = new Uint8Array(c);
    this.fileIndex = new Uint32Array(c);
    this.flowKey = new Float64Array(c);
    this.loss = new Float64Array(c);
    this.threshold = new Float64Array(c);
    this.aeOnlyThreshold = new Float64Array(c);
    this.ruleMask = new Uint32Array(c);
    this.decodesAsDns = new Uint8Array(c);
    this.perByteError = new Float32Array(c * PER_BYTE);
  }

  get count(): number {
    return this.n;
  }

  push(s: EvalSample): void {
    this.pushValues(s.label, s.fileIndex, s.flowKey, s.loss, s.threshold, s.ruleMask, s.decodesAsDns, s.perByteError, 0, s.aeOnlyThreshold);
  }

  /** Copies PER_BYTE errors from `errors` starting at `errorsOffset`; `aeOnlyThreshold` defaults to `threshold`. */
  pushValues(
    label: Label,
    fileIndex: number,
    flowKey: number,
    loss: number,
    threshold: number,
    ruleMask: number,
    decodesAsDns: boolean,
    errors: ArrayLike<number>,
    errorsOffset: number,
    aeOnlyThreshold: number = threshold,
  ): void {
    if (this.n === this.label.length) this.grow();
    const i = this.n++;
    this.label[i] = label;
    this.fileIndex[i] = fileIndex;
    this.flowKey[i] = flowKey;
    this.loss[i] = loss;
    this.threshold[i] = threshold;
    this.aeOnlyThreshold[i] = aeOnlyThreshold;
    this.ruleMask[i] = ruleMask >>> 0;
    this.decodesAsDns[i] = decodesAsDns ? 1 : 0;
    const base = i * PER_BYTE;
    for (let k = 0; k < PER_BYTE; k++) this.perByteError[base + k] = errors[errorsOffset + k] ?? Number.NaN;
  }

  /** Copies rows start .. start+count-1 of `from`, in order (the merge of evaluate --jobs N). */
  appendRows(from: EvalColumns, start: number, count: number): void {
    while (this.n + count > this.label.length) this.grow();
    const i = this.n;
    const end = start + count;
    this.label.set(from.label.subarray(start, end), i);
    this.fileIndex.set(from.fileIndex.subarray(start, end), i);
    this.flowKey.set(from.flowKey.subarray(start, end), i);
    this.loss.set(from.loss.subarray(start, end), i);
    this.threshold.set(from.threshold.subarray(start, end), i);
    this.aeOnlyThreshold.set(from.aeOnlyThreshold.subarray(start, end), i);
    this.ruleMask.set(from.ruleMask.subarray(start, end), i);
    this.decodesAsDns.set(from.decodesAsDns.subarray(start, end), i);
    this.perByteError.set(from.perByteError.subarray(start * PER_BYTE, end * PER_BYTE), i * PER_BYTE);
    this.n += count;
  }

  /** Views over the filled rows; the builder must not be pushed to afterwards. */
  build(): EvalColumns {
    const n = this.n;
    return {
      count: n,
      label: this.label.subarray(0, n),
      fileIndex: this.fileIndex.subarray(0, n),
      flowKey: this.flowKey.subarray(0, n),
      loss: this.loss.subarray(0, n),
      threshold: this.threshold.subarray(0, n),
      aeOnlyThreshold: this.aeOnlyThreshold.subarray(0, n),
      ruleMask: this.ruleMask.subarray(0, n),
      decodesAsDns: this.decodesAsDns.subarray(0, n),
      perByteError: this.perByteError.subarray(0, n * PER_BYTE),
    };
  }

  private grow(): void {
    const c = this.label.length * 2;
    const g = <T extends Uint8Array | Uint32Array | Float64Array | Float32Array>(a: T, make: (n: number) => T, per = 1): T => {
      const b = make(c * per);
      b.set(a);
      return b;
    };
    this.label = g(this.label, (k) => new Uint8Array(k));
    this.fileIndex = g(this.fileIndex, (k) => new Uint32Array(k));
    this.flowKey = g(this.flowKey, (k) => new Float64Array(k));
    this.loss = g(this.loss, (k) => new Float64Array(k));
    this.threshold = g(this.threshold, (k) => new Float64Array(k));
    this.aeOnlyThreshold = g(this.aeOnlyThreshold, (k) => new Float64Array(k));
    this.ruleMask = g(this.ruleMask, (k) => new Uint32Array(k));
    this.decodesAsDns = g(this.decodesAsDns, (k) => new Uint8Array(k));
    this.perByteError = g(this.perByteError, (k) => new Float32Array(k), PER_BYTE);
  }
}

/** The columns in buffers of their own, just large enough (to be transferred to another thread). */
export function compactColumns(c: EvalColumns): EvalColumns {
  return {
    count: c.count,
    label: c.label.slice(),
    fileIndex: c.fileIndex.slice(),
    flowKey: c.flowKey.slice(),
    loss: c.loss.slice(),
    threshold: c.threshold.slice(),
    aeOnlyThreshold: c.aeOnlyThreshold.slice(),
    ruleMask: c.ruleMask.slice(),
    decodesAsDns: c.decodesAsDns.slice(),
    perByteError: c.perByteError.slice(),
  };
}

/** The buffers of compactColumns' result, for postMessage's transfer list. */
export function columnBuffers(c: EvalColumns): ArrayBuffer[] {
  return [c.label, c.fileIndex, c.flowKey, c.loss, c.threshold, c.aeOnlyThreshold, c.ruleMask, c.decodesAsDns, c.perByteError].map((a) => a.buffer as ArrayBuffer);
}

export function columnsFromSamples(rows: readonly EvalSample[]): EvalColumns {
  const b = new EvalColumnsBuilder(rows.length);
  for (const r of rows) b.push(r);
  return b.build();
}
