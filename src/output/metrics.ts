import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import type { LossRatioCounts } from '../run/loss-ratio-histogram.js';
import type { LiveSnapshot } from '../run/live-stats.js';

/** What one scrape reads: the sensor's counters and the loss/threshold histogram at one moment. */
export interface MetricsReading {
  readonly snapshot: LiveSnapshot;
  readonly lossRatio: LossRatioCounts | undefined;
  readonly detector: string;
  /** `live --workers N`: each worker's counters; `snapshot` is their sum. */
  readonly workers?: readonly LiveSnapshot[];
}

type NumericField = { [K in keyof LiveSnapshot]-?: LiveSnapshot[K] extends number ? K : never }[keyof LiveSnapshot];
/** The network output's counters: in a snapshot only with a network --out, printed as 0 without one. */
type SinkField = 'sink_dropped' | 'sink_reconnects' | 'sink_buffered';

/** Counters and gauges, each printed straight from a LiveSnapshot field. */
export const LIVE_METRICS: readonly { name: string; type: 'counter' | 'gauge'; field: NumericField; help: string }[] = [
  { name: 'dnsae_packets_total', type: 'counter', field: 'packets', help: 'Frames delivered to the decoder' },
  { name: 'dnsae_fast_lane_packets_total', type: 'counter', field: 'fast_lane_packets', help: 'Frames the fast lane (WebAssembly) decoded and assembled; the rest of dnsae_packets_total took the TypeScript decoders' },
  { name: 'dnsae_samples_total', type: 'counter', field: 'samples', help: 'Samples (UDP datagrams, DNS-over-TCP messages) scored' },
  { name: 'dnsae_alerts_total', type: 'counter', field: 'alerts', help: 'Alert records written' },
  { name: 'dnsae_alerts_suppressed_total', type: 'counter', field: 'alerts_suppressed', help: 'Anomalous samples not written as alerts (one alert per flow, per-source limit)' },
  { name: 'dnsae_queue_drops_total', type: 'counter', field: 'queue_drops', help: 'Frames refused by the full user-space capture queue' },
  { name: 'dnsae_kernel_received_total', type: 'counter', field: 'kernel_received', help: 'Frames that passed the BPF filter (pcap_stats ps_recv)' },
  { name: 'dnsae_kernel_drops_total', type: 'counter', field: 'kernel_drops', help: 'Frames dropped because the kernel capture buffer was full (pcap_stats ps_drop)' },
  { name: 'dnsae_interface_drops_total', type: 'counter', field: 'if_drops', help: 'Frames dropped by the interface or driver (pcap_stats ps_ifdrop)' },
  { name: 'dnsae_flow_evictions_total', type: 'counter', field: 'flow_evictions', help: 'Flows evicted from the full flow table' },
  { name: 'dnsae_decode_weirds_total', type: 'counter', field: 'weirds', help: 'Malformed or unexpected packets (named weirds, see docs/decoding.md)' },
  { name: 'dnsae_output_reopens_total', type: 'counter', field: 'output_reopens', help: 'Output file reopened at its path on SIGHUP (log rotation)' },
  { name: 'dnsae_output_reopen_failures_total', type: 'counter', field: 'output_reopen_failures', help: 'SIGHUP reopens of the output file that failed; records still go to the file opened before' },
  { name: 'dnsae_tunnel_alerts_total', type: 'counter', field: 'tunnel_alerts', help: 'Tunnel-stage alert records written (one per anomalous client and registered domain window)' },
  { name: 'dnsae_tunnel_windows_total', type: 'counter', field: 'tunnel_windows', help: '(client, registered domain) windows the tunnel stage scored' },
  { name: 'dnsae_tunnel_windows_anomalous_total', type: 'counter', field: 'tunnel_windows_anomalous', help: 'Tunnel-stage windows over the threshold (alerted, allow-listed or held back by the per-source limit)' },
  { name: 'dnsae_model_reloads_total', type: 'counter', field: 'model_reloads', help: 'SIGHUP model reloads that replaced the model' },
  { name: 'dnsae_model_reload_failures_total', type: 'counter', field: 'model_reload_failures', help: 'SIGHUP model reloads that failed; the model loaded before stays in use' },
  { name: 'dnsae_flows', type: 'gauge', field: 'flows', help: 'Flows in the flow table' },
  { name: 'dnsae_queue_frames', type: 'gauge', field: 'queue_queued', help: 'Frames waiting in the user-space capture queue' },
];

