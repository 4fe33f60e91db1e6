import { Writable } from 'node:stream';
import { basename, dirname } from 'node:path';
import type { DnsaeError } from '../errors.js';
import { computeEvaluation, type Evaluation } from '../evaluate/evaluation.js';
import type { EvalFile, Label } from '../evaluate/eval-types.js';
import { TunnelCollector, type TunnelClass } from '../evaluate/tunnel-collector.js';
import { computeTunnelEvaluation, type TunnelFile } from '../evaluate/tunnel-metrics.js';
import { RegisteredDomains } from '../features/question/registered-domain.js';
import { MESSAGE_KEEP_BYTES, type SampleBatch } from '../flow/sample.js';
import type { Logger } from '../logger.js';
import { LineSink } from '../output/ndjson-sink.js';
import { Pipeline, runFiles, type BatchConsumer, type PipelineOptions, type SourceObserver } from '../pipeline.js';
import { DEFAULT_RULES_MASK, ruleNames } from '../rules/header-rules.js';
import { AlertPolicy, DEFAULT_ALERT_POLICY } from '../scoring/alert-policy.js';
import { TunnelStage } from '../scoring/question/tunnel-stage.js';
import { EvalConsumer, type EvalScorer } from './evaluate-consumer.js';
import { tunnelPolicyOptions, type TunnelRunOptions } from './score.js';

export interface EvaluateInputs {
  /** Captures whose every sample is labelled benign (the negative class of both stages). */
  readonly benign: readonly string[];
  /** Captures whose every sample is labelled anomalous (the header stage's positive class). */
  readonly anomalous: readonly string[];
  /** Captures whose DNS is all tunnel or exfiltration traffic (the tunnel stage's positive class). */
  readonly tunnels?: readonly string[];
}

export interface EvaluateRunOptions {
  readonly scorer: EvalScorer;
  /** Structural rules applied (default: the default rule set). */
  readonly ruleMask?: number;
  /** Target FPR for the suggested threshold (docs/evaluation.md). */
  readonly fpr?: number;
  readonly pipeline: PipelineOptions;
  /** The tunnel stage's model and grouping; undefined evaluates the header stage alone. */
  readonly tunnel?: TunnelRunOptions;
  /** Told as each capture is opened and done (the CLI's reading progress). */
  readonly observer?: SourceObserver;
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

/** The tunnel stage writes alert records; evaluation counts them through onScored and keeps none. */
function discardSink(): LineSink {
  return LineSink.toStream(new Writable({ write: (_c, _e, done) => done() }), '<discard>');
}

/**
 * `dnsae evaluate`: every capture through the same pipeline as `dnsae score`,
 * every sample scored by the autoencoder, the header rules and the dns-packet
 * baseline, then the metrics of docs/evaluation.md. With a tunnel stage, its
 * windows are scored as in score and measured with the hand-written baseline
 * beside them. --tunnels captures are the tunnel stage's alone: the header
 * stage's rows and metrics come from --benign and --anomalous only.
 */
export async function evaluateCaptures(inputs: EvaluateInputs, o: EvaluateRunOptions, log: Logger): Promise<EvaluateResult> {
  const tunnels = inputs.tunnels ?? [];
  const headerPaths = [...inputs.benign, ...inputs.anomalous];
  const paths = [...headerPaths, ...(o.tunnel === undefined ? [] : tunnels)];
  const labels: Label[] = headerPaths.map((_, i) => (i < inputs.benign.length ? 0 : 1));
  const files = headerPaths.map((p, i) => evalFile(p, labels[i]!));
  const consumer = new EvalConsumer(o.scorer, [...labels, ...tunnels.map(() => undefined)], o.ruleMask ?? DEFAULT_RULES_MASK);
  const classes: TunnelClass[] = paths.map((_, i) => (i < inputs.benign.length ? 0 : i < headerPaths.length ? 2 : 1));
  const collector = o.tunnel === undefined ? undefined : new TunnelCollector(o.tunnel.model, classes);
  let tunnel: TunnelStage | undefined;
  const both: BatchConsumer = {
    onPayload: consumer.onPayload,
    onBatch(batch: SampleBatch): void {
      consumer.onBatch(batch);
      tunnel?.onBatch(batch);
    },
    drain: () => Promise.resolve(),
  };
  // The payload tap turns the fast lane off; the stage's kept message bytes then come from the tap's whole bodies.
  const pipeline = new Pipeline(o.tunnel === undefined ? o.pipeline : { ...o.pipeline, keepMessageBytes: MESSAGE_KEEP_BYTES }, both, log);
  if (o.tunnel !== undefined) {
    tunnel = new TunnelStage(
      {
        model: o.tunnel.model,
        domains: new RegisteredDomains(o.tunnel.domains),
        maxWindows: o.tunnel.maxWindows,
        // Evaluation measures the detector: no allow list, no alert limit.
        allowDomains: new Set(),
        policy: new AlertPolicy(tunnelPolicyOptions({ ...DEFAULT_ALERT_POLICY, limitPerSource: 0 })),
        out: discardSink(),
        all: false,
        sourceNames: paths,
        onScored: collector!.onScored,
      },
      pipeline.weirds,
    );
  }
  const { errors } = await runFiles(paths, pipeline, log, (i) => tunnel?.endSource(i + 1), undefined, o.observer);
  const base = computeEvaluation(
    {
      files,
      samples: consumer.build(),
      modelId: o.scorer.modelId,
      threshold: o.scorer.globalThreshold,
      ...(o.scorer.aeOnlyThreshold === undefined ? {} : { aeOnlyThreshold: o.scorer.aeOnlyThreshold(0, 0) }),
      ruleNames,
    },
    o.fpr === undefined ? {} : { fpr: o.fpr },
  );
  const evaluation: Evaluation =
    tunnel === undefined || o.tunnel === undefined
      ? base
      : {
          ...base,
          tunnel: computeTunnelEvaluation({
            files: paths.map((p, i): TunnelFile => {
              const f = evalFile(p, 0);
              return { path: f.path, cls: classes[i]!, ...(f.group === undefined ? {} : { group: f.group }) };
            }),
            collected: collector!.build(),
            modelId: o.tunnel.model.meta.modelId,
            threshold: o.tunnel.model.meta.threshold,
            windowSec: o.tunnel.model.meta.windowSec,
          }),
        };
  return {
    evaluation,
    files,
    errors,
    stats: {
      ...pipeline.stats(),
      model_id: o.scorer.modelId,
      ...(tunnel === undefined ? {} : { tunnel: tunnel.stats(), tunnel_model_id: tunnel.modelId }),
      sources: pipeline.sources,
    },
  };
}
