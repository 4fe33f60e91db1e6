import { QUESTION_FEATURE_COUNT, QUESTION_FEATURES } from '../features/question/question-features.js';
import { logHistogram, type LogHistogram } from './histogram.js';
import { confusionFromAlerts, rates, rocCurve, trapezoidAuc, type Rates, type RocCurve } from './metrics.js';
import { BASELINE_RULES, TUNNEL_CLASSES, type TunnelClass, type TunnelCollected } from './tunnel-collector.js';

/**
 * The tunnel stage's metrics (docs/evaluation.md, "Evaluating the tunnel
 * stage"). Benign captures are the negative class, --tunnels captures the
 * positive one; windows and sessions of --anomalous captures (non-DNS on
 * port 53) are counted apart and enter no rate.
 *
 * A session's model score is its highest window loss over the threshold,
 * so sessions compare across thresholds; it alerts when any window did.
 * Its baseline score is the number of distinct baseline rules any of its
 * windows broke (0 to 3); it alerts at 1 or more. Ties (many sessions at
 * 0 rules) are handled by rocCurve: tied scores enter the curve together.
 */
export interface TunnelFile {
  readonly path: string;
  readonly cls: TunnelClass;
  readonly group?: string;
}

export interface TunnelFileRow {
  readonly index: number;
  readonly path: string;
  readonly cls: TunnelClass;
  readonly group?: string;
  readonly sessions: number;
  readonly windows: number;
  readonly alerted: { readonly sessions: number; readonly windows: number };
  readonly baseline: { readonly sessions: number; readonly windows: number };
}

export interface TunnelSide {
  readonly model: Rates;
  readonly baseline: Rates;
}

/** What the anomalous (non-DNS) captures gave: informative only. */
export interface TunnelApart {
  readonly windows: number;
  readonly sessions: number;
  readonly alerted: { readonly sessions: number; readonly windows: number };
  readonly baseline: { readonly sessions: number; readonly windows: number };
}

export interface TunnelEvaluation {
  readonly modelId: string;
  readonly threshold: number;
  readonly windowSec: number;
  readonly counts: {
    readonly benignWindows: number;
    readonly tunnelWindows: number;
    readonly benignSessions: number;
    readonly tunnelSessions: number;
  };
  readonly perWindow: TunnelSide;
  readonly perSession: TunnelSide & {
    readonly auc: { readonly model: number | null; readonly baseline: number | null };
    readonly roc: { readonly model: RocCurve; readonly baseline: RocCurve };
  };
  readonly anomalous: TunnelApart;
  /** Windows breaking each baseline rule, per class. */
  readonly ruleHits: Readonly<Record<(typeof TUNNEL_CLASSES)[number], Readonly<Record<string, number>>>>;
  /** Window loss ratios, benign (0) vs tunnel (1), on log bins; the model threshold is at 1. */
  readonly ratioHistogram: LogHistogram;
  readonly perFeatureMean: {
    readonly features: readonly string[];
    readonly benign: (number | null)[];
    readonly tunnel: (number | null)[];
  };
  readonly files: TunnelFileRow[];
}

export interface TunnelEvalInput {
  readonly files: readonly TunnelFile[];
  readonly collected: TunnelCollected;
  readonly modelId: string;
  readonly threshold: number;
  readonly windowSec: number;
}

const HIST_BINS = 60;

function popcount3(m: number): number {
  return (m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1);
}

function featureMean(c: TunnelCollected, cls: TunnelClass): (number | null)[] {
  const n = c.featureWindows[cls];
  const out: (number | null)[] = [];
  for (let k = 0; k < QUESTION_FEATURE_COUNT; k++) out.push(n === 0 ? null : c.featureErrorSum[cls * QUESTION_FEATURE_COUNT + k]! / n);
  return out;
}

