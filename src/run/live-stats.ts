import type { KernelStats, LiveQueueStats } from '../capture/live-source.js';
import type { SourceStats } from '../capture/frame.js';
import type { FlowAssemblerStats } from '../flow/flow-assembler.js';
import type { SinkStats } from '../output/sinks/network-sink.js';

/** What the sensor's counters are read from; a LiveSource, a Pipeline, an AlertPolicy and a LineSink fit. */
export interface LiveCounterSources {
  readonly source: { readonly stats: SourceStats; readonly queue: LiveQueueStats; kernelStats(): KernelStats; readonly laneFrames?: number };
  readonly pipeline: { readonly samples: number; readonly weirds: { total(): number }; readonly assembler: { readonly stats: FlowAssemblerStats } };
  readonly policy: { readonly counters: { readonly alerts: number; readonly suppressed_flow: number; readonly suppressed_rate: number } };
  /** `sink`: the network sink behind --out, when it is one (redis://, syslog+tcp://, ...). */
  readonly output: { readonly reopens: number; readonly reopenFailures: number; readonly sink?: { readonly stats: SinkStats } | undefined };
  readonly modelId: () => string | null;
  /** The tunnel stage's counters, when it runs. */
  readonly tunnel?: { readonly alerts: number; readonly windows: number; readonly anomalous: number } | undefined;
  /** SIGHUP model reloads that worked and that failed (the old model kept). */
  readonly reloads?: { readonly ok: number; readonly failed: number };
  /** Header-stage alerts written by signature id (ScoreCounters.alerts_by_signature). */
  readonly alertsBySignature?: () => Readonly<Record<string, number>>;
}

/**
 * The sensor's counters at one moment. The stats lines and the metrics
 * endpoint both print a LiveSnapshot, so they cannot disagree.
 */
export interface LiveSnapshot {
  /** Frames delivered to the decoder. */
  readonly packets: number;
  readonly bytes: number;
  /** Of `packets`, those the fast lane decoded and assembled (the rest took the TypeScript decoders). */
  readonly fast_lane_packets: number;
  /** Samples (UDP datagrams, DNS-over-TCP messages) scored. */
  readonly samples: number;
  /** Alert records written. */
  readonly alerts: number;
  /** Anomalous samples not written as alerts: already alerted in their flow, or over the per-source limit. */
  readonly alerts_suppressed: number;
  readonly suppressed_flow: number;
  readonly suppressed_rate: number;
  /** Frames refused by the full user-space queue. */
  readonly queue_drops: number;
  readonly queue_queued: number;
  readonly queue_high_water: number;
  /** Frames that passed the BPF filter (pcap_stats ps_recv). */
  readonly kernel_received: number;
  /** Frames the capture buffer had no room for (ps_drop). */
  readonly kernel_drops: number;
  /** Frames the interface or driver dropped (ps_ifdrop). */
  readonly if_drops: number;
  readonly flows: number;
  readonly flow_evictions: number;
  readonly weirds: number;
  /** `--out` reopened at its path on SIGHUP (log rotation). */
  readonly output_reopens: number;
  /** SIGHUP reopens that failed; records went on to the file open before. */
  readonly output_reopen_failures: number;
  /** Network output only: records dropped (buffer full, refused by the peer, unsent at exit). */
  readonly sink_dropped?: number;
  /** Network output only: connections made after the first. */
  readonly sink_reconnects?: number;
  /** Network output only: records held now, waiting for the peer. */
  readonly sink_buffered?: number;
  /** Tunnel-stage alert records written (not in `alerts`, which counts the header stage's). */
  readonly tunnel_alerts: number;
  /** (client, registered domain) windows the tunnel stage scored, and those over its threshold. */
  readonly tunnel_windows: number;
  readonly tunnel_windows_anomalous: number;
  readonly model_reloads: number;
  readonly model_reload_failures: number;
  /** Alert records written by signature id, both stages (9053010: the tunnel stage's). */
  readonly alerts_by_signature: Readonly<Record<string, number>>;
  readonly model_id: string | null;
}

/**
 * pcap_stats counters are 32-bit and wrap (at 200,000 frames/s after about
 * six hours); this extends one to a monotonic count, assuming it is read at
 * least once per wrap period.
 */
export class Wrapping32 {
  private last = 0;
  private high = 0;

  extend(raw: number): number {
    const v = raw >>> 0;
    if (v < this.last) this.high += 2 ** 32;
    this.last = v;
    return this.high + v;
  }
}

export class LiveCounters {
  private readonly received = new Wrapping32();
  private readonly dropped = new Wrapping32();
  private readonly ifDropped = new Wrapping32();

  constructor(private readonly from: LiveCounterSources) {}

  snapshot(): LiveSnapshot {
    const { source, pipeline, policy, output } = this.from;
    const k = source.kernelStats();
    const q = source.queue;
    const flows = pipeline.assembler.stats;
    const a = policy.counters;
    const sink = output.sink?.stats;
    return {
      packets: source.stats.frames,
      bytes: source.stats.bytes,
      fast_lane_packets: source.laneFrames ?? 0,
      samples: pipeline.samples,
      alerts: a.alerts,
      alerts_suppressed: a.suppressed_flow + a.suppressed_rate,
      suppressed_flow: a.suppressed_flow,
      suppressed_rate: a.suppressed_rate,
      queue_drops: q.drops,
      queue_queued: q.queued,
      queue_high_water: q.highWater,
      kernel_received: this.received.extend(k.received),
      kernel_drops: this.dropped.extend(k.dropped),
      if_drops: this.ifDropped.extend(k.ifDropped),
      flows: flows.flows_active,
      flow_evictions: flows.flows_evicted,
      weirds: pipeline.weirds.total(),
      output_reopens: output.reopens,
      output_reopen_failures: output.reopenFailures,
      ...(sink === undefined ? {} : { sink_dropped: sink.dropped, sink_reconnects: sink.reconnects, sink_buffered: sink.buffered }),
      tunnel_alerts: this.from.tunnel?.alerts ?? 0,
      tunnel_windows: this.from.tunnel?.windows ?? 0,
      tunnel_windows_anomalous: this.from.tunnel?.anomalous ?? 0,
      model_reloads: this.from.reloads?.ok ?? 0,
      model_reload_failures: this.from.reloads?.failed ?? 0,
      alerts_by_signature: { ...(this.from.alertsBySignature?.() ?? {}), ...(this.from.tunnel === undefined ? {} : { 9053010: this.from.tunnel.alerts }) },
      model_id: this.from.modelId(),
    };
  }
}

function perSec(now: number, before: number, seconds: number): number {
  return seconds > 0 ? Math.round((now - before) / seconds) : 0;
}

/**
 * The fields of one stats line: every counter since start, plus packet and
 * sample rates since the previous line (or since start).
 */
export function statsLineFields(now: LiveSnapshot, prev: LiveSnapshot | undefined, seconds: number): Record<string, unknown> {
  return {
    ...now,
    packets_per_sec: perSec(now.packets, prev?.packets ?? 0, seconds),
    samples_per_sec: perSec(now.samples, prev?.samples ?? 0, seconds),
    interval_sec: Math.round(seconds * 1000) / 1000,
  };
}
