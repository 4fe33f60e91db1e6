import { DETECTORS, type Detector, type EvalColumns, type EvalFile, type Label } from './eval-types.js';
import type { SampleScores } from './detectors.js';
import type { FlowTable } from './flow-aggregate.js';

/**
 * Per-file confusion: every file has one label, so its alerts are all true
 * positives (anomalous file) or all false positives (benign file). The table
 * shows where a detector's errors come from, which the pooled rates hide.
 */
export interface AlertCounts {
  readonly samples: number;
  readonly flows: number;
}

export interface FileRow {
  readonly index: number;
  readonly path: string;
  readonly label: Label;
  readonly group?: string;
  readonly samples: number;
  readonly flows: number;
  readonly alertsBy: Readonly<Record<Detector, AlertCounts>>;
  /** Samples failing each structural rule, by rule name. */
  readonly ruleHits: Readonly<Record<string, number>>;
}

/** Counts of samples per set bit of the rule masks, named by `ruleNames`. */
export function ruleHitCounts(
  masks: ArrayLike<number>,
  ruleNames: (mask: number) => string[],
  select?: (i: number) => boolean,
): Record<string, number> {
  const perBit = new Float64Array(32);
  for (let i = 0; i < masks.length; i++) {
    let m = masks[i]! >>> 0;
    if (m === 0 || (select !== undefined && !select(i))) continue;
    for (let b = 0; m !== 0; b++, m >>>= 1) if (m & 1) perBit[b]!++;
  }
  const out: Record<string, number> = {};
  for (let b = 0; b < 32; b++) {
    if (perBit[b] === 0) continue;
    const names = ruleNames((1 << b) >>> 0);
    const name = names.length > 0 ? names.join('+') : `bit${b}`;
    out[name] = (out[name] ?? 0) + perBit[b]!;
  }
  return out;
}

export function fileTable(
  files: readonly EvalFile[],
  cols: EvalColumns,
  scores: SampleScores,
  flows: FlowTable,
  ruleNames: (mask: number) => string[],
): FileRow[] {
  const nf = files.length;
  const samples = new Float64Array(nf);
  const flowCount = new Float64Array(nf);
  const sampleAlerts = Object.fromEntries(DETECTORS.map((d) => [d, new Float64Array(nf)])) as Record<Detector, Float64Array>;
  const flowAlerts = Object.fromEntries(DETECTORS.map((d) => [d, new Float64Array(nf)])) as Record<Detector, Float64Array>;
  const masksByFile: number[][] = files.map(() => []);
  for (let i = 0; i < cols.count; i++) {
    const f = cols.fileIndex[i]!;
    if (f >= nf) throw new RangeError(`sample ${i} refers to file ${f}, but only ${nf} files were given`);
    samples[f]!++;
    for (const d of DETECTORS) sampleAlerts[d][f]! += scores.alerts[d][i]!;
    if (cols.ruleMask[i] !== 0) masksByFile[f]!.push(cols.ruleMask[i]!);
  }
  for (let r = 0; r < flows.count; r++) {
    const f = flows.fileIndex[r]!;
    flowCount[f]!++;
    for (const d of DETECTORS) flowAlerts[d][f]! += flows.alerts[d][r]!;
  }
  return files.map((file, f) => {
    const alertsBy = Object.fromEntries(
      DETECTORS.map((d) => [d, { samples: sampleAlerts[d][f]!, flows: flowAlerts[d][f]! }]),
    ) as Record<Detector, AlertCounts>;
    const row: FileRow = {
      index: f,
      path: file.path,
      label: file.label,
      ...(file.group === undefined ? {} : { group: file.group }),
      samples: samples[f]!,
      flows: flowCount[f]!,
      alertsBy,
      ruleHits: ruleHitCounts(masksByFile[f]!, ruleNames),
    };
    return row;
  });
}
