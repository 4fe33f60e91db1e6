import type { DnsaeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LineSink } from '../output/ndjson-sink.js';
import { Pipeline, runFiles, type PipelineOptions } from '../pipeline.js';
import { AlertPolicy, type AlertPolicyOptions } from '../scoring/alert-policy.js';
import type { BatchScorer, DetectorMode } from '../scoring/batch-scorer.js';
import { ScoreConsumer } from '../scoring/score-consumer.js';

export interface ScoreRunOptions {
  readonly mode: DetectorMode;
  readonly scorer: BatchScorer | undefined;
  readonly ruleMask: number | undefined;
  readonly policy: AlertPolicyOptions;
  readonly all: boolean;
  readonly pipeline: PipelineOptions;
}

export interface ScoreResult {
  readonly errors: DnsaeError[];
  readonly alerts: number;
  readonly stats: Record<string, unknown>;
}

/** `dnsae score`: captures in, EVE alert records out. */
export async function scoreCaptures(inputs: readonly string[], out: LineSink, o: ScoreRunOptions, log: Logger): Promise<ScoreResult> {
  const names = inputs.map((p) => (p === '-' ? '<stdin>' : p));
  const policy = new AlertPolicy(o.policy);
  const consumer = new ScoreConsumer({
    mode: o.mode,
    scorer: o.scorer,
    ruleMask: o.ruleMask,
    policy,
    out,
    all: o.all,
    sourceNames: names,
  });
  const pipeline = new Pipeline(o.pipeline, consumer, log);
  // Flow ids repeat across files (same 5-tuple); each file's flows alert on their own.
  const { errors } = await runFiles(inputs, pipeline, log, () => policy.resetFlows());
  return {
    errors,
    alerts: policy.counters.alerts,
    stats: {
      ...pipeline.stats(),
      scoring: consumer.counters,
      alerting: policy.counters,
      detector: o.mode,
      model_id: o.scorer?.modelId ?? null,
      sources: pipeline.sources,
    },
  };
}
