import { describe, expect, it } from 'vitest';
import { columnsFromSamples } from '../../src/evaluate/eval-columns.js';
import type { EvalInput, EvalSample } from '../../src/evaluate/eval-types.js';
import { computeEvaluation } from '../../src/evaluate/evaluation.js';
import { buildJsonReport, EVAL_JSON_VERSION, formatJsonReport } from '../../src/evaluate/report-json.js';
import { formatTextReport, printable } from '../../src/evaluate/report-text.js';
import { renderHtmlReport } from '../../src/evaluate/report-html.js';
import { escapeHtml } from '../../src/evaluate/html-escape.js';
import { logHistogram } from '../../src/evaluate/histogram.js';

const evil = `<script>alert("x")</script>&'\u001b[31m.pcap`;
const rows: EvalSample[] = [
  { label: 0, fileIndex: 0, flowKey: 1, loss: 0.001, threshold: 0.01, ruleMask: 0, decodesAsDns: true, perByteError: [1, 1, 1, 1, 1, 1, 1, 1] },
  { label: 0, fileIndex: 0, flowKey: 2, loss: 0.02, threshold: 0.01, ruleMask: 0, decodesAsDns: true, perByteError: [1, 1, 1, 1, 1, 1, 1, 1] },
  { label: 1, fileIndex: 1, flowKey: 1, loss: 0.5, threshold: 0.01, ruleMask: 1, decodesAsDns: false, perByteError: [3, 3, 3, 3, 3, 3, 3, 3] },
  { label: 1, fileIndex: 1, flowKey: 1, loss: 0.004, threshold: 0.01, ruleMask: 0, decodesAsDns: true, perByteError: [2, 2, 2, 2, 2, 2, 2, Number.NaN] },
];
const input: EvalInput = {
  files: [
    { path: 'benign.pcap', label: 0 },
    { path: evil, label: 1, group: 'g<1>' },
  ],
  samples: columnsFromSamples(rows),
  modelId: 'model"<b>',
  threshold: 0.01,
  ruleNames: (m) => (m === 1 ? ['rule<&>'] : []),
};
const ev = computeEvaluation(input, { fpr: 0.5 });

describe('JSON report', () => {
  const report = JSON.parse(formatJsonReport(buildJsonReport(ev))) as ReturnType<typeof buildJsonReport>;

  it('has the versioned shape with every detector at both levels', () => {
    expect(report.version).toBe(EVAL_JSON_VERSION);
    expect(report.model).toBe('model"<b>');
    for (const level of [report.perSample, report.perFlow]) {
      expect(Object.keys(level).sort()).toEqual(['ae', 'dns_decode', 'hybrid', 'rules']);
      for (const r of Object.values(level)) {
        expect(Object.keys(r).sort()).toEqual(['f1', 'fn', 'fp', 'precision', 'recall', 'tn', 'tp', 'tpr', 'fpr'].sort());
      }
    }
    // ae per sample: 0.02 (benign) and 0.5 (anomalous) exceed 0.01.
    expect(report.perSample.ae).toMatchObject({ tp: 1, fp: 1, tn: 1, fn: 1, tpr: 0.5, fpr: 0.5 });
    expect(report.perFlow.dns_decode).toMatchObject({ tp: 1, fp: 0, tn: 2, fn: 0 });
  });

  it('writes per-file rows with string labels and the raw path', () => {
    expect(report.files[1]).toMatchObject({ path: evil, label: 'anomalous', group: 'g<1>', samples: 2, flows: 1 });
    expect(report.files[1]!.alertsBy.rules).toEqual({ samples: 1, flows: 1 });
    expect(report.files[0]!.label).toBe('benign');
  });

  it('reports the FPR threshold and the per-byte means, NaN skipped', () => {
    // Benign scores 0.001, 0.02; FPR 0.5 allows one above -> 0.001.
    expect(report.thresholdForFpr).toMatchObject({ fpr: 0.5, threshold: 0.001, achievedFpr: 0.5 });
    expect(report.thresholdForFpr.scale).toBeCloseTo(0.1, 12);
    expect(report.perByteMean.bytes[0]).toBe('ID hi');
    expect(report.perByteMean.anomalous[0]).toBe(2.5);
    expect(report.perByteMean.anomalous[7]).toBe(3);
  });

  it('writes null, never Infinity, for non-finite numbers', () => {
    // Unscorable (NaN) benign losses rank as +Infinity, so the FPR-0 threshold is +Infinity.
    const nanBenign = computeEvaluation({
      ...input,
      samples: columnsFromSamples(rows.map((r) => (r.label === 0 ? { ...r, loss: Number.NaN } : r))),
    }, { fpr: 0 });
    expect(nanBenign.thresholdForFpr.threshold).toBe(Number.POSITIVE_INFINITY);
    const j = buildJsonReport(nanBenign);
    expect(j.thresholdForFpr.threshold).toBeNull();
    expect(j.thresholdForFpr.scale).toBeNull();
    expect(formatJsonReport(j)).not.toMatch(/Infinity|NaN/);
  });
});

