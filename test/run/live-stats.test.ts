import { describe, expect, it } from 'vitest';
import type { KernelStats } from '../../src/capture/live-source.js';
import { Pipeline, DEFAULT_PIPELINE_OPTIONS } from '../../src/pipeline.js';
import { createRootLogger } from '../../src/logger.js';
import { AlertPolicy } from '../../src/scoring/alert-policy.js';
import { LiveCounters, statsLineFields, Wrapping32, type LiveSnapshot } from '../../src/run/live-stats.js';

describe('Wrapping32', () => {
  it('extends a 32-bit counter across wraps', () => {
    const w = new Wrapping32();
    expect(w.extend(10)).toBe(10);
    expect(w.extend(2 ** 32 - 1)).toBe(2 ** 32 - 1);
    expect(w.extend(5)).toBe(2 ** 32 + 5);
    expect(w.extend(5)).toBe(2 ** 32 + 5);
    expect(w.extend(2 ** 32 - 2)).toBe(2 ** 33 - 2);
    expect(w.extend(0)).toBe(2 ** 33);
  });
});

describe('LiveCounters', () => {
  it('reads every counter from the source, the pipeline and the alert policy', () => {
    const pipeline = new Pipeline(DEFAULT_PIPELINE_OPTIONS, { onBatch: () => undefined, drain: async () => undefined }, createRootLogger('silent'));
    const policy = new AlertPolicy({ onePerFlow: true, limitPerSource: 1, limitWindowSec: 60, maxTrackedFlows: 10, maxTrackedSources: 10 });
    expect(policy.decide(1, '10.0.0.1', 0)).toBe('alert');
    expect(policy.decide(1, '10.0.0.1', 0)).toBe('suppressed_flow');
    expect(policy.decide(2, '10.0.0.1', 0)).toBe('suppressed_rate');
    let kernel: KernelStats = { received: 2 ** 32 - 10, dropped: 3, ifDropped: 1, source: 'pcap_stats' };
    const source = {
      stats: { frames: 120, bytes: 9000, skippedBlocks: 0 },
      queue: { queued: 4, highWater: 50, drops: 7, dropBytes: 700 },
      kernelStats: () => kernel,
      laneFrames: 110,
    };
    const output = { reopens: 2, reopenFailures: 1 };
    const counters = new LiveCounters({ source, pipeline, policy, output, modelId: () => 'abcdef012345' });
    const s = counters.snapshot();
    expect(s).toEqual({
      packets: 120,
      bytes: 9000,
      fast_lane_packets: 110,
      samples: 0,
      alerts: 1,
      alerts_suppressed: 2,
      suppressed_flow: 1,
      suppressed_rate: 1,
      queue_drops: 7,
      queue_queued: 4,
      queue_high_water: 50,
      kernel_received: 2 ** 32 - 10,
      kernel_drops: 3,
      if_drops: 1,
      flows: 0,
      flow_evictions: 0,
      weirds: 0,
      output_reopens: 2,
      output_reopen_failures: 1,
      tunnel_alerts: 0,
      tunnel_windows: 0,
      tunnel_windows_anomalous: 0,
      model_reloads: 0,
      model_reload_failures: 0,
      alerts_by_signature: {},
      model_id: 'abcdef012345',
    } satisfies LiveSnapshot);
    output.reopens = 3;
    expect(counters.snapshot().output_reopens).toBe(3);
    kernel = { ...kernel, received: 20 };
    expect(counters.snapshot().kernel_received).toBe(2 ** 32 + 20);
  });
});

describe('statsLineFields', () => {
  const base: LiveSnapshot = {
    packets: 1000,
    bytes: 1,
    fast_lane_packets: 0,
    samples: 900,
    alerts: 2,
    alerts_suppressed: 0,
    suppressed_flow: 0,
    suppressed_rate: 0,
    queue_drops: 0,
    queue_queued: 0,
    queue_high_water: 0,
    kernel_received: 1000,
    kernel_drops: 0,
    if_drops: 0,
    flows: 3,
    flow_evictions: 0,
    weirds: 0,
    output_reopens: 0,
    output_reopen_failures: 0,
    tunnel_alerts: 0,
    tunnel_windows: 0,
    tunnel_windows_anomalous: 0,
    model_reloads: 0,
    model_reload_failures: 0,
    alerts_by_signature: {},
    model_id: null,
  };

  it('keeps every counter and adds rates over the interval', () => {
    const now = { ...base, packets: 7000, samples: 4900 };
    const f = statsLineFields(now, base, 2);
    expect(f).toMatchObject({ ...now, packets_per_sec: 3000, samples_per_sec: 2000, interval_sec: 2 });
  });

  it('takes rates since start for the first line and reports 0 for an empty interval', () => {
    expect(statsLineFields(base, undefined, 4)).toMatchObject({ packets_per_sec: 250, samples_per_sec: 225 });
    expect(statsLineFields(base, base, 0)).toMatchObject({ packets_per_sec: 0, samples_per_sec: 0 });
  });
});
