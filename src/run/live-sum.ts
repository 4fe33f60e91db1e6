import type { LiveSnapshot } from './live-stats.js';
import type { LossRatioCounts } from './loss-ratio-histogram.js';

/** The loss-ratio histograms of the workers as one (same bounds); undefined when none scores with the autoencoder. */
export function sumLoss(list: readonly (LossRatioCounts | undefined)[]): LossRatioCounts | undefined {
  const have = list.filter((x): x is LossRatioCounts => x !== undefined);
  if (have.length === 0) return undefined;
  return {
    bounds: have[0]!.bounds,
    cumulative: have[0]!.cumulative.map((_, i) => have.reduce((s, h) => s + h.cumulative[i]!, 0)),
    sum: have.reduce((s, h) => s + h.sum, 0),
    count: have.reduce((s, h) => s + h.count, 0),
  };
}

const MAX_FIELDS: ReadonlySet<string> = new Set(['queue_high_water']);

/** The sensor's counters from its workers': numbers summed (the queue high-water mark the largest), the model id worker 0's. */
export function sumSnapshots(list: readonly LiveSnapshot[], global: Partial<LiveSnapshot>): LiveSnapshot {
  const out: Record<string, unknown> = { ...list[0]! };
  for (const [k, v] of Object.entries(list[0]!)) {
    if (typeof v !== 'number') continue;
    out[k] = MAX_FIELDS.has(k) ? Math.max(...list.map((s) => s[k as keyof LiveSnapshot] as number)) : list.reduce((t, s) => t + (s[k as keyof LiveSnapshot] as number), 0);
  }
  const bySig: Record<string, number> = {};
  for (const s of list) for (const [id, n] of Object.entries(s.alerts_by_signature)) bySig[id] = (bySig[id] ?? 0) + n;
  out.alerts_by_signature = bySig;
  return { ...(out as unknown as LiveSnapshot), ...global };
}
