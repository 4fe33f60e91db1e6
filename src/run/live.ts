import { openLive, type LiveOptions, type LiveSource } from '../capture/live-source.js';
import { bindLiveSignals } from './live-signal-binding.js';
import { LiveReloads } from './live-reloads.js';
import { dropPrivileges, lookupUser, type UserEntry } from '../capture/privileges.js';
import { DnsaeError, ExitCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { createLiveMetrics } from '../output/metrics.js';
import { serveMetrics, type MetricsEndpoint } from '../output/metrics-server.js';
import type { LineSink } from '../output/ndjson-sink.js';
import { asOpenedOutput, type OpenedOutput } from '../output/sinks/opened-output.js';
import type { PipelineOptions } from '../pipeline.js';
import type { AlertPolicyOptions } from '../scoring/alert-policy.js';
import type { DetectorMode } from '../scoring/batch-scorer.js';
import { DEFAULT_MODEL_DIR } from '../scoring/open-scorer.js';
import { ReloadableScorer } from '../scoring/reloadable-scorer.js';
import type { TunnelRunOptions } from './score.js';
import { openLiveScorer, openLiveStages, tunnelCounters, type LiveStages } from './live-stages.js';
import { LiveCounters, statsLineFields, type LiveSnapshot } from './live-stats.js';
import { LossRatioHistogram } from './loss-ratio-histogram.js';
import { errorLine, outputReopener } from './live-output.js';
import { runLiveWorkers } from './live-workers.js';

export type CaptureTuning = Omit<LiveOptions, 'device' | 'filter'>;

export interface LiveRunOptions {
  readonly device: string;
  readonly filter: string;
  readonly user: string | undefined;
  readonly modelDir: string | undefined;
  /** The header stage's detector; undefined runs the tunnel stage alone. */
  readonly mode: DetectorMode | undefined;
  /** The question stage, when it runs (its model is loaded by the caller). */
  readonly tunnel?: TunnelRunOptions;
  readonly ruleMask: number | undefined;
  readonly policy: AlertPolicyOptions;
  readonly all: boolean;
  readonly pipeline: PipelineOptions;
  readonly capture: CaptureTuning;
  /** Seconds between stats lines; 0 logs only the final one. */
  readonly statsIntervalSec: number;
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
  /** Capture handles in one fanout group, each with its worker thread (src/run/live-workers.ts); 1 (the default) runs everything here. */
  readonly workers?: number;
}

export interface LiveDeps {
  /** Opens the output after the model is loaded (so a bad model creates no file). */
  readonly openOutput: () => Promise<LineSink | OpenedOutput>;
  /** Where SIGINT/SIGTERM/SIGHUP arrive; the process by default. */
  readonly signals?: NodeJS.EventEmitter;
  /** Called with the capture source once it runs (tests use it to stop it). */
  readonly onStarted?: (source: LiveSource) => void;
}


/**
 * `dnsae live`. Start-up order: the user is looked up, the model loaded and
 * the output and metrics endpoint opened while still root (so none of them
 * needs the unprivileged user's rights); then the device is opened and
 * privileges dropped at once. Only SIGHUP opens files afterwards (model
 * reload, output reopen), as the unprivileged user. Resolves with the exit status after a signal
 * has stopped capture and everything captured has been scored and written.
 */
export async function runLive(o: LiveRunOptions, log: Logger, deps: LiveDeps): Promise<number> {
  if (o.user !== undefined && lookupUser(o.user) === undefined) {
    throw new DnsaeError('DNSAE_ERR_PRIVILEGE_DROP', `cannot switch to user '${o.user}': no such user`);
  }
  if ((o.workers ?? 1) > 1) return runLiveWorkers(o, log, deps);
  const histogram = new LossRatioHistogram();
  const modelDir = o.modelDir ?? DEFAULT_MODEL_DIR;
  const signals = deps.signals ?? process;
  // Signals are ours from the start: a stop asked for while the model loads
  // is kept and carried out as soon as capture exists, instead of the
  // default action killing the process half-way through start-up.
  let source: LiveSource | undefined;
  let scorer: ReloadableScorer | undefined;
  let stages: LiveStages | undefined;
  // Set once the output is open; SIGHUP reopens it (log rotation) as well as reloading the model.
  let out: LineSink | undefined;
  let target: OpenedOutput | undefined;
  const reopenOutput = outputReopener(log, () => (out === undefined ? undefined : { out, target }));
  const reloads = new LiveReloads(log, modelDir);
  const reloadModel = (): void =>
    reloads.request({ started: source !== undefined, usesModel: stages?.reloadable === true, detector: o.mode }, async () => {
      try {
        // A continuation runs between capture chunks, never inside one.
        const r = await stages!.reload(modelDir);
        log.info(
          { model: modelDir, old_model_id: r.oldModelId, new_model_id: r.newModelId, old_tunnel_model_id: r.oldTunnelModelId, new_tunnel_model_id: r.newTunnelModelId },
          'model reloaded',
        );
        return 'reloaded';
      } catch (err) {
        log.error({ model: modelDir, model_id: scorer?.modelId ?? null, tunnel_model_id: stages?.tunnel?.modelId ?? null, error: errorLine(err) }, 'model reload failed; keeping the old model');
        return 'failed';
      }
    });
  const live = bindLiveSignals(signals, log, {
    capturing: () => source !== undefined,
    stop: () => void source?.stop(),
    hup: () => {
      reopenOutput();
      reloadModel();
    },
  });

  let endpoint: MetricsEndpoint | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    scorer = await openLiveScorer(o.mode, modelDir, histogram);
    target = asOpenedOutput(await deps.openOutput());
    out = target.out;
    const opened = target;
    stages = openLiveStages({ ...o, device: o.device }, scorer, out, log);
    const { pipeline, consumer, policy } = stages;

    // The source exists only after openLive; until then the counters read zeros.
    const counters = new LiveCounters({
      source: {
        get stats() {
          return source?.stats ?? { frames: 0, bytes: 0, skippedBlocks: 0 };
        },
        get queue() {
          return source?.queue ?? { queued: 0, highWater: 0, drops: 0, dropBytes: 0 };
        },
        kernelStats: () => source?.kernelStats() ?? { received: 0, dropped: 0, ifDropped: 0, source: 'pcap_stats' },
        get laneFrames() {
          return source?.laneFrames ?? 0;
        },
      },
      pipeline,
      policy,
      output: {
        get reopens() {
          return opened.out.reopens;
        },
        get reopenFailures() {
          return opened.out.reopenFailures;
        },
        sink: opened.network,
      },
      modelId: () => scorer?.modelId ?? null,
      reloads: reloads.counts,
      alertsBySignature: () => consumer?.counters.alerts_by_signature ?? {},
      tunnel: tunnelCounters(stages),
    });

    if (o.metrics !== undefined) {
      const metrics = createLiveMetrics(() => ({ snapshot: counters.snapshot(), lossRatio: scorer === undefined ? undefined : histogram.snapshot(), detector: [o.mode, o.tunnel === undefined ? undefined : 'tunnel'].filter((x) => x !== undefined).join(',') }));
      endpoint = await serveMetrics(o.metrics.host, o.metrics.port, () => metrics.render(), metrics.contentType);
    }

    source = openLive({ ...o.capture, device: o.device, filter: o.filter });
    const src = source;
    let user: UserEntry | undefined;
    if (o.user !== undefined) {
      try {
        user = dropPrivileges(o.user);
      } catch (err) {
        await src.stop();
        throw err;
      }
    }

    if (live.stopping) void src.stop();

    log.info(
      {
        device: src.device,
        filter: src.filter,
        linktype: src.linktypeName,
        snaplen: src.snaplen,
        immediate: src.immediate,
        read_timeout_ms: src.readTimeoutMs,
        timestamps: src.timestampSource,
        record_mode: src.recordMode,
        fast_lane: pipeline.assembler.fastLane && src.linktype === 1,
        kernel_stats: src.kernelStats().source,
        user: user === undefined ? null : { name: user.name, uid: user.uid, gid: user.gid },
        detector: o.mode,
        model_id: scorer?.modelId ?? null,
        metrics: endpoint?.url ?? null,
      },
      'live capture started',
    );

    let prev: LiveSnapshot | undefined;
    let prevAt = performance.now();
    const statsLine = (final: boolean): void => {
      const now = counters.snapshot();
      const t = performance.now();
      log.info({ stats: statsLineFields(now, prev, (t - prevAt) / 1000), ...(final ? { final: true } : {}) }, 'live stats');
      prev = now;
      prevAt = t;
    };
    if (o.statsIntervalSec > 0) {
      timer = setInterval(() => statsLine(false), o.statsIntervalSec * 1000);
      timer.unref();
    }
    deps.onStarted?.(src);

    await pipeline.runSource(src, 0);
    await stages.finish(opened.out);
    out = undefined; // a SIGHUP from now on finds no file to reopen (the sink would open one nobody closes)
    await opened.close();
    if (timer !== undefined) clearInterval(timer);
    statsLine(true);
    log.info(
      {
        stats: {
          ...stages.summaryStats(),
          kernel: src.kernelStats(),
          queue: src.queue,
          detector: o.mode,
          model_id: scorer?.modelId ?? null,
          ...opened.summary(),
        },
      },
      'live summary',
    );
    return ExitCode.OK;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    live.unbind();
    await endpoint?.close();
  }
}
