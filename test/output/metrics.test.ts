import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLiveMetrics, LIVE_METRICS, type MetricsReading } from '../../src/output/metrics.js';
import type { LiveSnapshot } from '../../src/run/live-stats.js';
import { parsePromText as parse } from './prom-text.js';

const snapshot: LiveSnapshot = {
  packets: 101,
  bytes: 20_000,
  fast_lane_packets: 99,
  samples: 97,
  alerts: 5,
  alerts_suppressed: 9,
  suppressed_flow: 8,
  suppressed_rate: 1,
  queue_drops: 3,
  queue_queued: 2,
  queue_high_water: 40,
  kernel_received: 110,
  kernel_drops: 6,
  if_drops: 4,
  flows: 12,
  flow_evictions: 7,
  weirds: 11,
  output_reopens: 13,
  output_reopen_failures: 2,
  tunnel_alerts: 14,
  tunnel_windows: 15,
  tunnel_windows_anomalous: 16,
  model_reloads: 17,
  model_reload_failures: 18,
  alerts_by_signature: { 9053001: 2, 9053002: 1, 9053003: 2, 9053010: 14 },
  model_id: '0123456789ab',
};


describe('live metrics', () => {
  it('prints every counter from the reading taken for the scrape, with its type', async () => {
    let reads = 0;
    const reading = (): MetricsReading => {
      reads++;
      return {
        snapshot: { ...snapshot, packets: snapshot.packets + reads },
        lossRatio: { bounds: [0.5, 1], cumulative: [3, 90, 97], sum: 40.5, count: 97 },
        detector: 'hybrid',
      };
    };
    const m = createLiveMetrics(reading, { processMetrics: false });
    const text = await m.render();
    expect(reads).toBe(1); // one reading per scrape, shared by every metric
    const v = parse(text);
    for (const d of LIVE_METRICS) {
      const want = d.field === 'packets' ? snapshot.packets + 1 : snapshot[d.field];
      expect(v.get(d.name), d.name).toBe(want);
      expect(text).toContain(`# TYPE ${d.name} ${d.type}`);
    }
    expect(text).toContain('# TYPE dnsae_loss_ratio histogram');
    expect(v.get('dnsae_loss_ratio_bucket{le="0.5"}')).toBe(3);
    expect(v.get('dnsae_loss_ratio_bucket{le="1"}')).toBe(90);
    expect(v.get('dnsae_loss_ratio_bucket{le="+Inf"}')).toBe(97);
    expect(v.get('dnsae_loss_ratio_sum')).toBe(40.5);
    expect(v.get('dnsae_loss_ratio_count')).toBe(97);
    expect(v.get('dnsae_model_info{model_id="0123456789ab",detector="hybrid"}')).toBe(1);
    for (const [id, n] of Object.entries(snapshot.alerts_by_signature)) expect(v.get(`dnsae_alerts_by_signature_total{signature_id="${id}"}`)).toBe(n);
    expect(parse(await m.render()).get('dnsae_packets_total')).toBe(snapshot.packets + 2);
  });

  it("with perWorker, prints each worker's counters in dnsae_worker_* families labelled by worker, and without, none", async () => {
    const each = [
      { ...snapshot, packets: 60, flows: 5 },
      { ...snapshot, packets: 41, flows: 7 },
    ];
    const reading = (): MetricsReading => ({ snapshot: { ...snapshot, packets: 101, flows: 12 }, lossRatio: undefined, detector: 'hybrid', workers: each });
    const v = parse(await createLiveMetrics(reading, { processMetrics: false, perWorker: true }).render());
    expect(v.get('dnsae_packets_total')).toBe(101);
    expect(v.get('dnsae_worker_packets_total{worker="0"}')).toBe(60);
    expect(v.get('dnsae_worker_packets_total{worker="1"}')).toBe(41);
    expect(v.get('dnsae_worker_flows{worker="1"}')).toBe(7);
    // The output's own counters are not a worker's.
    expect([...v.keys()].some((k) => k.startsWith('dnsae_worker_output_'))).toBe(false);
    const single = await createLiveMetrics(reading, { processMetrics: false }).render();
    expect(single).not.toContain('dnsae_worker_');
  });

  it('names the required series', () => {
    const names = LIVE_METRICS.map((d) => d.name);
    for (const n of [
      'dnsae_packets_total',
      'dnsae_fast_lane_packets_total',
      'dnsae_samples_total',
      'dnsae_alerts_total',
      'dnsae_alerts_suppressed_total',
      'dnsae_queue_drops_total',
      'dnsae_kernel_drops_total',
      'dnsae_flow_evictions_total',
      'dnsae_flows',
      'dnsae_output_reopens_total',
      'dnsae_output_reopen_failures_total',
    ]) {
      expect(names).toContain(n);
    }
  });

  it('uses its own registry, leaves the global one alone, and adds process metrics when asked', async () => {
    const before = globalRegistry.getMetricsAsArray().length;
    const m = createLiveMetrics(() => ({ snapshot, lossRatio: undefined, detector: 'rules' }));
    expect(globalRegistry.getMetricsAsArray().length).toBe(before);
    const text = await m.render();
    const v = parse(text);
    expect(v.get('dnsae_model_info{model_id="0123456789ab",detector="rules"}')).toBe(1);
    expect(v.has('dnsae_loss_ratio_count')).toBe(false); // no autoencoder, no ratios
    // prom-client counts CPU time from the collector's creation, so a first scrape may read 0.
    expect(v.get('dnsae_process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(v.get('dnsae_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.contentType).toContain('text/plain');
    // Two sensors in one process (tests) do not collide.
    expect(() => createLiveMetrics(() => ({ snapshot, lossRatio: undefined, detector: 'ae' }))).not.toThrow();
  });
});
