import { FIRST_BYTES, HEAD_BYTES, type SampleBatch } from '../flow/sample.js';
import type { LineSink } from '../output/ndjson-sink.js';
import { eveAlert, eveScoreRecord, inIfaceField, type Verdict } from '../output/eve-alert.js';
import type { BatchConsumer } from '../pipeline.js';
import { checkHeader, ruleNames } from '../rules/header-rules.js';
import type { AlertPolicy } from './alert-policy.js';
import type { BatchScorer, DetectorMode } from './batch-scorer.js';
import { SIG_AUTOENCODER, SIG_BOTH, SIG_RULES, signatureFor } from './signatures.js';

export interface ScoreConsumerOptions {
  readonly mode: DetectorMode;
  /** Required unless mode is 'rules'. */
  readonly scorer: BatchScorer | undefined;
  readonly ruleMask: number | undefined;
  readonly policy: AlertPolicy;
  readonly out: LineSink;
  /** Also write one `dns_ae` record per scored sample. */
  readonly all: boolean;
  readonly sourceNames: readonly string[];
  /** Live capture: the interface, written as EVE's in_iface. */
  readonly inIface?: string;
  /** Called per alert written, e.g. for metrics. */
  readonly onAlert?: (batch: SampleBatch, i: number) => void;
}

export interface ScoreCounters {
  scored: number;
  anomalous: number;
  ae_hits: number;
  rule_hits: number;
  /**
   * Hybrid: messages above the model threshold that the structure checks
   * pass and that stay under the stricter autoencoder-only threshold of the
   * model's fusion record, so raise no alert (docs/model.md, "Hybrid fusion").
   */
  ae_held_by_fusion: number;
  /** Alert records written, by signature id (9053001 autoencoder, 9053002 rules, 9053003 both). */
  alerts_by_signature: Record<string, number>;
}

/**
 * Applies the detectors to each batch and writes alert records. Losses are
 * computed for the whole batch in one call; the loop below only compares
 * numbers unless a record has to be written.
 */
export class ScoreConsumer implements BatchConsumer {
  private losses = new Float32Array(0);
  private perByte = new Float32Array(0);
  private readonly thresholds = new Float64Array(4);
  private readonly aeOnlyThresholds = new Float64Array(4);
  readonly counters: ScoreCounters = {
    scored: 0,
    anomalous: 0,
    ae_hits: 0,
    rule_hits: 0,
    ae_held_by_fusion: 0,
    alerts_by_signature: { [SIG_AUTOENCODER.id]: 0, [SIG_RULES.id]: 0, [SIG_BOTH.id]: 0 },
  };

  private readonly inIface: string;

  constructor(private readonly o: ScoreConsumerOptions) {
    this.inIface = inIfaceField(o.inIface);
    if (o.mode !== 'rules' && o.scorer === undefined) throw new Error('a model is required for detector ' + o.mode);
  }

  onBatch(batch: SampleBatch): void {
    const n = batch.count;
    const o = this.o;
    const useAe = o.mode !== 'rules';
    const useRules = o.mode !== 'ae';
    if (useAe) {
      if (this.losses.length < n) {
        this.losses = new Float32Array(batch.capacity);
        this.perByte = new Float32Array(batch.capacity * FIRST_BYTES);
      }
      // Per-byte errors go only into records: with --all every row is one,
      // otherwise they are made below for the rows that hit. Copying them for
      // every sample was about a third of the scoring cost.
      o.scorer!.score(batch, this.losses, o.all ? this.perByte : undefined);
    }
    // Thresholds by transport * 2 + direction, read once per batch (the scorer cannot change within one).
    const th = this.thresholds;
    const aeOnly = this.aeOnlyThresholds;
    if (useAe) {
      const s = o.scorer!;
      const fused = useRules && s.aeOnlyThreshold !== undefined;
      for (let g = 0; g < 4; g++) {
        th[g] = s.threshold((g >> 1) as 0 | 1, (g & 1) as 0 | 1);
        aeOnly[g] = fused ? s.aeOnlyThreshold!((g >> 1) as 0 | 1, (g & 1) as 0 | 1) : th[g]!;
      }
    }
    const losses = this.losses;
    const head = batch.head;
    const headLen = batch.headLen;
    const payloadLength = batch.payloadLength;
    const transports = batch.transport;
    const directions = batch.direction;
    const ruleMask = o.ruleMask;
    let aeHits = 0;
    let ruleHits = 0;
    let held = 0;
    for (let i = 0; i < n; i++) {
      // The row's FlowInfo is made only for samples that need it (alert records).
      const transport = transports[i] as 0 | 1;
      const direction = directions[i] as 0 | 1;
      let aeHit = false;
      let loss = 0;
      let threshold = 0;
      if (useAe) {
        loss = losses[i]!;
        threshold = th[transport * 2 + direction]!;
        aeHit = loss > threshold;
      }
      const failed = useRules ? checkHeader(head, i * HEAD_BYTES, headLen[i]!, payloadLength[i]!, transport, direction, ruleMask) : 0;
      const rulesHit = failed !== 0;
      if (aeHit) aeHits++;
      if (rulesHit) ruleHits++;
      // Fusion: where the rules agree the model threshold stands; alone, the
      // autoencoder needs the stricter one (equal to it without fusion.json).
      if (useAe && useRules && !rulesHit) {
        const t = aeOnly[transport * 2 + direction]!;
        if (aeHit && !(loss > t)) {
          aeHit = false;
          held++;
        }
        threshold = t;
      }
      const hit = aeHit || rulesHit;
      if (!hit && !o.all) continue;
      if (useAe && !o.all) o.scorer!.rowPerByteError(batch, i, this.perByte, i * FIRST_BYTES);
      const verdict: Verdict = {
        loss: useAe ? loss : undefined,
        threshold: useAe ? threshold : undefined,
        perByteError: useAe ? this.perByte : undefined,
        perByteOffset: i * FIRST_BYTES,
        rulesFailed: rulesHit ? ruleNames(failed) : [],
        aeHit,
        rulesHit,
        detector: o.mode,
        modelId: o.scorer?.modelId,
      };
      let decision = 'none';
      if (hit) {
        this.counters.anomalous++;
        const flow = batch.flow(i);
        const srcIp = direction === 1 ? flow.serverIp : flow.clientIp;
        decision = o.policy.decide(flow.flowId, srcIp, batch.tsSec[i]!);
        if (decision === 'alert') {
          const sig = signatureFor(aeHit, rulesHit);
          this.counters.alerts_by_signature[sig.id]!++;
          o.out.writeLine(eveAlert(batch, i, sig, verdict, o.sourceNames, this.inIface));
          o.onAlert?.(batch, i);
        }
      }
      if (o.all) o.out.writeLine(eveScoreRecord(batch, i, verdict, decision, o.sourceNames, this.inIface));
    }
    const c = this.counters;
    c.scored += n;
    c.ae_hits += aeHits;
    c.rule_hits += ruleHits;
    c.ae_held_by_fusion += held;
  }

  drain(): Promise<void> {
    return this.o.out.drain();
  }
}
