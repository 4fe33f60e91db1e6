import type { WeirdCounters } from '../decode/weirds.js';
import type { DnsaeError } from '../errors.js';
import { DEFAULT_REGISTERED_DOMAIN_OPTIONS, RegisteredDomains, type RegisteredDomainOptions } from '../features/question/registered-domain.js';
import { MESSAGE_KEEP_BYTES, type SampleBatch } from '../flow/sample.js';
import type { Logger } from '../logger.js';
import type { QuestionModel } from '../model/question/question-model.js';
import type { QuestionLaneMemory } from '../features/question/question-lane.js';
import type { LineSink } from '../output/ndjson-sink.js';
import { Pipeline, runFiles, type BatchConsumer, type PipelineOptions, type SourceObserver } from '../pipeline.js';
import { AlertPolicy, type AlertPolicyOptions } from '../scoring/alert-policy.js';
import type { BatchScorer, DetectorMode } from '../scoring/batch-scorer.js';
import { TunnelStage } from '../scoring/question/tunnel-stage.js';
import { QuestionDecoder } from '../features/question/question-decoder.js';
import { ScoreConsumer } from '../scoring/score-consumer.js';

/** Windows of the reading thread's question region when the stage's windows are another thread's: room it needs, never used. */
const DECODER_WINDOWS = 16;

/** The question stage's part of a run: its model and how names are grouped. */
export interface TunnelRunOptions {
  readonly model: QuestionModel;
  readonly domains: Partial<RegisteredDomainOptions>;
  readonly maxWindows: number;
  readonly allowDomains: ReadonlySet<string>;
}

export interface ScoreRunOptions {
  /** The header stage's detector; undefined runs the tunnel stage alone. */
  readonly mode: DetectorMode | undefined;
  readonly scorer: BatchScorer | undefined;
  readonly ruleMask: number | undefined;
  readonly policy: AlertPolicyOptions;
  readonly all: boolean;
  readonly pipeline: PipelineOptions;
  readonly tunnel?: TunnelRunOptions;
  /** Told as each capture is opened and done (the CLI's reading progress). */
  readonly observer?: SourceObserver;
  /** The question stage runs in this thread instead of here (src/run/stage-split.ts); `tunnel` still says how. */
  readonly tunnelThread?: TunnelThread;
}

/**
 * The question stage of a run in another thread, as the run sees it: each
 * delivered batch's packed rows (FlowAssembler.packQuestionRows), after the
 * header stage took the batch, and the end of each input.
 */
export interface TunnelThread {
  onBatch(packed: Uint8Array): void;
  endSource(next: number): void;
}

/** What the question stage's thread reports at the end of its run, for the run's result. */
export interface TunnelThreadResult {
  readonly stats: Record<string, unknown>;
  readonly alerting: Record<string, unknown>;
  readonly alerts: number;
  readonly modelId: string;
}

export interface ScoreResult {
  readonly errors: DnsaeError[];
  readonly alerts: number;
  readonly stats: Record<string, unknown>;
}

/**
 * The pipeline options of a run with the question stage: message bytes kept
 * per row, and room in the fast lane for the stage's windows and
 * registered-domain cache, so its per-message work runs there.
 */
export function tunnelPipelineOptions(p: PipelineOptions, t: TunnelRunOptions): PipelineOptions {
  return {
    ...p,
    keepMessageBytes: MESSAGE_KEEP_BYTES,
    questionWindows: t.maxWindows,
    questionCacheSize: t.domains.cacheSize ?? DEFAULT_REGISTERED_DOMAIN_OPTIONS.cacheSize,
  };
}

/** The tunnel stage's alert hygiene: every window is its own event, so only the per-source limit applies. */
export function tunnelPolicyOptions(o: AlertPolicyOptions): AlertPolicyOptions {
  return { ...o, onePerFlow: false };
}

/** The tunnel stage of a score or live run, with its own alert policy; its weirds go to the pipeline's counters. */
export function openTunnelStage(
  t: TunnelRunOptions,
  policy: AlertPolicyOptions,
  out: LineSink,
  all: boolean,
  sourceNames: readonly string[],
  weirds: WeirdCounters,
  inIface?: string,
  lane?: QuestionLaneMemory,
): { stage: TunnelStage; policy: AlertPolicy } {
  const p = new AlertPolicy(tunnelPolicyOptions(policy));
  const stage = new TunnelStage(
    {
      model: t.model,
      domains: new RegisteredDomains(t.domains),
      maxWindows: t.maxWindows,
      allowDomains: t.allowDomains,
      policy: p,
      out,
      all,
      sourceNames,
      ...(inIface === undefined ? {} : { inIface }),
      ...(lane === undefined ? {} : { lane }),
    },
    weirds,
  );
  return { stage, policy: p };
}

