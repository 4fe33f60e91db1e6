import { bindLiveSignals } from './live-signal-binding.js';
import { LiveReloads, type ReloadOutcome } from './live-reloads.js';
import { Worker } from 'node:worker_threads';
import { encodeProgram, fanoutProgram } from '../capture/fanout-program.js';
import { openLive, type LiveSource } from '../capture/live-source.js';
import { dropPrivileges, type UserEntry } from '../capture/privileges.js';
import { DnsaeError, ExitCode, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { communityIdSeed } from '../output/community-id.js';
import { createLiveMetrics } from '../output/metrics.js';
import { serveMetrics, type MetricsEndpoint } from '../output/metrics-server.js';
import type { LineSink } from '../output/ndjson-sink.js';
import { asOpenedOutput, type OpenedOutput } from '../output/sinks/opened-output.js';
import { DEFAULT_MODEL_DIR } from '../scoring/open-scorer.js';
import type { LiveDeps, LiveRunOptions } from './live.js';
import { outputReopener } from './live-output.js';
import { statsLineFields, Wrapping32, type LiveSnapshot } from './live-stats.js';
import { LIVE_RUN_BUFFERS, type LiveMainMessage, type LiveWorkerError, type LiveWorkerMessage, type LiveWorkerReading, type LiveWorkerSpec } from './live-worker-protocol.js';
import type { LossRatioCounts } from './loss-ratio-histogram.js';
import { sumLoss, sumSnapshots } from './live-sum.js';
import { workerUrl } from './worker-url.js';

const WORKER_URL = workerUrl('live-worker');


function workerFault(e: LiveWorkerError, worker: number): Error {
  if (e.internal) return new Error(`live worker ${worker}: ${e.message}`);
  return new DnsaeError(e.code as ErrorCode, e.message, e.file === undefined ? {} : { file: e.file });
}

/** One worker thread and what the main thread keeps of it. */
class LiveWorker {
  readonly thread: Worker;
  /** Forwarding buffers back from the worker, for the next runs. */
  private readonly free: Uint8Array[] = [];
  /** Forwarding buffers made, at most LIVE_RUN_BUFFERS. */
  private made = 0;
  reading: LiveWorkerReading | undefined;
  done: { reading: LiveWorkerReading; summary: Record<string, unknown> } | undefined;
  private roomWaiter: (() => void) | undefined;
  private readonly replies = new Map<number, (m: LiveWorkerMessage) => void>();
  private nextId = 0;
  private readonly waiting = new Map<string, (m: LiveWorkerMessage) => void>();

  constructor(
    readonly index: number,
    spec: LiveWorkerSpec,
    onLines: (w: LiveWorker, bytes: Uint8Array, lines: number) => void,
    onFault: (err: Error) => void,
  ) {
    this.thread = new Worker(WORKER_URL, { workerData: spec });
    this.thread.on('message', (m: LiveWorkerMessage) => {
      switch (m.t) {
        case 'lines':
          onLines(this, m.bytes, m.lines);
          return;
        case 'consumed': {
          this.free.push(m.buffer);
          const w = this.roomWaiter;
          this.roomWaiter = undefined;
          w?.();
          return;
        }
        case 'reading':
        case 'reloaded': {
          this.reading = m.t === 'reading' ? m.reading : this.reading;
          const r = this.replies.get(m.id);
          this.replies.delete(m.id);
          r?.(m);
          return;
        }
        case 'fatal':
          onFault(workerFault(m.error, index));
          return;
        default: {
          if (m.t === 'done') this.done = { reading: m.reading, summary: m.summary };
          const w = this.waiting.get(m.t);
          this.waiting.delete(m.t);
          w?.(m);
        }
      }
    });
    this.thread.on('error', (err) => onFault(err));
    this.thread.on('exit', (code) => {
      if (this.done === undefined) onFault(new Error(`live worker ${index} exited with status ${code}`));
    });
  }

  send(m: LiveMainMessage, transfer?: ArrayBuffer[]): void {
    this.thread.postMessage(m, transfer);
  }

  /** The next message of type `t` ('ready', 'started', 'done'). */
  next<T extends LiveWorkerMessage['t']>(t: T): Promise<Extract<LiveWorkerMessage, { t: T }>> {
    return new Promise((resolve) => this.waiting.set(t, resolve as (m: LiveWorkerMessage) => void));
  }

  ask<T extends 'reading' | 'reloaded'>(t: T extends 'reading' ? 'read' : 'reload'): Promise<Extract<LiveWorkerMessage, { t: T }>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.replies.set(id, resolve as (m: LiveWorkerMessage) => void);
      this.send({ t, id } as LiveMainMessage);
    });
  }

  /** A forwarding buffer of `size` bytes: one back from the worker, a new one while fewer than LIVE_RUN_BUFFERS exist, or the next to come back. */
  async buffer(size: number): Promise<Uint8Array> {
    for (;;) {
      const b = this.free.pop();
      if (b !== undefined) return b;
      if (this.made < LIVE_RUN_BUFFERS) {
        this.made++;
        return new Uint8Array(size);
      }
      await new Promise<void>((r) => (this.roomWaiter = r));
    }
  }
}