describe('text report', () => {
  const text = formatTextReport(ev);
  it('lists every detector at both levels and every file', () => {
    for (const d of ['ae', 'rules', 'hybrid', 'dns-decode']) {
      expect(text).toMatch(new RegExp(`^${d}\\s+sample`, 'm'));
      expect(text).toMatch(new RegExp(`^${d}\\s+flow`, 'm'));
    }
    expect(text).toContain('benign.pcap');
  });
  it('escapes control characters in file names', () => {
    expect(text).not.toContain('\u001b');
    expect(text).toContain('\\x1b[31m.pcap');
    expect(printable('a\nb\u007f')).toBe('a\\x0ab\\x7f');
  });
});

describe('HTML report', () => {
  const html = renderHtmlReport(ev, new Date(0));

  it('escapes file names, groups, model id and rule names', () => {
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>"');
    expect(html).toContain(escapeHtml(evil));
    expect(html).toContain('g&lt;1&gt;');
    expect(html).toContain('model&quot;&lt;b&gt;');
    expect(html).toContain('rule&lt;&amp;&gt;');
  });

  it('references nothing outside the file', () => {
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    // The only URL is the SVG namespace, which browsers never fetch.
    const urls = html.match(/https?:\/\/[^\s"']+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('has every chart and table with drawn marks', () => {
    for (const id of ['loss-hist', 'roc', 'roc-log', 'roc-flow', 'per-byte']) {
      expect(html).toMatch(new RegExp(`<svg class="chart" id="${id}"`));
    }
    const section = (id: string): string => html.slice(html.indexOf(`id="${id}"`), html.indexOf('</svg>', html.indexOf(`id="${id}"`)));
    expect(section('loss-hist')).toMatch(/class="bar benign"/);
    expect(section('loss-hist')).toMatch(/class="bar anomalous"/);
    expect(section('loss-hist')).toMatch(/class="threshold"/);
    expect(section('roc')).toMatch(/<path class="curve ae" d="M[^"]+L/);
    expect(section('roc')).toMatch(/<circle class="point rules"/);
    expect(section('roc')).toMatch(/<circle class="point dns_decode"/);
    expect(section('per-byte').match(/class="bar (benign|anomalous)"/g)).toHaveLength(16);
    expect(html).toMatch(/<table id="files">/);
    expect(html).toMatch(/<table id="summary">/);
  });
});

describe('log histogram', () => {
  it('bins on log10 and counts non-positive and infinite scores apart', () => {
    // Range 1e-3..1e0 in 3 bins: one decade each.
    const h = logHistogram([0.001, 0.002, 0.05, 1, 0, Infinity, Number.NaN], [0, 0, 1, 1, 0, 1, 1], 3);
    expect(h.log10Lo).toBeCloseTo(-3, 12);
    expect(h.log10Hi).toBeCloseTo(0, 12);
    expect(Array.from(h.counts[0])).toEqual([2, 0, 0]);
    expect(Array.from(h.counts[1])).toEqual([0, 1, 1]);
    expect(h.nonPositive).toEqual([1, 0]);
    expect(h.infinite).toEqual([0, 2]);
    expect(h.total).toEqual([3, 4]);
  });
  it('widens the range to include the threshold', () => {
    const h = logHistogram([0.5], [0], 4, [0.005]);
    expect(h.log10Lo).toBeCloseTo(Math.log10(0.005), 12);
  });
});
