import { basename, dirname } from 'node:path';
import type { DnsaeError } from '../errors.js';
import { computeEvaluation, type Evaluation } from '../evaluate/evaluation.js';
import type { EvalFile, Label } from '../evaluate/eval-types.js';
import type { Logger } from '../logger.js';
import { Pipeline, runFiles, type PipelineOptions } from '../pipeline.js';
import { DEFAULT_RULES_MASK, ruleNames } from '../rules/header-rules.js';
import { EvalConsumer, type EvalScorer } from './evaluate-consumer.js';

export interface EvaluateInputs {
  /** Captures whose every sample is labelled benign (the negative class). */
  readonly benign: readonly string[];
  /** Captures whose every sample is labelled anomalous (the positive class). */
  readonly anomalous: readonly string[];
}

export interface EvaluateRunOptions {
  readonly scorer: EvalScorer;
  /** Structural rules applied (default: the default rule set). */
  readonly ruleMask?: number;
  /** Target FPR for the suggested threshold (docs/evaluation.md). */
  readonly fpr?: number;
  readonly pipeline: PipelineOptions;
}

export interface EvaluateResult {
  readonly evaluation: Evaluation;
  readonly files: readonly EvalFile[];
  /** Faults of individual inputs; the samples read before each fault are in the evaluation. */
  readonly errors: DnsaeError[];
  readonly stats: Record<string, unknown>;
}

/** Where a file came from, for the per-file table: its folder's name (e.g. "in-protocol-tunnel"). */
function evalFile(path: string, label: Label): EvalFile {
  if (path === '-') return { path: '<stdin>', label };
  const group = basename(dirname(path));
  return group === '' || group === '.' ? { path, label } : { path, label, group };
}

/**
 * `dnsae evaluate`: every capture through the same pipeline as `dnsae score`,
 * every sample scored by the autoencoder, the header rules and the dns-packet
 * baseline, then the metrics of docs/evaluation.md.
 */
export async function evaluateCaptures(inputs: EvaluateInputs, o: EvaluateRunOptions, log: Logger): Promise<EvaluateResult> {
  const paths = [...inputs.benign, ...inputs.anomalous];
  const labels: Label[] = paths.map((_, i) => (i < inputs.benign.length ? 0 : 1));
  const files = paths.map((p, i) => evalFile(p, labels[i]!));
  const consumer = new EvalConsumer(o.scorer, labels, o.ruleMask ?? DEFAULT_RULES_MASK);
  const pipeline = new Pipeline(o.pipeline, consumer, log);
  const { errors } = await runFiles(paths, pipeline, log);
  const evaluation = computeEvaluation(
    { files, samples: consumer.build(), modelId: o.scorer.modelId, threshold: o.scorer.globalThreshold, ruleNames },
    o.fpr === undefined ? {} : { fpr: o.fpr },
  );
  return { evaluation, files, errors, stats: { ...pipeline.stats(), model_id: o.scorer.modelId, sources: pipeline.sources } };
}
