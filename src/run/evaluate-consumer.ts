import { EvalColumnsBuilder } from '../evaluate/eval-columns.js';
import type { EvalColumns, Label } from '../evaluate/eval-types.js';
import { PAYLOAD_UNAVAILABLE, type PayloadTap } from '../flow/flow-assembler.js';
import { FIRST_BYTES, HEAD_BYTES, type SampleBatch } from '../flow/sample.js';
import type { BatchConsumer } from '../pipeline.js';
import { checkHeader } from '../rules/header-rules.js';
import { decodesAsDns } from '../rules/dns-decode-baseline.js';
import type { BatchScorer } from '../scoring/batch-scorer.js';
import type { BatchShare } from './batch-share.js';

/** A batch scorer that also states the reference threshold of its scaled loss. */
export interface EvalScorer extends BatchScorer {
  readonly globalThreshold: number;
}

/**
 * Scores every sample with every detector at once and keeps one evaluation
 * row per sample. The label and file of a sample come from its flow's source
 * index: the pipeline flushes all flows at the end of each input, so a flow
 * never spans two files.
 */
export class EvalConsumer implements BatchConsumer {
  private readonly rows: EvalColumnsBuilder;
  private losses = new Float32Array(0);
  private perByte = new Float32Array(0);
  /** dns-packet verdict per batch row, filled by the payload tap before onBatch. */
  private decodes: Uint8Array = new Uint8Array(0);
  /** With a share: (batch, rows kept) of every batch taken, for the main thread's merge in batch order. */
  private readonly taken: number[] = [];

  constructor(
    private readonly scorer: EvalScorer,
    /** Label of each input, by source index; undefined: the header stage does not evaluate that input (--tunnels). */
    private readonly labels: readonly (Label | undefined)[],
    private readonly ruleMask: number,
    /** Only this share's batches are scored and kept (evaluate --jobs N); undefined: every batch. */
    private readonly share?: BatchShare,
  ) {
    this.rows = new EvalColumnsBuilder(1 << 16);
  }

  /** Pairs of (batch number, rows kept from it), batch after batch, of the batches this share took. */
  get batches(): readonly number[] {
    return this.taken;
  }

  get count(): number {
    return this.rows.count;
  }

  readonly onPayload: PayloadTap = (row, bytes, off, len) => {
    if (this.share !== undefined && !this.share.owns) return;
    if (row >= this.decodes.length) this.decodes = grow(this.decodes, row + 1);
    // The baseline parses whole messages; it runs per sample only here, never in score or live.
    this.decodes[row] = len !== PAYLOAD_UNAVAILABLE && decodesAsDns(bytes.subarray(off, off + len)) ? 1 : 0;
  };

  onBatch(batch: SampleBatch): void {
    const share = this.share;
    if (share === undefined) {
      this.scoreBatch(batch);
      return;
    }
    if (share.owns) {
      const before = this.rows.count;
      this.scoreBatch(batch);
      this.taken.push(share.batch, this.rows.count - before);
    }
    share.next(batch.count);
  }

  private scoreBatch(batch: SampleBatch): void {
    const n = batch.count;
    if (this.losses.length < n) {
      this.losses = new Float32Array(batch.capacity);
      this.perByte = new Float32Array(batch.capacity * FIRST_BYTES);
    }
    if (this.decodes.length < n) this.decodes = grow(this.decodes, batch.capacity);
    const scorer = this.scorer;
    scorer.score(batch, this.losses, this.perByte);
    const fused = scorer.aeOnlyThreshold !== undefined;
    for (let i = 0; i < n; i++) {
      const flow = batch.flows[i]!;
      const transport = flow.transport === 'udp' ? 0 : 1;
      const direction = batch.direction[i] as 0 | 1;
      const file = flow.sourceIndex;
      const label = this.labels[file];
      if (label === undefined && file < this.labels.length) {
        this.decodes[i] = 0;
        continue;
      }
      const ruleMask = checkHeader(batch.head, i * HEAD_BYTES, batch.headLen[i]!, batch.payloadLength[i]!, transport, direction, this.ruleMask);
      this.rows.pushValues(
        label ?? 0,
        file,
        flow.flowId,
        this.losses[i]!,
        scorer.threshold(transport, direction),
        ruleMask,
        this.decodes[i] === 1,
        this.perByte,
        i * FIRST_BYTES,
        fused ? scorer.aeOnlyThreshold!(transport, direction) : scorer.threshold(transport, direction),
      );
      this.decodes[i] = 0;
    }
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  /** The rows collected; the consumer must not receive batches afterwards. */
  build(): EvalColumns {
    return this.rows.build();
  }
}

function grow(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}
