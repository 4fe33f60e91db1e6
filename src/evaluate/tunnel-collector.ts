import { QUESTION_FEATURE_COUNT, windowFeatures } from '../features/question/question-features.js';
import type { QuestionModel } from '../model/question/question-model.js';
import { baselineRules } from '../scoring/question/heuristic-baseline.js';
import type { ScoredWindow } from '../scoring/question/tunnel-stage.js';
import { WindowScorer } from '../scoring/question/window-scorer.js';

/**
 * What the tunnel stage's evaluation keeps of every scored window: the
 * window's file and session, its loss over the threshold, the model's and
 * the baseline's verdicts, and per class the summed squared error of each
 * feature. A session is every window of one (client, registered domain) in
 * one capture file (docs/evaluation.md, "Evaluating the tunnel stage").
 */

/** Class of a capture for the tunnel stage: 0 benign, 1 tunnel (positive), 2 anomalous non-DNS (reported apart). */
export type TunnelClass = 0 | 1 | 2;
export const TUNNEL_CLASSES = ['benign', 'tunnel', 'anomalous'] as const;

/** The baseline's rules, by bit (heuristic-baseline.ts names). */
export const BASELINE_RULES = ['name_length', 'label_entropy', 'txt_null_share'] as const;

export interface TunnelSession {
  readonly file: number;
  readonly client: string;
  readonly domain: string;
}

export interface TunnelWindows {
  readonly count: number;
  readonly session: Uint32Array;
  /** loss / threshold; +Infinity for a loss the model could not compute (NaN) or a zero threshold under a positive loss. */
  readonly ratio: Float64Array;
  /** 1 = the model alerted (loss > threshold, as the stage decides). */
  readonly hit: Uint8Array;
  /** Bit k set = the window breaks BASELINE_RULES[k]. */
  readonly rules: Uint8Array;
  readonly queries: Uint32Array;
}

export interface TunnelCollected {
  readonly windows: TunnelWindows;
  readonly sessions: readonly TunnelSession[];
  /** Summed squared error per feature, [class * QUESTION_FEATURE_COUNT + feature]. */
  readonly featureErrorSum: Float64Array;
  /** Windows per class behind featureErrorSum. */
  readonly featureWindows: readonly [number, number, number];
}

export function lossRatio(loss: number, threshold: number): number {
  if (Number.isNaN(loss)) return Number.POSITIVE_INFINITY;
  if (threshold > 0) return loss / threshold;
  return loss > 0 ? Number.POSITIVE_INFINITY : 0;
}

export class TunnelCollector {
  private n = 0;
  private session = new Uint32Array(1024);
  private ratio = new Float64Array(1024);
  private hit = new Uint8Array(1024);
  private rules = new Uint8Array(1024);
  private queries = new Uint32Array(1024);
  private readonly sessions: TunnelSession[] = [];
  /** (client, domain) -> session, for the file being read; files arrive one after another. */
  private keys = new Map<string, number>();
  private keysFile = -1;
  private readonly scorer: WindowScorer;
  private readonly x = new Float32Array(QUESTION_FEATURE_COUNT);
  private readonly err = new Float32Array(QUESTION_FEATURE_COUNT);
  private readonly errSum = new Float64Array(3 * QUESTION_FEATURE_COUNT);
  private readonly errWindows: [number, number, number] = [0, 0, 0];
  private readonly windowSec: number;

  constructor(
    model: QuestionModel,
    /** Class of each input, by source index. */
    private readonly classes: readonly TunnelClass[],
  ) {
    this.scorer = new WindowScorer(model.layers);
    this.windowSec = model.meta.windowSec;
  }

  /** The stage's onScored hook. */
  readonly onScored = (w: ScoredWindow): void => {
    const file = w.sourceIndex;
    if (file !== this.keysFile) {
      this.keys = new Map();
      this.keysFile = file;
    }
    const key = `${w.client} ${w.domain}`;
    let s = this.keys.get(key);
    if (s === undefined) {
      s = this.sessions.length;
      this.sessions.push({ file, client: w.client, domain: w.domain });
      this.keys.set(key, s);
    }
    if (this.n === this.ratio.length) this.grow();
    const i = this.n++;
    this.session[i] = s;
    this.ratio[i] = lossRatio(w.loss, w.threshold);
    this.hit[i] = w.hit ? 1 : 0;
    let mask = 0;
    for (const r of baselineRules(w.table, w.slot)) {
      const k = (BASELINE_RULES as readonly string[]).indexOf(r);
      if (k >= 0) mask |= 1 << k;
    }
    this.rules[i] = mask;
    this.queries[i] = w.queries;
    // The stage keeps only the loss; the per-feature errors are one more forward pass, here and nowhere else.
    windowFeatures(w.table, w.slot, this.windowSec, this.x, 0);
    this.scorer.lossPerFeature(this.x, 0, this.err);
    const c = this.classes[file] ?? 0;
    const base = c * QUESTION_FEATURE_COUNT;
    for (let k = 0; k < QUESTION_FEATURE_COUNT; k++) this.errSum[base + k]! += this.err[k]!;
    this.errWindows[c]++;
  };

  private grow(): void {
    const m = this.ratio.length * 2;
    const g = <T extends Uint32Array | Float64Array | Uint8Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.session = g(this.session, new Uint32Array(m));
    this.ratio = g(this.ratio, new Float64Array(m));
    this.hit = g(this.hit, new Uint8Array(m));
    this.rules = g(this.rules, new Uint8Array(m));
    this.queries = g(this.queries, new Uint32Array(m));
  }

  build(): TunnelCollected {
    const n = this.n;
    return {
      windows: {
        count: n,
        session: this.session.slice(0, n),
        ratio: this.ratio.slice(0, n),
        hit: this.hit.slice(0, n),
        rules: this.rules.slice(0, n),
        queries: this.queries.slice(0, n),
      },
      sessions: this.sessions,
      featureErrorSum: this.errSum,
      featureWindows: [...this.errWindows],
    };
  }
}
