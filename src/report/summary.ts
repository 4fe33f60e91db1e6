import { UsageError } from '../errors.js';
import { trailingBands } from './bands.js';
import { bucketLabel, bucketStart, type BucketUnit } from './buckets.js';
import { KIND_COUNT, KIND_LABEL, OTHER, SERIES_KINDS } from './eve-record.js';
import { MAX_SENSORS, OVERFLOW_SENSOR, type FileStats, type ModelStage, type Tally } from './tally.js';
import type { TopEntry } from './top-n.js';

/** The report as data: the JSON summary is this object, the text and HTML render it. */
export interface Series {
  readonly id: string;
  readonly label: string;
  readonly counts: number[];
  readonly mean: (number | null)[];
  readonly sd: (number | null)[];
  /** Indexes into counts of buckets outside the two-sigma band. */
  readonly flagged: number[];
  readonly total: number;
}

export interface Flag {
  readonly series: string;
  readonly bucket: string;
  readonly count: number;
  readonly mean: number;
  readonly sd: number;
  readonly direction: 'above' | 'below';
}

export interface TopRow {
  readonly key: string;
  readonly count: number;
  readonly error: number;
  readonly first: string;
  readonly last: string;
}

export interface ModelRow {
  readonly stage: ModelStage;
  readonly model_id: string;
  readonly threshold: number | null;
  readonly alerts: number;
  readonly first: string;
  readonly last: string;
  /** Bucket index (into buckets) where it first appears, for the chart marker. */
  readonly first_bucket: number;
  /** A later model of a stage that had one before in the period: a retrain or rollout, marked on the charts. */
  readonly change: boolean;
}

export interface ReportSummary {
  readonly period: {
    readonly bucket: BucketUnit;
    readonly window: number;
    readonly from: string | null;
    readonly to: string | null;
    readonly buckets: number;
  };
  readonly buckets: string[];
  readonly totals: {
    readonly alerts: number;
    readonly by_series: Record<string, number>;
    readonly previous: { readonly from: string; readonly to: string; readonly complete: boolean; readonly alerts: number; readonly by_series: Record<string, number> } | null;
  };
  readonly fleet: Series[];
  readonly sensors: Series[];
  readonly flagged: Flag[];
  readonly top: { readonly sources: TopRow[]; readonly destinations: TopRow[]; readonly registered_domains: TopRow[] };
  readonly top_sketch: { readonly algorithm: 'space-saving'; readonly capacity: number; readonly evictions: Record<string, number> };
  readonly models: ModelRow[];
  readonly models_dropped: number;
  readonly inputs: {
    readonly files: FileStats[];
    readonly malformed: number;
    readonly malformed_at: string[];
    readonly after_period: number;
    readonly sensors_overflow: boolean;
  };
}

export interface SummaryOptions {
  readonly unit: BucketUnit;
  readonly window: number;
  readonly allProducers: boolean;
  /** Period in bucket indexes, [from, to); undefined: the data's extent. */
  readonly periodFrom: number | undefined;
  readonly periodTo: number | undefined;
  readonly topShow: number;
}

export const MAX_BUCKETS = 20_000;

const iso = (ms: number): string => new Date(ms).toISOString();

function topRows(e: readonly TopEntry[]): TopRow[] {
  return e.map((t) => ({ key: t.key, count: t.count, error: t.error, first: iso(t.first), last: iso(t.last) }));
}

