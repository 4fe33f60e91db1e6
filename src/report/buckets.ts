import { UsageError } from '../errors.js';

/**
 * Time buckets in UTC. A bucket is named by its index since the epoch, so
 * counters can be kept before the period is known (inputs are streamed and
 * may arrive in any order) and empty buckets need no storage.
 */
export const BUCKET_UNITS = ['hour', 'day', 'week'] as const;
export type BucketUnit = (typeof BUCKET_UNITS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** ISO weeks start on Monday; 1970-01-01 was a Thursday, so weeks count from Monday 1969-12-29. */
const WEEK_ORIGIN = -3 * DAY;

export function bucketMs(unit: BucketUnit): number {
  return unit === 'hour' ? HOUR : unit === 'day' ? DAY : 7 * DAY;
}

function origin(unit: BucketUnit): number {
  return unit === 'week' ? WEEK_ORIGIN : 0;
}

export function bucketIndex(tsMs: number, unit: BucketUnit): number {
  return Math.floor((tsMs - origin(unit)) / bucketMs(unit));
}

export function bucketStart(index: number, unit: BucketUnit): number {
  return index * bucketMs(unit) + origin(unit);
}

/** ISO 8601 label of a bucket's start: a date for days and weeks, date and hour for hours. */
export function bucketLabel(index: number, unit: BucketUnit): string {
  const iso = new Date(bucketStart(index, unit)).toISOString();
  return unit === 'hour' ? `${iso.slice(0, 13)}:00Z` : iso.slice(0, 10);
}

/** `--from`/`--to`: ISO 8601; a date alone is midnight UTC. */
export function parseInstant(name: string, value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}(T|$)/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`${name} takes an ISO 8601 date or time (e.g. 2026-11-16 or 2026-11-16T00:00:00Z), got '${value}'`);
  return ms;
}
