import { FifoMap } from './fifo-map.js';

/**
 * Alert hygiene. A tunnel on port 53 produces thousands of anomalous
 * messages; a SOC wants one alert per flow plus counts, and a cap per
 * source like Suricata's `threshold: type limit, track by_src`. Both tables
 * are bounded; when full the oldest entry goes and the eviction is counted
 * (an evicted flow can alert again, which errs on the side of telling).
 */
export interface AlertPolicyOptions {
  /** Only the first alert of a flow is written (default true). */
  readonly onePerFlow: boolean;
  /** Alerts per source address per window; 0 disables the limit. */
  readonly limitPerSource: number;
  readonly limitWindowSec: number;
  readonly maxTrackedFlows: number;
  readonly maxTrackedSources: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicyOptions = {
  onePerFlow: true,
  limitPerSource: 100,
  limitWindowSec: 60,
  maxTrackedFlows: 100_000,
  maxTrackedSources: 100_000,
};

export type AlertDecision = 'alert' | 'suppressed_flow' | 'suppressed_rate';

interface SourceWindow {
  start: number;
  count: number;
}

export class AlertPolicy {
  /** flow id -> anomalous messages seen after its alert. */
  private readonly alertedFlows: FifoMap<number, number>;
  private readonly sources: FifoMap<string, SourceWindow>;
  readonly counters = {
    alerts: 0,
    suppressed_flow: 0,
    suppressed_rate: 0,
    flow_table_evictions: 0,
    source_table_evictions: 0,
  };

  constructor(readonly options: AlertPolicyOptions = DEFAULT_ALERT_POLICY) {
    this.alertedFlows = new FifoMap(options.maxTrackedFlows);
    this.sources = new FifoMap(options.maxTrackedSources);
  }

  decide(flowId: number, srcIp: string, tsSec: number): AlertDecision {
    const o = this.options;
    if (o.onePerFlow) {
      const seen = this.alertedFlows.get(flowId);
      if (seen !== undefined) {
        this.alertedFlows.set(flowId, seen + 1);
        this.counters.suppressed_flow++;
        return 'suppressed_flow';
      }
    }
    if (o.limitPerSource > 0) {
      let w = this.sources.get(srcIp);
      if (w === undefined) {
        w = { start: tsSec, count: 0 };
        if (this.sources.set(srcIp, w)) this.counters.source_table_evictions++;
      } else if (tsSec - w.start >= o.limitWindowSec || tsSec < w.start) {
        w.start = tsSec;
        w.count = 0;
      }
      if (w.count >= o.limitPerSource) {
        this.counters.suppressed_rate++;
        return 'suppressed_rate';
      }
      w.count++;
    }
    if (o.onePerFlow && this.alertedFlows.set(flowId, 0)) this.counters.flow_table_evictions++;
    this.counters.alerts++;
    return 'alert';
  }

  /** Anomalous messages seen in a flow after its alert was written. */
  suppressedInFlow(flowId: number): number {
    return this.alertedFlows.get(flowId) ?? 0;
  }

  /** Forget per-flow state, e.g. between capture files whose flow ids may repeat. */
  resetFlows(): void {
    this.alertedFlows.clear();
  }
}