export const SINK_METRICS: readonly { name: string; type: 'counter' | 'gauge'; field: SinkField; help: string }[] = [
  { name: 'dnsae_sink_dropped_total', type: 'counter', field: 'sink_dropped', help: 'Records a network output dropped: buffer full while the peer was away or slow, refused by the peer, or unsent at exit (0 for a file)' },
  { name: 'dnsae_sink_reconnects_total', type: 'counter', field: 'sink_reconnects', help: 'Connections a network output made after its first one' },
  { name: 'dnsae_sink_buffered_records', type: 'gauge', field: 'sink_buffered', help: 'Records a network output holds, waiting for its peer' },
];

const LOSS_RATIO_NAME = 'dnsae_loss_ratio';

/** One line of the exposition format, as prom-client's registry reads it from get(). */
interface ExpositionValue {
  readonly metricName?: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/**
 * A metric whose values are computed at scrape time from the reading taken
 * for that scrape. prom-client's own Counter keeps its own count, which
 * would be a second source of truth next to the sensor's counters; the
 * registry only needs name, help, type and get().
 */
class ReadingMetric {
  readonly aggregator = 'sum' as const;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly values: () => ExpositionValue[],
  ) {}

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExpositionValue[] }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.values() });
  }
}

function lossRatioValues(h: LossRatioCounts | undefined): ExpositionValue[] {
  if (h === undefined) return [];
  const out: ExpositionValue[] = h.bounds.map((le, b) => ({
    metricName: `${LOSS_RATIO_NAME}_bucket`,
    labels: { le: String(le) },
    value: h.cumulative[b]!,
  }));
  out.push({ metricName: `${LOSS_RATIO_NAME}_bucket`, labels: { le: '+Inf' }, value: h.count });
  out.push({ metricName: `${LOSS_RATIO_NAME}_sum`, labels: {}, value: h.sum });
  out.push({ metricName: `${LOSS_RATIO_NAME}_count`, labels: {}, value: h.count });
  return out;
}

export interface LiveMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** Takes one reading and renders every metric from it (text exposition format). */
  render(): Promise<string>;
}

/** Counters of the one output, not of a worker: not repeated per worker. */
const NOT_PER_WORKER: ReadonlySet<string> = new Set(['output_reopens', 'output_reopen_failures']);

/**
 * The sensor's own registry (not prom-client's global one, so nothing else
 * in the process can add to or collide with it). With `perWorker`, each
 * counter and gauge also has a dnsae_worker_* family labelled by worker
 * (its own family, so that summing one never counts the total twice).
 */
export function createLiveMetrics(read: () => MetricsReading, opts: { processMetrics?: boolean; perWorker?: boolean } = {}): LiveMetrics {
  const registry = new Registry();
  let reading: MetricsReading | undefined;
  const current = (): MetricsReading => (reading ??= read());
  const add = (m: ReadingMetric): void => registry.registerMetric(m as unknown as Metric);
  for (const d of LIVE_METRICS) {
    add(new ReadingMetric(d.name, d.help, d.type, () => [{ labels: {}, value: current().snapshot[d.field] }]));
  }
  if (opts.perWorker === true) {
    for (const d of LIVE_METRICS) {
      if (NOT_PER_WORKER.has(d.field)) continue;
      add(
        new ReadingMetric(`dnsae_worker_${d.name.slice('dnsae_'.length)}`, `${d.help}; per worker of --workers`, d.type, () =>
          (current().workers ?? []).map((w, i) => ({ labels: { worker: String(i) }, value: w[d.field] })),
        ),
      );
    }
  }
  for (const d of SINK_METRICS) {
    add(new ReadingMetric(d.name, d.help, d.type, () => [{ labels: {}, value: current().snapshot[d.field] ?? 0 }]));
  }
  add(
    new ReadingMetric(LOSS_RATIO_NAME, 'Autoencoder loss divided by the alert threshold, per scored sample (above 1 alerts)', 'histogram', () =>
      lossRatioValues(current().lossRatio),
    ),
  );
  add(
    new ReadingMetric('dnsae_alerts_by_signature_total', 'Alert records written, by signature id (both stages)', 'counter', () =>
      Object.entries(current().snapshot.alerts_by_signature).map(([id, n]) => ({ labels: { signature_id: id }, value: n })),
    ),
  );
  add(
    new ReadingMetric('dnsae_model_info', 'The model that scores samples now (value 1)', 'gauge', () => {
      const r = current();
      return [{ labels: { model_id: r.snapshot.model_id ?? '', detector: r.detector }, value: 1 }];
    }),
  );
  // Process CPU, memory, event-loop lag and GC: read at scrape time, a few microseconds each.
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'dnsae_' });
  return {
    registry,
    contentType: registry.contentType,
    async render(): Promise<string> {
      reading = read();
      try {
        return await registry.metrics();
      } finally {
        reading = undefined;
      }
    },
  };
}
