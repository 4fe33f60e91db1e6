import { basename } from 'node:path';
import { bucketIndex, type BucketUnit } from './buckets.js';
import { KIND_COUNT, OTHER, TUNNEL, type AlertFields } from './eve-record.js';
import { SpaceSaving } from './top-n.js';

/**
 * Everything the report keeps while streaming: counters per (bucket,
 * sensor, series), three bounded top-N tables and the models seen. Memory
 * grows with buckets x sensors, never with records.
 */
export const MAX_SENSORS = 64;
/** Sensors beyond MAX_SENSORS share one slot, reported as such. */
export const OVERFLOW_SENSOR = '(other sensors)';
export const MAX_MODELS = 64;
export const MAX_MALFORMED_KEPT = 20;

export interface TallyOptions {
  readonly unit: BucketUnit;
  /** Top-N tables count records of buckets [periodFrom, periodTo); undefined: unbounded. */
  readonly periodFrom: number | undefined;
  readonly periodTo: number | undefined;
  readonly topCapacity: number;
}

/** Header-stage and tunnel-stage models are separate networks, retrained apart. */
export type ModelStage = 'header' | 'tunnel';

export interface ModelUse {
  readonly stage: ModelStage;
  readonly modelId: string;
  readonly threshold: number | null;
  count: number;
  first: number;
  last: number;
}

export interface FileStats {
  readonly file: string;
  lines: number;
  alerts: number;
  otherProducers: number;
  notAlert: number;
  malformed: number;
  blank: number;
}

const ROW = (MAX_SENSORS + 1) * KIND_COUNT;

export class Tally {
  /** bucket index -> counts at [sensorSlot * KIND_COUNT + kind]. */
  readonly buckets = new Map<number, Uint32Array>();
  readonly sensors: string[] = [];
  private readonly sensorSlot = new Map<string, number>();
  readonly sources: SpaceSaving;
  readonly destinations: SpaceSaving;
  readonly domains: SpaceSaving;
  readonly models = new Map<string, ModelUse>();
  modelsDropped = 0;
  readonly files: FileStats[] = [];
  readonly malformedAt: string[] = [];
  malformed = 0;
  /** Alert records in the period, dnsae and other producers (top-N and models cover only these). */
  inPeriod = 0;
  /** Alert records whose bucket is after the period: read and dropped. */
  afterPeriod = 0;

  constructor(readonly options: TallyOptions) {
    this.sources = new SpaceSaving(options.topCapacity);
    this.destinations = new SpaceSaving(options.topCapacity);
    this.domains = new SpaceSaving(options.topCapacity);
  }

  startFile(file: string): FileStats {
    const f: FileStats = { file, lines: 0, alerts: 0, otherProducers: 0, notAlert: 0, malformed: 0, blank: 0 };
    this.files.push(f);
    return f;
  }

  noteMalformed(f: FileStats, line: number): void {
    f.malformed++;
    this.malformed++;
    if (this.malformedAt.length < MAX_MALFORMED_KEPT) this.malformedAt.push(`${f.file}:${line}`);
  }

  addAlert(f: FileStats, a: AlertFields): void {
    const b = bucketIndex(a.tsMs, this.options.unit);
    const { periodFrom, periodTo } = this.options;
    if (periodTo !== undefined && b >= periodTo) {
      this.afterPeriod++;
      return;
    }
    if (a.kind === OTHER) f.otherProducers++;
    else f.alerts++;
    let row = this.buckets.get(b);
    if (row === undefined) {
      row = new Uint32Array(ROW);
      this.buckets.set(b, row);
    }
    row[this.slotOf(a.sensor ?? basename(f.file)) * KIND_COUNT + a.kind]!++;
    // Earlier buckets feed the bands' lead-in and the previous period only.
    if (periodFrom !== undefined && b < periodFrom) return;
    this.inPeriod++;
    if (a.kind === OTHER) return;
    if (a.src !== undefined) this.sources.add(a.src, a.tsMs);
    if (a.dest !== undefined) this.destinations.add(a.dest, a.tsMs);
    if (a.domain !== undefined) this.domains.add(a.domain, a.tsMs);
    if (a.modelId !== undefined) this.noteModel(a.kind === TUNNEL ? 'tunnel' : 'header', a.modelId, a.threshold, a.tsMs);
  }

  private slotOf(name: string): number {
    const s = this.sensorSlot.get(name);
    if (s !== undefined) return s;
    if (this.sensors.length >= MAX_SENSORS) {
      this.sensorSlot.set(name, MAX_SENSORS);
      return MAX_SENSORS;
    }
    this.sensors.push(name);
    this.sensorSlot.set(name, this.sensors.length - 1);
    return this.sensors.length - 1;
  }

  /** True when some sensor was folded into the overflow slot. */
  get sensorOverflow(): boolean {
    return this.sensorSlot.size > this.sensors.length;
  }

  private noteModel(stage: ModelStage, modelId: string, threshold: number | undefined, ts: number): void {
    const key = `${stage}\u0000${modelId}\u0000${threshold ?? ''}`;
    const m = this.models.get(key);
    if (m !== undefined) {
      m.count++;
      if (ts < m.first) m.first = ts;
      if (ts > m.last) m.last = ts;
      return;
    }
    if (this.models.size >= MAX_MODELS) {
      this.modelsDropped++;
      return;
    }
    this.models.set(key, { stage, modelId, threshold: threshold ?? null, count: 1, first: ts, last: ts });
  }
}