export function buildSummary(tally: Tally, o: SummaryOptions): ReportSummary {
  let lo = Infinity;
  let hi = -Infinity;
  for (const [b, row] of tally.buckets) {
    // Other producers do not stretch the period unless they are reported.
    let any = false;
    for (let k = 0; k < row.length && !any; k++) any = row[k]! > 0 && (o.allProducers || k % KIND_COUNT !== OTHER);
    if (!any) continue;
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  const from = o.periodFrom ?? (Number.isFinite(lo) ? lo : 0);
  const to = o.periodTo ?? (Number.isFinite(hi) ? hi + 1 : from);
  const n = Math.max(0, to - from);
  if (n > MAX_BUCKETS) {
    throw new UsageError(`the period spans ${n} ${o.unit} buckets (at most ${MAX_BUCKETS}): bound it with --from/--to or a larger --bucket`);
  }
  // Lead-in: up to `window` buckets before the period, where data exists, warm the bands up.
  const start = Number.isFinite(lo) ? Math.min(from, Math.max(lo, from - o.window)) : from;
  const len = to - start;
  const skip = from - start;
  const sensorCount = tally.sensors.length + (tally.sensorOverflow ? 1 : 0);
  const sensorNames = [...tally.sensors, ...(tally.sensorOverflow ? [OVERFLOW_SENSOR] : [])];
  const slotOf = (i: number): number => (i < tally.sensors.length ? i : MAX_SENSORS);

  // raw[kind][t] over all sensors; bySensor[s][t] over dnsae kinds.
  const raw = Array.from({ length: KIND_COUNT }, () => new Array<number>(len).fill(0));
  const bySensor = Array.from({ length: sensorCount }, () => new Array<number>(len).fill(0));
  for (let t = 0; t < len; t++) {
    const row = tally.buckets.get(start + t);
    if (row === undefined) continue;
    for (let s = 0; s < sensorCount; s++) {
      const base = slotOf(s) * KIND_COUNT;
      for (let k = 0; k < KIND_COUNT; k++) {
        const c = row[base + k]!;
        raw[k]![t] += c;
        if (k !== OTHER) bySensor[s]![t] += c;
      }
    }
  }
  const flags: Flag[] = [];
  const labels = Array.from({ length: n }, (_, t) => bucketLabel(from + t, o.unit));
  const series = (id: string, label: string, counts: number[]): Series => {
    const b = trailingBands(counts, o.window);
    const flagged = b.flagged.filter((t) => t >= skip).map((t) => t - skip);
    const c = counts.slice(skip);
    const mean = b.mean.slice(skip);
    const sd = b.sd.slice(skip);
    for (const t of flagged) {
      flags.push({ series: id, bucket: labels[t]!, count: c[t]!, mean: mean[t]!, sd: sd[t]!, direction: c[t]! > mean[t]! ? 'above' : 'below' });
    }
    return { id, label, counts: c, mean, sd, flagged, total: c.reduce((x, y) => x + y, 0) };
  };
  const dnsaeAll = raw[0]!.map((_, t) => raw[0]![t]! + raw[1]![t]! + raw[2]![t]! + raw[3]![t]!);
  const fleet: Series[] = [series('all', 'all dnsae alerts', dnsaeAll)];
  SERIES_KINDS.forEach((k, i) => fleet.push(series(k, KIND_LABEL[k], raw[i]!)));
  if (o.allProducers) fleet.push(series('other', KIND_LABEL.other, raw[OTHER]!));
  const sensors = sensorNames.map((name, s) => series(`sensor:${name}`, name, bySensor[s]!));

  const by_series: Record<string, number> = {};
  for (const s of fleet.slice(1)) by_series[s.id] = s.total;
  const previous = previousPeriod(tally, o, from, n, lo, sensorCount, slotOf);
  const stagesSeen = new Set<ModelStage>();
  const models = [...tally.models.values()]
    .sort((a, b) => a.first - b.first)
    .map((m) => {
      const change = stagesSeen.has(m.stage);
      stagesSeen.add(m.stage);
      return { m, change };
    })
    .map(({ m, change }) => ({
      stage: m.stage,
      change,
      model_id: m.modelId,
      threshold: m.threshold,
      alerts: m.count,
      first: iso(m.first),
      last: iso(m.last),
      first_bucket: Math.floor((m.first - bucketStart(from, o.unit)) / (bucketStart(from + 1, o.unit) - bucketStart(from, o.unit))),
    }));
  return {
    period: {
      bucket: o.unit,
      window: o.window,
      from: n === 0 ? null : iso(bucketStart(from, o.unit)),
      to: n === 0 ? null : iso(bucketStart(to, o.unit)),
      buckets: n,
    },
    buckets: labels,
    totals: { alerts: fleet[0]!.total, by_series, previous },
    fleet,
    sensors,
    flagged: flags,
    top: {
      sources: topRows(tally.sources.top(o.topShow)),
      destinations: topRows(tally.destinations.top(o.topShow)),
      registered_domains: topRows(tally.domains.top(o.topShow)),
    },
    top_sketch: {
      algorithm: 'space-saving',
      capacity: tally.sources.capacity,
      evictions: { sources: tally.sources.evictions, destinations: tally.destinations.evictions, registered_domains: tally.domains.evictions },
    },
    models,
    models_dropped: tally.modelsDropped,
    inputs: {
      files: tally.files,
      malformed: tally.malformed,
      malformed_at: tally.malformedAt,
      after_period: tally.afterPeriod,
      sensors_overflow: tally.sensorOverflow,
    },
  };
}

/** Totals of the n buckets before the period; complete when data reaches back that far. */
function previousPeriod(
  tally: Tally,
  o: SummaryOptions,
  from: number,
  n: number,
  lo: number,
  sensorCount: number,
  slotOf: (i: number) => number,
): ReportSummary['totals']['previous'] {
  if (n === 0 || o.periodFrom === undefined) return null;
  const by = new Array<number>(KIND_COUNT).fill(0);
  for (let b = from - n; b < from; b++) {
    const row = tally.buckets.get(b);
    if (row === undefined) continue;
    for (let s = 0; s < sensorCount; s++) for (let k = 0; k < KIND_COUNT; k++) by[k] += row[slotOf(s) * KIND_COUNT + k]!;
  }
  const by_series: Record<string, number> = {};
  SERIES_KINDS.forEach((k, i) => (by_series[k] = by[i]!));
  if (o.allProducers) by_series.other = by[OTHER]!;
  return {
    from: iso(bucketStart(from - n, o.unit)),
    to: iso(bucketStart(from, o.unit)),
    complete: Number.isFinite(lo) && lo <= from - n,
    alerts: by[0]! + by[1]! + by[2]! + by[3]!,
    by_series,
  };
}
