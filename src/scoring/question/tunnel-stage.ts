import type { WeirdCounters } from '../../decode/weirds.js';
import type { SampleBatch } from '../../flow/sample.js';
import { QUESTION_FEATURE_COUNT, windowFeatures } from '../../features/question/question-features.js';
import { QuestionExtractor } from '../../features/question/question-extractor.js';
import type { RegisteredDomains } from '../../features/question/registered-domain.js';
import type { QuestionLaneMemory } from '../../features/question/question-lane.js';
import { B_DOMAIN, DOMAIN_BYTES, W_C0, W_CV, W_DOM_LEN, W_Q, W_SOURCE, WindowTable, type CloseReason } from '../../features/question/window-table.js';
import { formatIpWords } from '../../flow/ip-format.js';
import type { QuestionModel } from '../../model/question/question-model.js';
import { ModelError } from '../../errors.js';
import { eveTunnelAlert, eveWindowRecord, type WindowVerdict } from '../../output/eve-tunnel-alert.js';
import type { LineSink } from '../../output/ndjson-sink.js';
import type { AlertPolicy } from '../alert-policy.js';
import { SIG_TUNNEL } from '../signatures.js';
import { WindowScorer } from './window-scorer.js';

export interface TunnelStageOptions {
  readonly model: QuestionModel;
  readonly domains: RegisteredDomains;
  readonly maxWindows: number;
  /** Registered domains never alerted on (lower case, no trailing dot). */
  readonly allowDomains: ReadonlySet<string>;
  readonly policy: AlertPolicy;
  readonly out: LineSink;
  /** Also write one `dns_ae_window` record per scored window. */
  readonly all: boolean;
  readonly sourceNames: readonly string[];
  readonly inIface?: string;
  readonly onAlert?: () => void;
  /** The fast lane's question region: the per-message work runs there when it fits (QuestionExtractor). */
  readonly lane?: QuestionLaneMemory;
  /** Every scored window, alert or not (evaluation); valid during the call. */
  readonly onScored?: (w: ScoredWindow) => void;
}

/** One scored window as evaluation sees it. */
export interface ScoredWindow {
  readonly table: WindowTable;
  readonly slot: number;
  readonly sourceIndex: number;
  readonly client: string;
  readonly domain: string;
  readonly loss: number;
  readonly threshold: number;
  readonly hit: boolean;
  readonly queries: number;
}

export interface TunnelCounters {
  windows_scored: number;
  windows_anomalous: number;
  windows_allowed: number;
}

/**
 * The question stage on the score path: windows from the extractor, each
 * scored once when it closes, an alert per anomalous window (unless its
 * registered domain is allow-listed or the per-source limit holds it back).
 */
export class TunnelStage {
  readonly extractor: QuestionExtractor;
  private readonly tally: TunnelCounters = { windows_scored: 0, windows_anomalous: 0, windows_allowed: 0 };
  private scorer: WindowScorer;
  private readonly x = new Float32Array(QUESTION_FEATURE_COUNT);
  private readonly perFeature = new Float32Array(QUESTION_FEATURE_COUNT);
  private threshold: number;
  private readonly windowSec: number;
  private model: QuestionModel;
  private readonly inIface: string;
  /**
   * Lines of windows that closed since the last batch was delivered. In the
   * fast lane a window can close while the batch is being filled (evicted by
   * a new one, or by its key's next message), before the header stage has
   * written that batch's records; its lines wait here so that records come
   * out in the TypeScript path's order. At most about two per batch row.
   */
  private readonly pending: string[] = [];

  constructor(
    private readonly o: TunnelStageOptions,
    weirds: WeirdCounters,
  ) {
    this.model = o.model;
    this.scorer = new WindowScorer(o.model.layers);
    this.threshold = o.model.meta.threshold;
    this.windowSec = o.model.meta.windowSec;
    this.inIface = o.inIface === undefined ? '' : `"in_iface":${JSON.stringify(o.inIface)},`;
    this.extractor = new QuestionExtractor({ windowSec: this.windowSec, maxWindows: o.maxWindows }, o.domains, weirds, (t, s, reason) => this.onWindow(t, s, reason), o.lane);
    this.scoreInLane();
  }

  /** In the fast lane, windows are scored there and only those over the threshold (all with --all or evaluation) come back. */
  private scoreInLane(): void {
    const scorer = this.scorer;
    this.extractor.scoreInLane({
      threshold: this.threshold,
      every: this.o.all || this.o.onScored !== undefined,
      // The lane asks only on a miss of its own loss cache: a second cache here would only miss again.
      loss: (x) => scorer.lossUncached(x, 0),
      layers: scorer.layers,
      verdict: (t, s, reason, x, loss) => this.verdict(t, s, reason, x, loss),
    });
  }

