import type { Logger } from '../logger.js';
import { readModelWeights, type ModelMeta } from '../model/model-weights.js';
import { Pipeline, runFiles, type PipelineOptions } from '../pipeline.js';
import type { SampleBatch } from '../flow/sample.js';
import { FusedScorer } from '../scoring/fused-scorer.js';
import type { DnsaeError } from '../errors.js';

/** How the header autoencoder's verdicts on one capture's samples differ between models A and B. */
export interface CaptureMoves {
  readonly file: string;
  readonly samples: number;
  /** Above A's threshold and not above B's: alerts B no longer raises. */
  readonly quieted: number;
  /** Above B's threshold and not above A's: new alerts. */
  readonly raised: number;
  readonly bothAlert: number;
  readonly neither: number;
}

export interface ModelDiff {
  readonly a: ModelMeta;
  readonly b: ModelMeta;
  readonly capture?: CaptureMoves;
  readonly errors: DnsaeError[];
}

/**
 * `dnsae model diff A B [--capture FILE]`: the two header-stage models'
 * metadata side by side and, over a capture, how many of its samples move
 * across the threshold each way (the autoencoder's verdict alone, loss
 * against each model's own threshold, one count per sample).
 */
export async function diffModels(dirA: string, dirB: string, capture: string | undefined, pipeline: PipelineOptions, log: Logger): Promise<ModelDiff> {
  const wa = await readModelWeights(dirA);
  const wb = await readModelWeights(dirB);
  if (capture === undefined) return { a: wa.meta, b: wb.meta, errors: [] };
  const sa = FusedScorer.fromModel(wa, {});
  const sb = FusedScorer.fromModel(wb, {});
  let la = new Float32Array(0);
  let lb = new Float32Array(0);
  const m = { samples: 0, quieted: 0, raised: 0, bothAlert: 0, neither: 0 };
  const p = new Pipeline(
    pipeline,
    {
      onBatch(batch: SampleBatch): void {
        if (la.length < batch.count) {
          la = new Float32Array(batch.count);
          lb = new Float32Array(batch.count);
        }
        sa.score(batch, la);
        sb.score(batch, lb);
        for (let i = 0; i < batch.count; i++) {
          const t = batch.transport[i] ? 1 : 0;
          const d = batch.direction[i] ? 1 : 0;
          const ha = la[i]! > sa.threshold(t, d);
          const hb = lb[i]! > sb.threshold(t, d);
          m.samples++;
          if (ha && hb) m.bothAlert++;
          else if (ha) m.quieted++;
          else if (hb) m.raised++;
          else m.neither++;
        }
      },
      drain: () => Promise.resolve(),
    },
    log,
  );
  const { errors } = await runFiles([capture], p, log);
  return { a: wa.meta, b: wb.meta, capture: { file: capture, ...m }, errors };
}