/** One score run's pipeline and what ends each of its inputs; scoreCaptures drives it over every input, a job worker over its own. */
export interface ScoreRun {
  readonly pipeline: Pipeline;
  /** Before input `i` when inputs are run out of order (a job worker's): the tunnel stage's windows carry that input's number. */
  beginSource(i: number): void;
  endSource(i: number): Promise<void>;
  /** `thread`: the question stage's report when it ran in its own thread (ScoreRunOptions.tunnelThread). */
  result(errors: DnsaeError[], thread?: TunnelThreadResult): ScoreResult;
}

/**
 * The consumers of a score run on `out`. `drain` is what the pipeline awaits
 * between input chunks (default: the sink's drain); a job worker adds its
 * hand-over to the ordered output there.
 */
export function openScoreRun(inputs: readonly string[], out: LineSink, o: ScoreRunOptions, log: Logger, drain: () => Promise<void> = () => out.drain()): ScoreRun {
  const names = inputs.map((p) => (p === '-' ? '<stdin>' : p));
  const policy = new AlertPolicy(o.policy);
  const header =
    o.mode === undefined
      ? undefined
      : new ScoreConsumer({
          mode: o.mode,
          scorer: o.scorer,
          ruleMask: o.ruleMask,
          policy,
          out,
          all: o.all,
          sourceNames: names,
        });
  let tunnel: TunnelStage | undefined;
  let tunnelPolicy: AlertPolicy | undefined;
  const thread = o.tunnel === undefined ? undefined : o.tunnelThread;
  let decoder: QuestionDecoder | undefined;
  const consumer: BatchConsumer = {
    onBatch(batch: SampleBatch): void {
      header?.onBatch(batch);
      tunnel?.onBatch(batch);
      if (thread !== undefined) {
        thread.onBatch(pipeline.assembler.packQuestionRows()!);
        decoder!.packed();
      }
    },
    drain,
  };
  const pipelineOptions =
    o.tunnel === undefined
      ? o.pipeline
      : thread !== undefined
        ? // The lane's question region decodes; its windows are the thread's (a few here, never opened).
          { ...tunnelPipelineOptions(o.pipeline, o.tunnel), questionWindows: DECODER_WINDOWS, packQuestionRows: true }
        : tunnelPipelineOptions(o.pipeline, o.tunnel);
  const pipeline = new Pipeline(pipelineOptions, consumer, log);
  if (thread !== undefined) {
    const mem = pipeline.assembler.questionLane;
    if (mem === undefined) throw new Error('a question stage in its own thread needs the fast lane');
    decoder = new QuestionDecoder(mem, o.tunnel!.model.meta.windowSec, o.tunnel!.domains, pipeline.weirds);
    if (!pipeline.assembler.questionDecodeOnly()) throw new Error('a question stage in its own thread needs room to pack rows');
  }
  if (o.tunnel !== undefined && thread === undefined) {
    ({ stage: tunnel, policy: tunnelPolicy } = openTunnelStage(o.tunnel, o.policy, out, o.all, names, pipeline.weirds, undefined, pipeline.assembler.questionLane));
  }
  return {
    pipeline,
    beginSource(i: number): void {
      tunnel?.endSource(i);
    },
    // Flow ids repeat across files (same 5-tuple); each file's flows alert on their own, and its windows close with it.
    async endSource(i: number): Promise<void> {
      policy.resetFlows();
      const q = tunnel ?? thread;
      if (q !== undefined) {
        q.endSource(i + 1);
        await drain();
      }
    },
    result(errors: DnsaeError[], remote?: TunnelThreadResult): ScoreResult {
      const t =
        tunnel !== undefined
          ? { tunnel: tunnel.stats(), tunnel_alerting: tunnelPolicy!.counters, tunnel_model_id: tunnel.modelId }
          : remote !== undefined
            ? // The thread counted the windows and the registered-domain cache; this thread's decoder the messages.
              { tunnel: { ...remote.stats, ...decoder?.stats() }, tunnel_alerting: remote.alerting, tunnel_model_id: remote.modelId }
            : {};
      return {
        errors,
        alerts: policy.counters.alerts + (tunnelPolicy?.counters.alerts ?? remote?.alerts ?? 0),
        stats: {
          ...pipeline.stats(),
          ...(header === undefined ? {} : { scoring: header.counters, alerting: policy.counters }),
          detector: o.mode ?? null,
          model_id: o.scorer?.modelId ?? null,
          ...t,
          sources: pipeline.sources,
        },
      };
    },
  };
}

/** `dnsae score`: captures in, EVE alert records out. */
export async function scoreCaptures(inputs: readonly string[], out: LineSink, o: ScoreRunOptions, log: Logger): Promise<ScoreResult> {
  const run = openScoreRun(inputs, out, o, log);
  const { errors } = await runFiles(inputs, run.pipeline, log, (i) => run.endSource(i), undefined, o.observer);
  return run.result(errors);
}
