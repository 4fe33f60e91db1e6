import { BYTE_LABELS, DETECTORS, type Detector } from './eval-types.js';
import type { Evaluation, LevelResult } from './evaluation.js';
import { fmtLoss, fmtRate } from './format-number.js';
import { logHistogram } from './histogram.js';
import { escapeHtml } from './html-escape.js';
import { lossHistogramSvg, perByteSvg, rocSvg } from './svg-charts.js';

/**
 * One self-contained HTML file: inline CSS and SVG, no scripts, and a CSP
 * that forbids fetching anything, so it opens the same on an air-gapped
 * analyst workstation as anywhere else.
 */
const DETECTOR_LABEL: Readonly<Record<Detector, string>> = {
  ae: 'ae (autoencoder)',
  rules: 'rules (structural)',
  hybrid: 'hybrid (ae or rules)',
  dns_decode: 'dns-decode baseline',
};

const HIST_BINS = 60;

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#555;font-size:13px}
p{font-size:14px}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f2f2f2}td.text,th.text{text-align:left}
td.path{font-family:ui-monospace,monospace;word-break:break-all;max-width:520px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0}figcaption{font-size:12px;color:#555;max-width:560px}
.benign{color:#2b7bba}.anomalous{color:#d95f02}
`;

function summaryRows(levelName: string, l: LevelResult): string {
  return DETECTORS.map((d) => {
    const r = l.rates[d];
    return (
      `<tr class="${escapeHtml(d)}"><td class="text">${escapeHtml(DETECTOR_LABEL[d])}</td><td class="text">${levelName}</td>` +
      `<td>${r.tp}</td><td>${r.fp}</td><td>${r.tn}</td><td>${r.fn}</td>` +
      `<td>${fmtRate(r.tpr)}</td><td>${fmtRate(r.fpr)}</td><td>${fmtRate(r.precision)}</td>` +
      `<td>${fmtRate(r.f1)}</td><td>${fmtRate(l.auc[d])}</td></tr>`
    );
  }).join('');
}

function rocChart(id: string, title: string, l: LevelResult, logFprFrom?: number): string {
  const series = [
    { cls: 'ae', label: `ae AUC ${fmtRate(l.auc.ae)}`, curve: l.roc.ae },
    { cls: 'hybrid', label: `hybrid AUC ${fmtRate(l.auc.hybrid)}`, curve: l.roc.hybrid },
  ];
  const points = [
    { cls: 'ae operating', label: 'ae at model threshold', fpr: l.rates.ae.fpr, tpr: l.rates.ae.tpr },
    { cls: 'rules', label: 'rules', fpr: l.rates.rules.fpr, tpr: l.rates.rules.tpr },
    { cls: 'dns_decode', label: 'dns-decode baseline', fpr: l.rates.dns_decode.fpr, tpr: l.rates.dns_decode.tpr },
  ];
  return rocSvg(id, title, series, points, logFprFrom === undefined ? {} : { logFprFrom });
}

function ruleTable(ev: Evaluation): string {
  const names = [...new Set([...Object.keys(ev.ruleHits.benign), ...Object.keys(ev.ruleHits.anomalous)])].sort();
  if (names.length === 0) return '<p>No sample failed a structural rule.</p>';
  const rows = names
    .map(
      (n) =>
        `<tr><td class="text">${escapeHtml(n)}</td><td>${ev.ruleHits.benign[n] ?? 0}</td><td>${ev.ruleHits.anomalous[n] ?? 0}</td></tr>`,
    )
    .join('');
  return `<table id="rules"><thead><tr><th class="text">rule</th><th>benign samples</th><th>anomalous samples</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function fileRows(ev: Evaluation): string {
  return ev.files
    .map((f) => {
      const cls = f.label === 0 ? 'benign' : 'anomalous';
      const cells = DETECTORS.map((d) => {
        const a = f.alertsBy[d];
        const pct = f.samples === 0 ? '-' : `${((a.samples / f.samples) * 100).toFixed(1)}%`;
        return `<td>${a.samples} <small>(${pct})</small></td><td>${a.flows}</td>`;
      }).join('');
      return (
        `<tr data-label="${cls}"><td class="text ${cls}">${cls}</td><td class="text">${escapeHtml(f.group ?? '')}</td>` +
        `<td class="text path">${escapeHtml(f.path)}</td><td>${f.samples}</td><td>${f.flows}</td>${cells}</tr>`
      );
    })
    .join('');
}

export function renderHtmlReport(ev: Evaluation, generatedAt: Date = new Date()): string {
  const c = ev.counts;
  const t = ev.thresholdForFpr;
  const hist = logHistogram(ev.scores.aeScore, ev.labels, HIST_BINS, [ev.threshold]);
  const minFpr = c.benignSamples > 0 ? 10 ** Math.floor(Math.log10(1 / c.benignSamples)) : 1e-4;
  const detectorHeads = DETECTORS.map(
    (d) => `<th colspan="2">${escapeHtml(d === 'dns_decode' ? 'dns-decode' : d)}</th>`,
  ).join('');
  const subHeads = DETECTORS.map(() => '<th>samples</th><th>flows</th>').join('');
  const outside =
    `Not on the log axis: loss &le; 0 benign ${hist.nonPositive[0]}, anomalous ${hist.nonPositive[1]}; ` +
    `infinite or unscorable benign ${hist.infinite[0]}, anomalous ${hist.infinite[1]}.`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dnsae evaluation: ${escapeHtml(ev.modelId)}</title>
<style>${CSS}</style></head><body>
<h1>dnsae evaluation</h1>
<p class="meta">model <b id="model-id">${escapeHtml(ev.modelId)}</b> &middot; threshold ${escapeHtml(fmtLoss(ev.threshold))}
&middot; generated ${escapeHtml(generatedAt.toISOString())}</p>
<p class="meta">samples ${c.samples} (<span class="benign">benign ${c.benignSamples}</span>, <span class="anomalous">anomalous ${c.anomalousSamples}</span>)
&middot; flows ${c.flows} (<span class="benign">benign ${c.benignFlows}</span>, <span class="anomalous">anomalous ${c.anomalousFlows}</span>)</p>

<h2>Summary</h2>
<table id="summary"><thead><tr><th class="text">detector</th><th class="text">level</th><th>TP</th><th>FP</th><th>TN</th><th>FN</th>
<th>TPR</th><th>FPR</th><th>precision</th><th>F1</th><th>AUC</th></tr></thead>
<tbody>${summaryRows('sample', ev.perSample)}${summaryRows('flow', ev.perFlow)}</tbody></table>
<p id="fpr-threshold">${
    t.threshold === null
      ? `Threshold for FPR ${t.targetFpr}: no benign samples.`
      : `Threshold for FPR ${t.targetFpr}: <b>${escapeHtml(fmtLoss(t.threshold))}</b> (&times;${escapeHtml(fmtLoss(t.scale))} of the model threshold);
achieved FPR ${fmtRate(t.achievedFpr)}, TPR ${fmtRate(t.rates?.tpr)} on these samples.`
  }</p>

<h2>Charts</h2>
<div class="charts">
<figure>${lossHistogramSvg('loss-hist', hist, ev.threshold)}<figcaption>Scaled loss per sample (see docs/evaluation.md). ${outside}</figcaption></figure>
<figure>${rocChart('roc', 'ROC per sample', ev.perSample)}<figcaption>ROC per sample. Binary detectors are single points.</figcaption></figure>
<figure>${rocChart('roc-log', 'ROC per sample, low false-positive region', ev.perSample, minFpr)}<figcaption>Same, with a log FPR axis: the region an alerting deployment works in.</figcaption></figure>
<figure>${rocChart('roc-flow', 'ROC per flow', ev.perFlow)}<figcaption>ROC per flow: a flow alerts if any sample does; its score is its maximum.</figcaption></figure>
<figure>${perByteSvg('per-byte', BYTE_LABELS, ev.perByteMean.benign, ev.perByteMean.anomalous)}<figcaption>Mean reconstruction error of each of the first eight header bytes.</figcaption></figure>
</div>

<h2>Structural rules</h2>
${ruleTable(ev)}

<h2>Files</h2>
<table id="files"><thead><tr><th class="text" rowspan="2">label</th><th class="text" rowspan="2">group</th><th class="text" rowspan="2">file</th>
<th rowspan="2">samples</th><th rowspan="2">flows</th>${detectorHeads}</tr><tr>${subHeads}</tr></thead>
<tbody>${fileRows(ev)}</tbody></table>
</body></html>
`;
}