  /** The stage's counters (windows the lane scored are counted there). */
  get counters(): TunnelCounters {
    const lane = this.extractor.laneScored;
    if (lane !== undefined) this.tally.windows_scored = lane.windows;
    return this.tally;
  }

  get modelId(): string {
    return this.model.meta.modelId;
  }

  /**
   * Scores windows that close from now on with `next` (SIGHUP in dnsae live);
   * returns the old model's id. Open windows keep their counters: a model
   * for another window length would misread them, so that is refused.
   */
  replaceModel(next: QuestionModel): string {
    if (next.meta.windowSec !== this.windowSec) {
      throw new ModelError('DNSAE_ERR_MODEL_INVALID', `the new question model's window is ${next.meta.windowSec} s, the running stage's ${this.windowSec} s: restart to change it`, { file: next.dir });
    }
    const old = this.model.meta.modelId;
    this.model = next;
    this.scorer = new WindowScorer(next.layers);
    this.threshold = next.meta.threshold;
    this.scoreInLane();
    return old;
  }

  onBatch(batch: SampleBatch): void {
    this.extractor.onBatch(batch);
    this.drain();
  }

  /** End of an input: its windows are scored, and the next input's rows carry `nextSource`. */
  endSource(nextSource: number): void {
    this.extractor.flush();
    this.drain();
    this.extractor.sourceIndex = nextSource;
  }

  private drain(): void {
    const p = this.pending;
    for (let i = 0; i < p.length; i++) this.o.out.writeLine(p[i]!);
    p.length = 0;
  }

  private onWindow(t: WindowTable, s: number, reason: CloseReason): void {
    const x = this.x;
    windowFeatures(t, s, this.windowSec, x, 0);
    const loss = this.scorer.loss(x, 0);
    this.tally.windows_scored++;
    this.verdict(t, s, reason, x, loss);
  }

  /** A scored window's outcome: counters, the alert (unless allowed or limited), the --all record, evaluation's callback. */
  private verdict(t: WindowTable, s: number, reason: CloseReason, x: Float32Array, loss: number): void {
    const c = this.tally;
    const hit = loss > this.threshold;
    const o = this.o;
    if (o.onScored !== undefined) {
      const w = t.i32;
      const b = s * WindowTable.I32_WORDS;
      o.onScored({
        table: t,
        slot: s,
        sourceIndex: w[b + W_SOURCE]!,
        client: formatIpWords(w[b + W_CV]! === 6 ? 6 : 4, w[b + W_C0]!, w[b + W_C0 + 1]!, w[b + W_C0 + 2]!, w[b + W_C0 + 3]!),
        domain: domainText(t, s),
        loss,
        threshold: this.threshold,
        hit,
        queries: w[b + W_Q]!,
      });
    }
    if (!hit && !o.all) return;
    this.scorer.lossPerFeature(x, 0, this.perFeature);
    const v: WindowVerdict = { loss, threshold: this.threshold, perFeature: this.perFeature, modelId: this.modelId, reason, windowSec: this.windowSec };
    let decision = 'none';
    if (hit) {
      c.windows_anomalous++;
      if (o.allowDomains.size > 0 && o.allowDomains.has(domainText(t, s))) {
        c.windows_allowed++;
        decision = 'allowed_domain';
      } else {
        const w = t.i32;
        const b = s * WindowTable.I32_WORDS;
        const client = formatIpWords(w[b + W_CV]! === 6 ? 6 : 4, w[b + W_C0]!, w[b + W_C0 + 1]!, w[b + W_C0 + 2]!, w[b + W_C0 + 3]!);
        decision = o.policy.decide(0, client, t.f64[s * WindowTable.F64_WORDS]!);
        if (decision === 'alert') {
          this.pending.push(eveTunnelAlert(t, s, SIG_TUNNEL, v, o.sourceNames, this.inIface));
          o.onAlert?.();
        }
      }
    }
    if (o.all) this.pending.push(eveWindowRecord(t, s, v, decision, o.sourceNames, this.inIface));
  }

  stats(): Record<string, unknown> {
    this.extractor.syncStats();
    const lane = this.extractor.laneScored;
    return {
      ...this.extractor.stats,
      ...this.extractor.table.stats,
      ...this.counters,
      registered_domain_cache: { ...this.o.domains.stats },
      window_score_cache: lane === undefined ? { hits: this.scorer.cacheHits, misses: this.scorer.cacheMisses } : { hits: lane.hits, misses: lane.misses },
    };
  }
}

function domainText(t: WindowTable, s: number): string {
  const n = t.i32[s * WindowTable.I32_WORDS + W_DOM_LEN]!;
  return Buffer.from(t.bytes.buffer, t.bytes.byteOffset + s * WindowTable.BYTES_PER + B_DOMAIN, n < DOMAIN_BYTES ? n : DOMAIN_BYTES).toString('latin1');
}
