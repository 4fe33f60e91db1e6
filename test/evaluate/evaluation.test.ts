import { describe, expect, it } from 'vitest';
import { columnsFromSamples, EvalColumnsBuilder } from '../../src/evaluate/eval-columns.js';
import type { EvalInput, EvalSample } from '../../src/evaluate/eval-types.js';
import { scaledLoss, scoreSamples } from '../../src/evaluate/detectors.js';
import { aggregateFlows } from '../../src/evaluate/flow-aggregate.js';
import { computeEvaluation } from '../../src/evaluate/evaluation.js';
import { ruleHitCounts } from '../../src/evaluate/file-table.js';

const zeros8 = [0, 0, 0, 0, 0, 0, 0, 0];
function row(p: Partial<EvalSample> & Pick<EvalSample, 'label' | 'fileIndex' | 'flowKey' | 'loss'>): EvalSample {
  return { threshold: 0.5, ruleMask: 0, decodesAsDns: true, perByteError: zeros8, ...p };
}

/*
 * Hand-built corpus, model threshold 0.5 everywhere:
 *  file 0 (benign):    flow 1: losses 0.1, 0.9 (the 0.9 alerts ae)
 *                      flow 2: loss 0.2, fails rule bit 0
 *  file 1 (anomalous): flow 1: losses 0.3, 0.4, neither decodes as DNS
 *                      flow 3: loss 0.7 (ae), fails rule bit 1
 * Flow 1 exists in both files and must stay two flows.
 */
const rows: EvalSample[] = [
  row({ label: 0, fileIndex: 0, flowKey: 1, loss: 0.1 }),
  row({ label: 0, fileIndex: 0, flowKey: 2, loss: 0.2, ruleMask: 1 }),
  row({ label: 0, fileIndex: 0, flowKey: 1, loss: 0.9 }),
  row({ label: 1, fileIndex: 1, flowKey: 1, loss: 0.3, decodesAsDns: false }),
  row({ label: 1, fileIndex: 1, flowKey: 1, loss: 0.4, decodesAsDns: false }),
  row({ label: 1, fileIndex: 1, flowKey: 3, loss: 0.7, ruleMask: 2 }),
];
const input: EvalInput = {
  files: [
    { path: 'benign.pcap', label: 0 },
    { path: 'tunnel.pcap', label: 1, group: 'in-protocol-tunnel' },
  ],
  samples: columnsFromSamples(rows),
  modelId: 'm1',
  threshold: 0.5,
  ruleNames: (mask) => (mask === 1 ? ['qdcount'] : mask === 2 ? ['opcode'] : []),
};

describe('column builder', () => {
  it('keeps every row across growth', () => {
    const b = new EvalColumnsBuilder(1);
    for (let i = 0; i < 37; i++) b.pushValues(1, i, i * 10, i / 2, 1, i, i % 2 === 0, [i, i, i, i, i, i, i, i + 1], 0);
    const c = b.build();
    expect(c.count).toBe(37);
    expect(c.flowKey[36]).toBe(360);
    expect(c.loss[5]).toBe(2.5);
    expect(c.decodesAsDns[3]).toBe(0);
    expect(c.perByteError[36 * 8 + 7]).toBe(37);
    expect(c.perByteError.length).toBe(37 * 8);
  });
});

describe('detectors', () => {
  it('scales losses onto the reference threshold without changing the verdict', () => {
    // Sample threshold 2 (say TCP), reference 1: loss 3 is 1.5 reference units.
    expect(scaledLoss(3, 2, 1)).toBe(1.5);
    expect(scaledLoss(2, 2, 1)).toBe(1);
    expect(scaledLoss(0.25, 0.5, 0.5)).toBe(0.25);
    expect(scaledLoss(Number.NaN, 1, 1)).toBe(Number.POSITIVE_INFINITY);
    const s = scoreSamples(columnsFromSamples([row({ label: 1, fileIndex: 0, flowKey: 0, loss: 3, threshold: 2 })]), 1);
    expect(s.alerts.ae[0]).toBe(1);
    expect(s.aeScore[0]).toBe(1.5);
  });

  it('gives each detector its definition', () => {
    const s = scoreSamples(input.samples, input.threshold);
    expect(Array.from(s.alerts.ae)).toEqual([0, 0, 1, 0, 0, 1]);
    expect(Array.from(s.alerts.rules)).toEqual([0, 1, 0, 0, 0, 1]);
    expect(Array.from(s.alerts.hybrid)).toEqual([0, 1, 1, 0, 0, 1]);
    expect(Array.from(s.alerts.dns_decode)).toEqual([0, 0, 0, 1, 1, 0]);
    expect(Array.from(s.hybridScore)).toEqual([0.1, Infinity, 0.9, 0.3, 0.4, Infinity]);
  });
});

