import { describe, expect, it } from 'vitest';
import { QUESTION_FEATURE_COUNT } from '../../src/features/question/question-features.js';
import { computeEvaluation } from '../../src/evaluate/evaluation.js';
import { buildJsonReport } from '../../src/evaluate/report-json.js';
import { renderHtmlReport } from '../../src/evaluate/report-html.js';
import { formatTextReport } from '../../src/evaluate/report-text.js';
import { lossRatio, type TunnelClass, type TunnelCollected } from '../../src/evaluate/tunnel-collector.js';
import { computeTunnelEvaluation, type TunnelFile } from '../../src/evaluate/tunnel-metrics.js';
import { syntheticInput } from './synthetic-input.js';

/** One window as a test writes it: file, session name, loss ratio, model hit, baseline rule bits. */
type W = [file: number, session: string, ratio: number, hit: 0 | 1, rules: number];

function collected(files: readonly TunnelFile[], ws: readonly W[], errPerClass: readonly number[] = [0.01, 0.2, 0.5]): TunnelCollected {
  const sessions: { file: number; client: string; domain: string }[] = [];
  const index = new Map<string, number>();
  const n = ws.length;
  const out = { session: new Uint32Array(n), ratio: new Float64Array(n), hit: new Uint8Array(n), rules: new Uint8Array(n), queries: new Uint32Array(n) };
  const featureErrorSum = new Float64Array(3 * QUESTION_FEATURE_COUNT);
  const featureWindows: [number, number, number] = [0, 0, 0];
  ws.forEach(([file, name, ratio, hit, rules], i) => {
    const key = `${file}/${name}`;
    if (!index.has(key)) {
      index.set(key, sessions.length);
      sessions.push({ file, client: '10.0.0.1', domain: name });
    }
    out.session[i] = index.get(key)!;
    out.ratio[i] = ratio;
    out.hit[i] = hit;
    out.rules[i] = rules;
    out.queries[i] = 1;
    const c = files[file]!.cls;
    featureWindows[c]++;
    for (let k = 0; k < QUESTION_FEATURE_COUNT; k++) featureErrorSum[c * QUESTION_FEATURE_COUNT + k]! += errPerClass[c]! * (k + 1);
  });
  return { windows: { count: n, ...out }, sessions, featureErrorSum, featureWindows };
}

const FILES: TunnelFile[] = [
  { path: 'b1.pcap', cls: 0, group: 'benign' },
  { path: 'b2.pcap', cls: 0, group: 'benign' },
  { path: 'http53.pcap', cls: 2 },
  { path: 't1.pcap', cls: 1, group: 'tunnel' },
];

// Sessions (score = highest ratio; baseline score = distinct rules broken):
//   benign  b1/a: 0.2, 0.5 -> 0.5, no hit, rules 0      b1/b: 1.5 hit, rules {0} -> 1
//   benign  b2/a (same name, other file: its own session): 0.1, rules 0
//   anomal. http53/x: 9 hit, rules {0,1}
//   tunnel  t1/p: 0.8, 3.0 -> 3.0 hit, rules {0} | {1} -> 2    t1/q: 0.5 no hit, rules 0
const WINDOWS: W[] = [
  [0, 'a', 0.2, 0, 0],
  [0, 'a', 0.5, 0, 0],
  [0, 'b', 1.5, 1, 1],
  [1, 'a', 0.1, 0, 0],
  [2, 'x', 9, 1, 3],
  [3, 'p', 0.8, 0, 1],
  [3, 'p', 3.0, 1, 2],
  [3, 'q', 0.5, 0, 0],
];

const input = { files: FILES, collected: collected(FILES, WINDOWS), modelId: 'abcdefabcdef', threshold: 0.05, windowSec: 60 };

/** Mann-Whitney AUC over all pairs, ties half. */
function pairsAuc(pos: number[], neg: number[]): number {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}