/** The capture side of a worker's counters: its handle's queue and kernel counters, kept on the main thread. */
class CaptureCounters {
  private readonly received = new Wrapping32();
  private readonly dropped = new Wrapping32();
  private readonly ifDropped = new Wrapping32();

  constructor(private readonly source: LiveSource) {}

  read(): Pick<LiveSnapshot, 'queue_drops' | 'queue_queued' | 'queue_high_water' | 'kernel_received' | 'kernel_drops' | 'if_drops'> {
    const k = this.source.kernelStats();
    const q = this.source.queue;
    return {
      queue_drops: q.drops,
      queue_queued: q.queued,
      queue_high_water: q.highWater,
      kernel_received: this.received.extend(k.received),
      kernel_drops: this.dropped.extend(k.dropped),
      if_drops: this.ifDropped.extend(k.ifDropped),
    };
  }
}

/**
 * `dnsae live --workers N` (N > 1). N capture handles on the device, joined
 * to one AF_PACKET fanout group whose BPF program sends each client's
 * frames to one handle (src/capture/fanout-program.ts); each handle's
 * frames are forwarded from the main thread (the cap addon loads in one
 * thread only) to its worker thread, which runs the sensor's pipeline and
 * stages (src/run/live-worker.ts). One output, written by the main thread
 * a worker's chunk of lines at a time; one metrics endpoint; SIGHUP reopens
 * the output and reloads the model in every worker; SIGTERM stops every
 * handle, and every worker scores what it was forwarded before the exit.
 * The start-up order is runLive's: models (in the workers), output,
 * metrics, capture, then the privilege drop.
 */
