import { Writable } from 'node:stream';
import { basename, dirname } from 'node:path';
import type { DnsaeError } from '../errors.js';
import { computeEvaluation, type Evaluation } from '../evaluate/evaluation.js';
import type { EvalColumns, EvalFile, Label } from '../evaluate/eval-types.js';
import { TunnelCollector, type TunnelClass, type TunnelCollected } from '../evaluate/tunnel-collector.js';
import { computeTunnelEvaluation, type TunnelFile } from '../evaluate/tunnel-metrics.js';
import { RegisteredDomains } from '../features/question/registered-domain.js';
import { MESSAGE_KEEP_BYTES, type SampleBatch } from '../flow/sample.js';
import type { Logger } from '../logger.js';
import { LineSink } from '../output/ndjson-sink.js';
import { Pipeline, runFiles, type BatchConsumer, type PipelineOptions, type SourceObserver } from '../pipeline.js';
import { DEFAULT_RULES_MASK, ruleNames } from '../rules/header-rules.js';
import { AlertPolicy, DEFAULT_ALERT_POLICY } from '../scoring/alert-policy.js';
import { TunnelStage } from '../scoring/question/tunnel-stage.js';
import type { BatchShare } from './batch-share.js';
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

/** What every run over these inputs agrees on: the order of the inputs, their labels, classes and names. */
interface EvaluateLayout {
  readonly paths: readonly string[];
  readonly labels: readonly Label[];
  readonly files: readonly EvalFile[];
  readonly classes: readonly TunnelClass[];
  readonly tunnels: readonly string[];
}

function layoutOf(inputs: EvaluateInputs, tunnelStage: boolean): EvaluateLayout {
  const tunnels = inputs.tunnels ?? [];
  const headerPaths = [...inputs.benign, ...inputs.anomalous];
  const paths = [...headerPaths, ...(tunnelStage ? tunnels : [])];
  const labels: Label[] = headerPaths.map((_, i) => (i < inputs.benign.length ? 0 : 1));
  const files = headerPaths.map((p, i) => evalFile(p, labels[i]!));
  const classes: TunnelClass[] = paths.map((_, i) => (i < inputs.benign.length ? 0 : i < headerPaths.length ? 2 : 1));
  return { paths, labels, files, classes, tunnels };
}

/**
 * Which parts of the work one run does (evaluate --jobs N): the header
 * stage's rows of the batches of `header` (undefined: of every batch), and
 * the question stage or not. Either way the run reads every input and
 * assembles every flow.
 */
export interface EvaluatePartSpec {
  readonly header?: BatchShare;
  readonly tunnel: boolean;
}

/** What one run gives: the header stage's rows, the question stage's windows, the summary. */
export interface EvaluatePart {
  readonly samples: EvalColumns;
  /** With a header share: (batch number, rows) pairs of the batches in `samples`, in order. */
  readonly batches?: readonly number[];
  /** With a header share: the batches the run assembled, every share's. */
  readonly batchCount?: number;
  readonly collected?: TunnelCollected;
  readonly errors: DnsaeError[];
  readonly stats: Record<string, unknown>;
}

/**
 * Runs every input through the pipeline with the header stage's consumer
 * (all of its batches, or a share's) and, when `part.tunnel`, the question
 * stage. The summary is the run's own: every run of one evaluate reads
 * every input alike, so the one that runs the question stage (whose
 * weirds are counted in the pipeline's) has one run's summary.
 */
export async function runEvaluatePart(inputs: EvaluateInputs, o: EvaluateRunOptions, log: Logger, part: EvaluatePartSpec = { tunnel: true }): Promise<EvaluatePart> {
  const { paths, labels, classes, tunnels } = layoutOf(inputs, o.tunnel !== undefined);
  const consumer = new EvalConsumer(o.scorer, [...labels, ...tunnels.map(() => undefined)], o.ruleMask ?? DEFAULT_RULES_MASK, part.header);
  const stage = part.tunnel ? o.tunnel : undefined;
  const collector = stage === undefined ? undefined : new TunnelCollector(stage.model, classes);
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
  // Every part keeps them when the stage runs in one of them, so that all parts assemble the same batches.
  const pipeline = new Pipeline(o.tunnel === undefined ? o.pipeline : { ...o.pipeline, keepMessageBytes: MESSAGE_KEEP_BYTES }, both, log);
  if (stage !== undefined) {
    tunnel = new TunnelStage(
      {
        model: stage.model,
        domains: new RegisteredDomains(stage.domains),
        maxWindows: stage.maxWindows,
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
  return {
    samples: consumer.build(),
    ...(part.header === undefined ? {} : { batches: consumer.batches, batchCount: part.header.batch }),
    ...(collector === undefined ? {} : { collected: collector.build() }),
    errors,
    stats: {
      ...pipeline.stats(),
      model_id: o.scorer.modelId,
      ...(tunnel === undefined ? {} : { tunnel: tunnel.stats(), tunnel_model_id: tunnel.modelId }),
      sources: pipeline.sources,
    },
  };
}

/** The metrics of docs/evaluation.md from the header stage's rows and the question stage's windows, computed once. */
export function evaluationOf(inputs: EvaluateInputs, o: EvaluateRunOptions, samples: EvalColumns, collected: TunnelCollected | undefined): Evaluation {
  const { paths, files, classes } = layoutOf(inputs, o.tunnel !== undefined);
  const base = computeEvaluation(
    {
      files,
      samples,
      modelId: o.scorer.modelId,
      threshold: o.scorer.globalThreshold,
      ...(o.scorer.aeOnlyThreshold === undefined ? {} : { aeOnlyThreshold: o.scorer.aeOnlyThreshold(0, 0) }),
      ruleNames,
    },
    o.fpr === undefined ? {} : { fpr: o.fpr },
  );
  if (collected === undefined || o.tunnel === undefined) return base;
  return {
    ...base,
    tunnel: computeTunnelEvaluation({
      files: paths.map((p, i): TunnelFile => {
        const f = evalFile(p, 0);
        return { path: f.path, cls: classes[i]!, ...(f.group === undefined ? {} : { group: f.group }) };
      }),
      collected,
      modelId: o.tunnel.model.meta.modelId,
      threshold: o.tunnel.model.meta.threshold,
      windowSec: o.tunnel.model.meta.windowSec,
    }),
  };
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
  return resultOf(inputs, o, await runEvaluatePart(inputs, o, log));
}

/** A run's result from its part, or from the merged parts of its workers. */
export function resultOf(inputs: EvaluateInputs, o: EvaluateRunOptions, part: EvaluatePart): EvaluateResult {
  return {
    evaluation: evaluationOf(inputs, o, part.samples, part.collected),
    files: layoutOf(inputs, o.tunnel !== undefined).files,
    errors: part.errors,
    stats: part.stats,
  };
}