describe('per-flow aggregation', () => {
  it('takes the max score and any-alert per flow, keyed by file and flow', () => {
    const s = scoreSamples(input.samples, input.threshold);
    const f = aggregateFlows(input.samples, s);
    expect(f.count).toBe(4);
    expect(Array.from(f.flowOfSample)).toEqual([0, 1, 0, 2, 2, 3]);
    expect(Array.from(f.fileIndex)).toEqual([0, 0, 1, 1]);
    expect(Array.from(f.flowKey)).toEqual([1, 2, 1, 3]);
    expect(Array.from(f.label)).toEqual([0, 0, 1, 1]);
    expect(Array.from(f.samples)).toEqual([2, 1, 2, 1]);
    expect(Array.from(f.aeScore)).toEqual([0.9, 0.2, 0.4, 0.7]);
    expect(Array.from(f.alerts.ae)).toEqual([1, 0, 0, 1]);
    expect(Array.from(f.alerts.rules)).toEqual([0, 1, 0, 1]);
    expect(Array.from(f.alerts.dns_decode)).toEqual([0, 0, 1, 0]);
  });
});

describe('computeEvaluation', () => {
  const ev = computeEvaluation(input, { fpr: 0 });

  it('counts samples and flows per class', () => {
    expect(ev.counts).toEqual({ samples: 6, benignSamples: 3, anomalousSamples: 3, flows: 4, benignFlows: 2, anomalousFlows: 2 });
  });

  it('computes per-sample and per-flow confusion for each detector', () => {
    // ae per sample: alerts on 0.9 (benign) and 0.7 (anomalous).
    expect(ev.perSample.rates.ae).toMatchObject({ tp: 1, fp: 1, tn: 2, fn: 2 });
    expect(ev.perSample.rates.dns_decode).toMatchObject({ tp: 2, fp: 0, tn: 3, fn: 1 });
    // hybrid per flow: benign flows 1 (ae) and 2 (rule) both alert; anomalous flow 3 alerts.
    expect(ev.perFlow.rates.hybrid).toMatchObject({ tp: 1, fp: 2, tn: 0, fn: 1 });
  });

  it('uses trapezoid AUC for scores and the operating point for binary detectors', () => {
    // ae per sample: anomalous 0.3 0.4 0.7 vs benign 0.1 0.2 0.9:
    // 0.3 and 0.4 beat 2 each, 0.7 beats 2 -> 6/9.
    expect(ev.perSample.auc.ae).toBeCloseTo(6 / 9, 12);
    // hybrid: benign 0.1 inf 0.9, anomalous 0.3 0.4 inf: 0.3,0.4 beat 0.1 (2);
    // anomalous inf beats 0.1 and 0.9 and ties inf (2.5) -> 4.5/9.
    expect(ev.perSample.auc.hybrid).toBeCloseTo(4.5 / 9, 12);
    // rules: TPR 1/3, FPR 1/3 -> 0.5.
    expect(ev.perSample.auc.rules).toBeCloseTo(0.5, 12);
  });

  it('suggests the threshold for the target FPR and reports its rates', () => {
    // FPR 0: the largest benign score, 0.9; nothing anomalous exceeds it.
    expect(ev.thresholdForFpr.threshold).toBe(0.9);
    expect(ev.thresholdForFpr.scale).toBeCloseTo(1.8, 12);
    expect(ev.thresholdForFpr.rates?.tpr).toBe(0);
  });

  it('builds the per-file table with rule hits by name', () => {
    expect(ev.files[0]).toMatchObject({ path: 'benign.pcap', samples: 3, flows: 2, ruleHits: { qdcount: 1 } });
    expect(ev.files[0]!.alertsBy.ae).toEqual({ samples: 1, flows: 1 });
    expect(ev.files[1]).toMatchObject({ group: 'in-protocol-tunnel', samples: 3, flows: 2, ruleHits: { opcode: 1 } });
    expect(ev.files[1]!.alertsBy.dns_decode).toEqual({ samples: 2, flows: 1 });
    expect(ev.ruleHits).toEqual({ benign: { qdcount: 1 }, anomalous: { opcode: 1 } });
  });

  it('rejects a sample that names a file that was not given', () => {
    const bad = columnsFromSamples([row({ label: 0, fileIndex: 5, flowKey: 0, loss: 0 })]);
    expect(() => computeEvaluation({ ...input, samples: bad })).toThrow(RangeError);
  });
});

describe('rule hit counts', () => {
  it('counts each bit once per sample and names unknown bits', () => {
    const names = (m: number): string[] => (m === 1 ? ['a'] : m === 4 ? ['c'] : []);
    expect(ruleHitCounts([1, 5, 4, 0, 2 ** 31], names)).toEqual({ a: 2, c: 2, bit31: 1 });
  });
});
