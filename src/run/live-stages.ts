import type { FlowAssembler } from '../flow/flow-assembler.js';
import type { SampleBatch } from '../flow/sample.js';
import type { Logger } from '../logger.js';
import type { LineSink } from '../output/ndjson-sink.js';
import { ModelError } from '../errors.js';
import { Pipeline, type BatchConsumer, type PipelineOptions } from '../pipeline.js';
import { AlertPolicy, type AlertPolicyOptions } from '../scoring/alert-policy.js';
import type { DetectorMode } from '../scoring/batch-scorer.js';
import { openQuestionModel, openScorer } from '../scoring/open-scorer.js';
import { ReloadableScorer } from '../scoring/reloadable-scorer.js';
import { ScoreConsumer } from '../scoring/score-consumer.js';
import type { TunnelStage } from '../scoring/question/tunnel-stage.js';
import { openTunnelStage, tunnelPipelineOptions, type TunnelRunOptions } from './score.js';
import { LossRatioHistogram } from './loss-ratio-histogram.js';

/**
 * The scoring side of `dnsae live`: one pipeline with the header stage and
 * the tunnel stage behind it, as the sensor runs it on its capture, and as
 * each worker of `--workers N` runs it on its share of the clients.
 */
export interface LiveStagesOptions {
  readonly mode: DetectorMode | undefined;
  readonly tunnel?: TunnelRunOptions;
  readonly ruleMask: number | undefined;
  readonly policy: AlertPolicyOptions;
  readonly all: boolean;
  readonly pipeline: PipelineOptions;
  /** in_iface of the records. */
  readonly device: string;
}

/**
 * Scores samples as soon as their capture chunk has been read instead of
 * when 4096 of them have filled a batch: after each chunk the partial batch
 * goes to the scorer and its records to the output, so an alert waits at
 * most the capture read timeout plus one chunk's work.
 */
class ChunkFlushingConsumer implements BatchConsumer {
  assembler: FlowAssembler | undefined;
  tunnel: TunnelStage | undefined;

  constructor(
    private readonly inner: ScoreConsumer | undefined,
    private readonly out: LineSink,
  ) {}

  onBatch(batch: SampleBatch): void {
    this.inner?.onBatch(batch);
    this.tunnel?.onBatch(batch);
  }

  drain(): Promise<void> {
    this.assembler?.deliverPending();
    return this.out.drain();
  }
}

/** What a model reload swapped: the ids before and after, null for a stage that has no model. */
export interface LiveReload {
  readonly oldModelId: string | null;
  readonly newModelId: string | null;
  readonly oldTunnelModelId: string | null;
  readonly newTunnelModelId: string | null;
}

export interface LiveStages {
  readonly pipeline: Pipeline;
  readonly scorer: ReloadableScorer | undefined;
  readonly consumer: ScoreConsumer | undefined;
  readonly policy: AlertPolicy;
  readonly tunnel: TunnelStage | undefined;
  readonly tunnelPolicy: AlertPolicy | undefined;
  /** Whether any stage has a model a reload replaces. */
  readonly reloadable: boolean;
  /**
   * Reads both stages' models from `modelDir` before swapping either (a
   * directory that fails for one keeps both old ones); throws when it fails.
   * Run between capture chunks, never inside one.
   */
  reload(modelDir: string): Promise<LiveReload>;
  /** Scores the windows still open at the stop, as at the end of a capture file, and writes what they give. */
  finish(out: LineSink): Promise<void>;
  /** The summary's scoring part. */
  summaryStats(): Record<string, unknown>;
}

/** The tunnel stage's counters as the stats line and the metrics read them (LiveStatsSources.tunnel); undefined without the stage. */
export function tunnelCounters(stages: LiveStages): { readonly alerts: number; readonly windows: number; readonly anomalous: number } | undefined {
  const { tunnel, tunnelPolicy } = stages;
  if (tunnel === undefined || tunnelPolicy === undefined) return undefined;
  return {
    get alerts() {
      return tunnelPolicy.counters.alerts;
    },
    get windows() {
      return tunnel.counters.windows_scored;
    },
    get anomalous() {
      return tunnel.counters.windows_anomalous;
    },
  };
}

/** The header stage's scorer (loaded before the output is opened, so a bad model creates no file); undefined for rules alone or no header stage. */
export async function openLiveScorer(mode: DetectorMode | undefined, modelDir: string, histogram: LossRatioHistogram): Promise<ReloadableScorer | undefined> {
  return mode === undefined || mode === 'rules' ? undefined : new ReloadableScorer(await openScorer(modelDir), histogram.observeBatch);
}

export function openLiveStages(o: LiveStagesOptions, scorer: ReloadableScorer | undefined, out: LineSink, log: Logger): LiveStages {
  const policy = new AlertPolicy(o.policy);
  const consumer =
    o.mode === undefined ? undefined : new ScoreConsumer({ mode: o.mode, scorer, ruleMask: o.ruleMask, policy, out, all: o.all, sourceNames: [], inIface: o.device });
  const flushing = new ChunkFlushingConsumer(consumer, out);
  const pipeline = new Pipeline(o.tunnel === undefined ? o.pipeline : tunnelPipelineOptions(o.pipeline, o.tunnel), flushing, log);
  flushing.assembler = pipeline.assembler;
  const tunnelOpened = o.tunnel === undefined ? undefined : openTunnelStage(o.tunnel, o.policy, out, o.all, [], pipeline.weirds, o.device, pipeline.assembler.questionLane);
  const tunnel = tunnelOpened?.stage;
  const tunnelPolicy = tunnelOpened?.policy;
  flushing.tunnel = tunnel;
  return {
    pipeline,
    scorer,
    consumer,
    policy,
    tunnel,
    tunnelPolicy,
    reloadable: scorer !== undefined || tunnel !== undefined,
    async reload(modelDir: string): Promise<LiveReload> {
      const next = scorer === undefined ? undefined : await openScorer(modelDir);
      const q = tunnel === undefined ? undefined : await openQuestionModel(modelDir);
      if (tunnel !== undefined && q === undefined) throw new ModelError('DNSAE_ERR_MODEL_NOT_FOUND', 'the new model has no question stage', { file: modelDir });
      const old = next === undefined ? undefined : scorer!.swap(next);
      const oldQ = q === undefined ? undefined : tunnel!.replaceModel(q);
      return { oldModelId: old?.modelId ?? null, newModelId: next?.modelId ?? null, oldTunnelModelId: oldQ ?? null, newTunnelModelId: q?.meta.modelId ?? null };
    },
    async finish(sink: LineSink): Promise<void> {
      if (tunnel === undefined) return;
      tunnel.endSource(1);
      await sink.drain();
    },
    summaryStats: () => ({
      ...pipeline.stats(),
      ...(consumer === undefined ? {} : { scoring: consumer.counters, alerting: policy.counters }),
      ...(tunnel === undefined ? {} : { tunnel: tunnel.stats(), tunnel_alerting: tunnelPolicy!.counters, tunnel_model_id: tunnel.modelId }),
    }),
  };
}