export function computeTunnelEvaluation(input: TunnelEvalInput): TunnelEvaluation {
  const { windows: w, sessions } = input.collected;
  const nf = input.files.length;
  const ns = sessions.length;
  const clsOfFile = (f: number): TunnelClass => {
    if (f >= nf) throw new RangeError(`a window refers to file ${f}, but only ${nf} files were given`);
    return input.files[f]!.cls;
  };

  // Sessions: highest ratio, any model hit, union of baseline rules, window count.
  const sScore = new Float64Array(ns).fill(Number.NEGATIVE_INFINITY);
  const sHit = new Uint8Array(ns);
  const sRules = new Uint8Array(ns);
  const sWindows = new Uint32Array(ns);
  for (let i = 0; i < w.count; i++) {
    const s = w.session[i]!;
    const r = w.ratio[i]!;
    if (Number.isNaN(r) || r > sScore[s]!) sScore[s] = Number.isNaN(r) ? Number.POSITIVE_INFINITY : r;
    sHit[s]! |= w.hit[i]!;
    sRules[s]! |= w.rules[i]!;
    sWindows[s]!++;
  }

  // Rates over benign and tunnel only: gather each level's rows of those classes.
  const winRows: number[] = [];
  for (let i = 0; i < w.count; i++) if (clsOfFile(sessions[w.session[i]!]!.file) !== 2) winRows.push(i);
  const sesRows: number[] = [];
  for (let s = 0; s < ns; s++) if (clsOfFile(sessions[s]!.file) !== 2) sesRows.push(s);
  const pick = <T extends ArrayLike<number>>(a: T, rows: readonly number[], f: (v: number) => number = (v) => v): Float64Array =>
    Float64Array.from(rows, (i) => f(a[i]!));
  const winLabels = Float64Array.from(winRows, (i) => (clsOfFile(sessions[w.session[i]!]!.file) === 1 ? 1 : 0));
  const sesLabels = Float64Array.from(sesRows, (s) => (clsOfFile(sessions[s]!.file) === 1 ? 1 : 0));
  const sesBaseScore = pick(sRules, sesRows, popcount3);
  const sesModelScore = pick(sScore, sesRows);
  const roc = { model: rocCurve(sesModelScore, sesLabels), baseline: rocCurve(sesBaseScore, sesLabels) };

  // Per file, and the anomalous captures' totals.
  const fSessions = new Float64Array(nf);
  const fWindows = new Float64Array(nf);
  const fAlertS = new Float64Array(nf);
  const fAlertW = new Float64Array(nf);
  const fBaseS = new Float64Array(nf);
  const fBaseW = new Float64Array(nf);
  const ruleHits = TUNNEL_CLASSES.map(() => ({}) as Record<string, number>);
  for (let i = 0; i < w.count; i++) {
    const f = sessions[w.session[i]!]!.file;
    fWindows[f]!++;
    fAlertW[f]! += w.hit[i]!;
    if (w.rules[i] !== 0) fBaseW[f]!++;
    const hits = ruleHits[clsOfFile(f)]!;
    BASELINE_RULES.forEach((name, k) => {
      if ((w.rules[i]! & (1 << k)) !== 0) hits[name] = (hits[name] ?? 0) + 1;
    });
  }
  for (let s = 0; s < ns; s++) {
    const f = sessions[s]!.file;
    fSessions[f]!++;
    fAlertS[f]! += sHit[s]!;
    if (sRules[s] !== 0) fBaseS[f]!++;
  }
  const files: TunnelFileRow[] = input.files.map((file, f) => ({
    index: f,
    path: file.path,
    cls: file.cls,
    ...(file.group === undefined ? {} : { group: file.group }),
    sessions: fSessions[f]!,
    windows: fWindows[f]!,
    alerted: { sessions: fAlertS[f]!, windows: fAlertW[f]! },
    baseline: { sessions: fBaseS[f]!, windows: fBaseW[f]! },
  }));
  const sum = (cls: TunnelClass, pickRow: (r: TunnelFileRow) => number): number =>
    files.reduce((a, r) => (r.cls === cls ? a + pickRow(r) : a), 0);

  const winRatio = pick(w.ratio, winRows);
  return {
    modelId: input.modelId,
    threshold: input.threshold,
    windowSec: input.windowSec,
    counts: {
      benignWindows: sum(0, (r) => r.windows),
      tunnelWindows: sum(1, (r) => r.windows),
      benignSessions: sum(0, (r) => r.sessions),
      tunnelSessions: sum(1, (r) => r.sessions),
    },
    perWindow: {
      model: rates(confusionFromAlerts(pick(w.hit, winRows), winLabels)),
      baseline: rates(confusionFromAlerts(pick(w.rules, winRows), winLabels)),
    },
    perSession: {
      model: rates(confusionFromAlerts(pick(sHit, sesRows), sesLabels)),
      baseline: rates(confusionFromAlerts(sesBaseScore, sesLabels)),
      auc: { model: trapezoidAuc(roc.model), baseline: trapezoidAuc(roc.baseline) },
      roc,
    },
    anomalous: {
      windows: sum(2, (r) => r.windows),
      sessions: sum(2, (r) => r.sessions),
      alerted: { sessions: sum(2, (r) => r.alerted.sessions), windows: sum(2, (r) => r.alerted.windows) },
      baseline: { sessions: sum(2, (r) => r.baseline.sessions), windows: sum(2, (r) => r.baseline.windows) },
    },
    ruleHits: { benign: ruleHits[0]!, tunnel: ruleHits[1]!, anomalous: ruleHits[2]! },
    ratioHistogram: logHistogram(winRatio, winLabels, HIST_BINS, [1]),
    perFeatureMean: { features: [...QUESTION_FEATURES], benign: featureMean(input.collected, 0), tunnel: featureMean(input.collected, 1) },
    files,
  };
}