describe('computeTunnelEvaluation', () => {
  const t = computeTunnelEvaluation(input);

  it('groups windows into sessions per file and counts each class apart', () => {
    expect(t.counts).toEqual({ benignWindows: 4, tunnelWindows: 3, benignSessions: 3, tunnelSessions: 2 });
    expect(t.anomalous).toEqual({ windows: 1, sessions: 1, alerted: { sessions: 1, windows: 1 }, baseline: { sessions: 1, windows: 1 } });
    expect(t.files.map((f) => [f.path, f.sessions, f.windows, f.alerted.sessions, f.alerted.windows, f.baseline.sessions, f.baseline.windows])).toEqual([
      ['b1.pcap', 2, 3, 1, 1, 1, 1],
      ['b2.pcap', 1, 1, 0, 0, 0, 0],
      ['http53.pcap', 1, 1, 1, 1, 1, 1],
      ['t1.pcap', 2, 3, 1, 1, 1, 2],
    ]);
  });

  it('gives window and session rates of benign against tunnel only', () => {
    expect(t.perWindow.model).toMatchObject({ tp: 1, fn: 2, fp: 1, tn: 3 });
    expect(t.perWindow.model.fpr).toBeCloseTo(1 / 4, 12);
    expect(t.perWindow.baseline).toMatchObject({ tp: 2, fn: 1, fp: 1, tn: 3 });
    expect(t.perSession.model).toMatchObject({ tp: 1, fn: 1, fp: 1, tn: 2 });
    expect(t.perSession.model.tpr).toBeCloseTo(1 / 2, 12);
    expect(t.perSession.model.fpr).toBeCloseTo(1 / 3, 12);
    expect(t.perSession.baseline).toMatchObject({ tp: 1, fn: 1, fp: 1, tn: 2 });
  });

  it('has session AUCs equal to the pairwise statistic, with ties at half credit', () => {
    expect(t.perSession.auc.model).toBeCloseTo(pairsAuc([3.0, 0.5], [0.5, 1.5, 0.1]), 12);
    // Baseline scores: tunnel 2 and 0, benign 0, 1 and 0: the 0-0 ties count half.
    expect(t.perSession.auc.baseline).toBeCloseTo(pairsAuc([2, 0], [0, 1, 0]), 12);
    expect(pairsAuc([2, 0], [0, 1, 0])).toBeCloseTo(4 / 6, 12);
  });

  it('counts baseline rules per class and averages per-feature errors per class', () => {
    expect(t.ruleHits.benign).toEqual({ name_length: 1 });
    expect(t.ruleHits.tunnel).toEqual({ name_length: 1, label_entropy: 1 });
    expect(t.ruleHits.anomalous).toEqual({ name_length: 1, label_entropy: 1 });
    expect(t.perFeatureMean.features).toHaveLength(QUESTION_FEATURE_COUNT);
    expect(t.perFeatureMean.benign[0]).toBeCloseTo(0.01, 12);
    expect(t.perFeatureMean.tunnel[2]).toBeCloseTo(0.6, 12);
    expect(t.ratioHistogram.total).toEqual([4, 3]);
  });

  it('ranks an unscorable window as the most suspicious', () => {
    expect(lossRatio(Number.NaN, 0.1)).toBe(Number.POSITIVE_INFINITY);
    expect(lossRatio(0.2, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(lossRatio(0, 0)).toBe(0);
    expect(lossRatio(0.2, 0.1)).toBeCloseTo(2, 12);
  });

  it('has no rates and no AUC without tunnel captures', () => {
    const files: TunnelFile[] = [{ path: 'b.pcap', cls: 0 }];
    const e = computeTunnelEvaluation({ ...input, files, collected: collected(files, [[0, 'a', 0.3, 0, 0]]) });
    expect(e.perSession.model.tpr).toBeNull();
    expect(e.perSession.model.fpr).toBe(0);
    expect(e.perSession.auc.model).toBeNull();
    expect(e.perFeatureMean.tunnel.every((v) => v === null)).toBe(true);
  });
});

describe('reports with the tunnel stage', () => {
  const header = computeEvaluation(
    syntheticInput([
      { path: 'b1.pcap', label: 0 },
      { path: 'b2.pcap', label: 0 },
      { path: 'http53.pcap', label: 1 },
    ]),
  );
  const ev = { ...header, tunnel: computeTunnelEvaluation(input) };

  it('adds a tunnel object to the JSON report and keeps every existing key as it was', () => {
    const with_ = buildJsonReport(ev);
    const without = buildJsonReport(header);
    const { tunnel, ...rest } = with_;
    expect(rest).toEqual(without);
    expect(tunnel?.auc.session.model).toBeCloseTo(pairsAuc([3.0, 0.5], [0.5, 1.5, 0.1]), 12);
    expect(tunnel?.files.map((f) => f.class)).toEqual(['benign', 'benign', 'anomalous', 'tunnel']);
    expect(JSON.parse(JSON.stringify(with_)).tunnel.perSession.model.tp).toBe(1);
  });

  it('prints the tunnel rates and file table after the header tables', () => {
    const text = formatTextReport(ev);
    expect(text.startsWith(formatTextReport(header).replace(/\n$/, ''))).toBe(true);
    expect(text).toMatch(/^tunnel-ae\s+session\s+1\s+1\s+2\s+1\s+0\.5000\s+0\.3333/m);
    expect(text).toMatch(/^tunnel\s+2\s+1\s+1\s+3\s+1\s+2\s+-\s+t1\.pcap$/m);
  });

  it('renders the tunnel section with its three charts, escaping file names', () => {
    const files: TunnelFile[] = [...FILES.slice(0, 3), { path: 'tunnel <&>.pcap', cls: 1 }];
    const html = renderHtmlReport({ ...header, tunnel: computeTunnelEvaluation({ ...input, files, collected: collected(files, WINDOWS) }) });
    for (const id of ['tunnel-summary', 'tunnel-ratio-hist', 'tunnel-roc', 'tunnel-per-feature', 'tunnel-files']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('tunnel &lt;&amp;&gt;.pcap');
    expect(html).not.toContain('tunnel <&>.pcap');
    expect(renderHtmlReport(header)).not.toContain('id="tunnel"');
  });
});
