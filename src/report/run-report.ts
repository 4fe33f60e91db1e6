import type { DnsaeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { bucketIndex, type BucketUnit } from './buckets.js';
import { classify, type AlertFields } from './eve-record.js';
import { readProgress } from './progress.js';
import { readLines, statInput, type InputFile } from './reader.js';
import { buildSummary, type ReportSummary } from './summary.js';
import { Tally } from './tally.js';

export interface ReportOptions {
  readonly unit: BucketUnit;
  readonly window: number;
  readonly fromMs: number | undefined;
  readonly toMs: number | undefined;
  readonly allProducers: boolean;
  /** Keys each top-N table tracks. */
  readonly topCapacity?: number;
  /** Rows each top-N table shows. */
  readonly topShow?: number;
  /** Progress bar on a terminal; tests pass false. */
  readonly progress?: boolean;
}

export interface ReportResult {
  readonly summary: ReportSummary;
  /** Inputs that failed partway (a damaged .gz): what was read before is counted. */
  readonly errors: DnsaeError[];
}

/** Malformed lines logged one by one up to this many; the rest are counted (a damaged file can be all garbage). */
const MAX_MALFORMED_LOGGED = 100;
const PROGRESS_EVERY = 1 << 14;

export async function runReport(inputs: readonly string[], o: ReportOptions, log: Logger): Promise<ReportResult> {
  const periodFrom = o.fromMs === undefined ? undefined : bucketIndex(o.fromMs, o.unit);
  // The period ends with the last bucket that starts before --to.
  const periodTo = o.toMs === undefined ? undefined : bucketIndex(o.toMs - 1, o.unit) + 1;
  const tally = new Tally({ unit: o.unit, periodFrom, periodTo, topCapacity: o.topCapacity ?? 1000 });
  // Every input is opened before any is read: a report silently missing one sensor's file would
  // read as a quiet week for that sensor.
  const files: InputFile[] = [];
  for (const name of inputs) files.push(await statInput(name));
  const errors: DnsaeError[] = [];
  const sized = files.every((f) => f.size !== undefined);
  const progress = o.progress === false ? readProgress(undefined, false) : readProgress(sized ? files.reduce((a, f) => a + f.size!, 0) : undefined);
  const a: AlertFields = { tsMs: 0, kind: 0, sensor: undefined, src: undefined, dest: undefined, domain: undefined, modelId: undefined, threshold: undefined };
  let totalLines = 0;
  let logged = 0;
  try {
    for (const input of files) {
      const f = tally.startFile(input.name === '-' ? '(stdin)' : input.name);
      try {
        for await (const line of readLines(input, (n) => progress.bytes(n))) {
          f.lines++;
          if ((++totalLines & (PROGRESS_EVERY - 1)) === 0) progress.lines(totalLines);
          if (line.trim() === '') {
            f.blank++;
            continue;
          }
          let rec: unknown;
          try {
            rec = JSON.parse(line);
          } catch {
            rec = undefined;
          }
          const c = classify(rec, a);
          if (c === 'alert') tally.addAlert(f, a);
          else if (c === 'not-alert') f.notAlert++;
          else {
            tally.noteMalformed(f, f.lines);
            if (logged++ < MAX_MALFORMED_LOGGED) log.warn({ file: f.file, line: f.lines }, 'malformed line skipped');
            else if (logged === MAX_MALFORMED_LOGGED + 1) log.warn('more malformed lines: counted, not logged');
          }
        }
      } catch (err) {
        errors.push(err as DnsaeError);
      }
    }
  } finally {
    progress.stop();
  }
  const summary = buildSummary(tally, {
    unit: o.unit,
    window: o.window,
    allProducers: o.allProducers,
    periodFrom,
    periodTo,
    topShow: o.topShow ?? 20,
  });
  return { summary, errors };
}