export async function runLiveWorkers(o: LiveRunOptions, log: Logger, deps: LiveDeps): Promise<number> {
  const n = o.workers ?? 1;
  const modelDir = o.modelDir ?? DEFAULT_MODEL_DIR;
  const program = encodeProgram(fanoutProgram(o.pipeline.ports));
  const signals = deps.signals ?? process;
  let sources: LiveSource[] | undefined;
  const stopAll = (): void => {
    for (const s of sources ?? []) void s.stop();
  };
  let out: LineSink | undefined;
  let target: OpenedOutput | undefined;
  const reopenOutput = outputReopener(log, () => (out === undefined ? undefined : { out, target }));
  const workers: LiveWorker[] = [];
  let fault: Error | undefined;
  let failFault: ((e: Error) => void) | undefined;
  const faulted = new Promise<never>((_, reject) => (failFault = reject));
  faulted.catch(() => undefined);
  const onFault = (e: Error): void => {
    if (fault !== undefined) return;
    fault = e;
    failFault!(e);
    // Capture stops: the run ends with the fault.
    stopAll();
  };
  const withFault = <T>(p: Promise<T>): Promise<T> => Promise.race([p, faulted]);

  const reloads = new LiveReloads(log, modelDir);
  const reloadModel = (): void =>
    reloads.request({ started: sources !== undefined, usesModel: !(o.mode === 'rules' && o.tunnel === undefined), detector: o.mode }, () =>
      withFault(Promise.all(workers.map((w) => w.ask<'reloaded'>('reload'))))
        .then((replies): ReloadOutcome => {
          const failed = replies.filter((r) => !r.ok);
          const r = replies[0]!;
          if (failed.length === 0) {
            log.info(
              { model: modelDir, workers: n, old_model_id: r.oldModelId, new_model_id: r.newModelId, old_tunnel_model_id: r.oldTunnelModelId, new_tunnel_model_id: r.newTunnelModelId },
              'model reloaded',
            );
            return 'reloaded';
          }
          // Each worker reads the directory itself: one that changed between their reads can leave them apart.
          const apart = failed.length < replies.length ? { workers_reloaded: replies.filter((x) => x.ok).map((_, i) => i) } : {};
          log.error({ model: modelDir, model_id: failed[0]!.oldModelId, tunnel_model_id: failed[0]!.oldTunnelModelId, error: failed[0]!.error, ...apart }, 'model reload failed; keeping the old model');
          return 'failed';
        })
        // A fault stops the sensor: the reload is neither.
        .catch((): ReloadOutcome => undefined),
    );
  const live = bindLiveSignals(signals, log, {
    capturing: () => sources !== undefined,
    stop: stopAll,
    hup: () => {
      reopenOutput();
      reloadModel();
    },
    stopFields: { workers: n },
  });

  let endpoint: MetricsEndpoint | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const onLines = (w: LiveWorker, bytes: Uint8Array, lines: number): void => {
      const sink = target?.out;
      if (sink === undefined) return;
      sink.writeRecords(bytes, lines);
      void sink.drain().then(
        () => w.send({ t: 'ack', bytes: bytes.length }),
        (err: unknown) => onFault(err instanceof Error ? err : new Error(String(err))),
      );
    };
    const spec = (worker: number): LiveWorkerSpec => ({
      worker,
      device: o.device,
      modelDir,
      mode: o.mode,
      ...(o.tunnel === undefined ? {} : { tunnel: { domains: o.tunnel.domains, maxWindows: o.tunnel.maxWindows, allowDomains: [...o.tunnel.allowDomains] } }),
      ruleMask: o.ruleMask,
      policy: o.policy,
      all: o.all,
      pipeline: o.pipeline,
      communityIdSeed: communityIdSeed(),
    });
    for (let i = 0; i < n; i++) workers.push(new LiveWorker(i, spec(i), onLines, onFault));
    const ready = await withFault(Promise.all(workers.map((w) => w.next('ready'))));
    target = asOpenedOutput(await deps.openOutput());
    out = target.out;
    const opened = target;

    const global = (): Partial<LiveSnapshot> => {
      const sink = opened.network?.stats;
      return {
        output_reopens: opened.out.reopens,
        output_reopen_failures: opened.out.reopenFailures,
        ...(sink === undefined ? {} : { sink_dropped: sink.dropped, sink_reconnects: sink.reconnects, sink_buffered: sink.buffered }),
        model_reloads: reloads.counts.ok,
        model_reload_failures: reloads.counts.failed,
      };
    };
    let captures: CaptureCounters[] = [];
    /** Each worker's counters now, its capture handle's included. */
    const readWorkers = async (): Promise<LiveWorkerReading[]> =>
      withFault(Promise.all(workers.map(async (w) => w.done?.reading ?? (await w.ask<'reading'>('read')).reading)));
    const combine = (readings: readonly LiveWorkerReading[]): { total: LiveSnapshot; each: LiveSnapshot[]; lossRatio: LossRatioCounts | undefined } => {
      const each = readings.map((r, i) => ({ ...r.snapshot, ...(captures[i]?.read() ?? {}) }));
      return { total: sumSnapshots(each, global()), each, lossRatio: sumLoss(readings.map((r) => r.lossRatio)) };
    };
    const detector = [o.mode, o.tunnel === undefined ? undefined : 'tunnel'].filter((x) => x !== undefined).join(',');
    if (o.metrics !== undefined) {
      let latest: ReturnType<typeof combine> | undefined;
      const metrics = createLiveMetrics(() => ({ snapshot: latest!.total, lossRatio: latest!.lossRatio, detector, workers: latest!.each }), { perWorker: true });
      endpoint = await serveMetrics(
        o.metrics.host,
        o.metrics.port,
        async () => {
          latest = combine(await readWorkers());
          return metrics.render();
        },
        metrics.contentType,
      );
    }

    const opening: LiveSource[] = [];
    let group = -1;
    try {
      for (let i = 0; i < n; i++) {
        const s = openLive({ ...o.capture, device: o.device, filter: o.filter });
        opening.push(s);
        group = s.joinFanout(group, program);
      }
    } catch (err) {
      await Promise.all(opening.map((s) => s.stop()));
      throw err;
    }
    sources = opening;
    const srcs = opening;
    captures = srcs.map((s) => new CaptureCounters(s));
    let user: UserEntry | undefined;
    if (o.user !== undefined) {
      try {
        user = dropPrivileges(o.user);
      } catch (err) {
        await Promise.all(srcs.map((s) => s.stop()));
        throw err;
      }
    }
    if (live.stopping || fault !== undefined) stopAll();

    const src = srcs[0]!;
    workers.forEach((w) => w.send({ t: 'start', linktype: src.linktype, snaplen: src.snaplen }));
    const started = await withFault(Promise.all(workers.map((w) => w.next('started'))));
    log.info(
      {
        device: src.device,
        filter: src.filter,
        linktype: src.linktypeName,
        snaplen: src.snaplen,
        immediate: src.immediate,
        read_timeout_ms: src.readTimeoutMs,
        timestamps: src.timestampSource,
        record_mode: srcs.every((s) => s.recordMode),
        fast_lane: started.every((s) => s.fastLane),
        kernel_stats: src.kernelStats().source,
        user: user === undefined ? null : { name: user.name, uid: user.uid, gid: user.gid },
        detector: o.mode,
        model_id: ready[0]!.modelId,
        metrics: endpoint?.url ?? null,
        workers: n,
        fanout_group: group,
      },
      'live capture started',
    );

    let prev: LiveSnapshot | undefined;
    let prevAt = performance.now();
    const statsLine = (now: LiveSnapshot, final: boolean): void => {
      const t = performance.now();
      log.info({ stats: statsLineFields(now, prev, (t - prevAt) / 1000), ...(final ? { final: true } : {}) }, 'live stats');
      prev = now;
      prevAt = t;
    };
    let ended = false;
    if (o.statsIntervalSec > 0) {
      timer = setInterval(() => {
        void readWorkers().then(
          (r) => {
            if (!ended) statsLine(combine(r).total, false);
          },
          () => undefined,
        );
      }, o.statsIntervalSec * 1000);
      timer.unref();
    }

    // Each handle's frames to its worker, never more than its buffers ahead of it.
    const forwards = srcs.map((s, i) => {
      const w = workers[i]!;
      return s.forward(
        () => withFault(w.buffer(s.forwardBufferBytes)),
        (buffer, bytes) => w.send({ t: 'run', buffer, bytes }, [buffer.buffer as ArrayBuffer]),
      );
    });
    await withFault(Promise.all(forwards));
    const finished = workers.map((w) => (w.done !== undefined ? Promise.resolve(w.done) : w.next('done')));
    for (const w of workers) w.send({ t: 'end' });
    await withFault(Promise.all(finished));
    ended = true;
    if (timer !== undefined) clearInterval(timer);
    await opened.out.drain();
    out = undefined; // a SIGHUP from now on finds no file to reopen (the sink would open one nobody closes)
    await opened.close();
    const last = combine(workers.map((w) => w.done!.reading));
    statsLine(last.total, true);
    log.info(
      {
        stats: {
          workers: n,
          per_worker: workers.map((w, i) => ({ ...w.done!.summary, kernel: srcs[i]!.kernelStats(), queue: srcs[i]!.queue })),
          kernel_received: last.total.kernel_received,
          kernel_drops: last.total.kernel_drops,
          queue_drops: last.total.queue_drops,
          detector: o.mode,
          model_id: last.total.model_id,
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
    await Promise.all(workers.map((w) => w.thread.terminate()));
  }
}
