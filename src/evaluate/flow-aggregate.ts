import { DETECTORS, type Detector, type EvalColumns } from './eval-types.js';
import type { SampleScores } from './detectors.js';

/**
 * Flow-level view, the unit a SOC analyst triages: a flow alerts for a
 * detector when any of its samples does, and its continuous score is the
 * maximum over its samples. A flow is identified by (fileIndex, flowKey);
 * it is anomalous if any of its samples is labelled so (all samples of a
 * file share one label, so in practice this is the file's label).
 */
export interface FlowTable {
  readonly count: number;
  readonly fileIndex: Uint32Array;
  readonly flowKey: Float64Array;
  readonly label: Uint8Array;
  readonly samples: Uint32Array;
  readonly aeScore: Float64Array;
  readonly hybridScore: Float64Array;
  readonly alerts: Readonly<Record<Detector, Uint8Array>>;
  /** Flow row of every sample. */
  readonly flowOfSample: Uint32Array;
}

export function aggregateFlows(cols: EvalColumns, scores: SampleScores): FlowTable {
  const n = cols.count;
  const byFile = new Map<number, Map<number, number>>();
  const flowOfSample = new Uint32Array(n);
  let flows = 0;
  for (let i = 0; i < n; i++) {
    const f = cols.fileIndex[i]!;
    let m = byFile.get(f);
    if (m === undefined) {
      m = new Map();
      byFile.set(f, m);
    }
    const key = cols.flowKey[i]!;
    let row = m.get(key);
    if (row === undefined) {
      row = flows++;
      m.set(key, row);
    }
    flowOfSample[i] = row;
  }
  const fileIndex = new Uint32Array(flows);
  const flowKey = new Float64Array(flows);
  const label = new Uint8Array(flows);
  const samples = new Uint32Array(flows);
  const aeScore = new Float64Array(flows).fill(Number.NEGATIVE_INFINITY);
  const hybridScore = new Float64Array(flows).fill(Number.NEGATIVE_INFINITY);
  const alerts = Object.fromEntries(DETECTORS.map((d) => [d, new Uint8Array(flows)])) as Record<Detector, Uint8Array>;
  for (let i = 0; i < n; i++) {
    const r = flowOfSample[i]!;
    fileIndex[r] = cols.fileIndex[i]!;
    flowKey[r] = cols.flowKey[i]!;
    if (cols.label[i] !== 0) label[r] = 1;
    samples[r]!++;
    if (scores.aeScore[i]! > aeScore[r]!) aeScore[r] = scores.aeScore[i]!;
    if (scores.hybridScore[i]! > hybridScore[r]!) hybridScore[r] = scores.hybridScore[i]!;
    for (const d of DETECTORS) if (scores.alerts[d][i] !== 0) alerts[d][r] = 1;
  }
  return { count: flows, fileIndex, flowKey, label, samples, aeScore, hybridScore, alerts, flowOfSample };
}
