import { describe, expect, it } from 'vitest';
import { sumLoss, sumSnapshots } from '../../src/run/live-sum.js';
import type { LiveSnapshot } from '../../src/run/live-stats.js';

function worker(k: number, over: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return {
    packets: 100 * k,
    bytes: 1000 * k,
    fast_lane_packets: 90 * k,
    samples: 80 * k,
    alerts: k,
    alerts_suppressed: 2 * k,
    suppressed_flow: k,
    suppressed_rate: k,
    queue_drops: k,
    queue_queued: k,
    queue_high_water: 10 * k,
    kernel_received: 101 * k,
    kernel_drops: 0,
    if_drops: 0,
    flows: 7 * k,
    flow_evictions: 0,
    weirds: k,
    output_reopens: 0,
    output_reopen_failures: 0,
    tunnel_alerts: k,
    tunnel_windows: 5 * k,
    tunnel_windows_anomalous: k,
    model_reloads: 1,
    model_reload_failures: 0,
    alerts_by_signature: { 9053001: k, [9053100 + k]: 1 },
    model_id: `model-${k}`,
    ...over,
  };
}

describe('the sum of the workers counters', () => {
  it('adds the counters, takes the largest queue high-water mark and worker 0s model, and the output and reload counters of the whole', () => {
    const total = sumSnapshots([worker(1), worker(2), worker(3)], { output_reopens: 4, output_reopen_failures: 1, model_reloads: 1, model_reload_failures: 0, sink_dropped: 9 });
    expect(total.packets).toBe(600);
    expect(total.kernel_received).toBe(606);
    expect(total.samples).toBe(480);
    expect(total.flows).toBe(42);
    expect(total.tunnel_windows).toBe(30);
    expect(total.queue_high_water).toBe(30);
    expect(total.model_id).toBe('model-1');
    expect(total.alerts_by_signature).toEqual({ 9053001: 1 + 2 + 3, 9053101: 1, 9053102: 1, 9053103: 1 });
    expect([total.output_reopens, total.output_reopen_failures, total.model_reloads, total.sink_dropped]).toEqual([4, 1, 1, 9]);
  });

  it('adds the loss-ratio histograms bucket by bucket, and has none when no worker has one', () => {
    const h = (n: number) => ({ bounds: [0.5, 1], cumulative: [n, 2 * n, 3 * n], sum: n / 2, count: 3 * n });
    expect(sumLoss([h(1), undefined, h(4)])).toEqual({ bounds: [0.5, 1], cumulative: [5, 10, 15], sum: 2.5, count: 15 });
    expect(sumLoss([undefined, undefined])).toBeUndefined();
  });
});
