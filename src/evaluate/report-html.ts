import { BYTE_LABELS, DETECTORS, type Detector } from './eval-types.js';
import type { Evaluation, LevelResult } from './evaluation.js';
import { fmtLoss, fmtRate } from './format-number.js';
import { logHistogram } from './histogram.js';
import { escapeHtml } from './html-escape.js';
import type { Rates } from './metrics.js';
import { lossHistogramSvg, perByteSvg, perFeatureSvg, rocSvg } from './svg-charts.js';
import { TUNNEL_CLASSES } from './tunnel-collector.js';
import type { TunnelEvaluation } from './tunnel-metrics.js';

/**
 * One self-contained HTML file: inline CSS and SVG, no scripts, and a CSP
 * that forbids fetching anything, so it opens the same on an air-gapped
 * analyst workstation as anywhere else.
 */
const DETECTOR_LABEL: Readonly<Record<Detector, string>> = {
  ae: 'ae (autoencoder)',
  rules: 'rules (structural)',
  hybrid: 'hybrid (rules, or ae alone above its fusion threshold)',
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
.benign{color:#2b7bba}.anomalous{color:#d95f02}.tunnel{color:#d95f02}
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
${ev.tunnel === undefined ? '' : tunnelSection(ev, ev.tunnel)}</body></html>
`;
}

function tunnelRateRow(name: string, level: string, r: Rates, auc: number | null | undefined): string {
  return (
    `<tr><td class="text">${escapeHtml(name)}</td><td class="text">${level}</td>` +
    `<td>${r.tp}</td><td>${r.fp}</td><td>${r.tn}</td><td>${r.fn}</td>` +
    `<td>${fmtRate(r.tpr)}</td><td>${fmtRate(r.fpr)}</td><td>${fmtRate(r.precision)}</td>` +
    `<td>${fmtRate(r.f1)}</td><td>${auc === undefined ? '' : fmtRate(auc)}</td></tr>`
  );
}

function tunnelFileRows(ev: Evaluation, t: TunnelEvaluation): string {
  return t.files
    .map((f) => {
      const cls = TUNNEL_CLASSES[f.cls];
      const h = f.cls === 1 ? undefined : ev.files[f.index];
      return (
        `<tr data-class="${cls}"><td class="text ${cls}">${cls}</td><td class="text">${escapeHtml(f.group ?? '')}</td>` +
        `<td class="text path">${escapeHtml(f.path)}</td><td>${f.sessions}</td><td>${f.alerted.sessions}</td><td>${f.baseline.sessions}</td>` +
        `<td>${f.windows}</td><td>${f.alerted.windows}</td><td>${f.baseline.windows}</td>` +
        `<td>${h === undefined ? '-' : `${h.alertsBy.hybrid.flows} / ${h.flows}`}</td></tr>`
      );
    })
    .join('');
}

/** The tunnel stage: rates, charts (ratio histogram, session ROC, per-feature error) and its file table. */
function tunnelSection(ev: Evaluation, t: TunnelEvaluation): string {
  const c = t.counts;
  const a = t.anomalous;
  const s = t.perSession;
  const h = t.ratioHistogram;
  const roc = rocSvg(
    'tunnel-roc',
    'ROC per session, tunnel stage vs baseline',
    [
      { cls: 'model', label: `tunnel ae AUC ${fmtRate(s.auc.model)}`, curve: s.roc.model },
      { cls: 'baseline', label: `baseline (rules broken) AUC ${fmtRate(s.auc.baseline)}`, curve: s.roc.baseline },
    ],
    [
      { cls: 'model operating', label: 'tunnel ae at model threshold', fpr: s.model.fpr, tpr: s.model.tpr },
      { cls: 'baseline operating', label: 'baseline, any rule', fpr: s.baseline.fpr, tpr: s.baseline.tpr },
    ],
  );
  const outside =
    `Not on the log axis: ratio 0 benign ${h.nonPositive[0]}, tunnel ${h.nonPositive[1]}; ` +
    `infinite benign ${h.infinite[0]}, tunnel ${h.infinite[1]}.`;
  return `
<h2 id="tunnel">Tunnel stage</h2>
<p class="meta">model <b id="tunnel-model-id">${escapeHtml(t.modelId)}</b> &middot; threshold ${escapeHtml(fmtLoss(t.threshold))} &middot; window ${t.windowSec} s
&middot; windows <span class="benign">benign ${c.benignWindows}</span>, <span class="tunnel">tunnel ${c.tunnelWindows}</span>
&middot; sessions <span class="benign">benign ${c.benignSessions}</span>, <span class="tunnel">tunnel ${c.tunnelSessions}</span></p>
<p>A session is every window of one (client, registered domain) in one capture file; its score is its highest window loss over
the threshold, and it alerts when any window does. The baseline is the hand-written rules (query name over 52 bytes, a label of
the longest name above 4 bits of entropy per character, TXT and NULL over half of 10 or more queries); its session score is the
number of rules any window broke. Anomalous (non-DNS) captures gave ${a.windows} windows in ${a.sessions} sessions, alerted by the
model ${a.alerted.windows} / ${a.alerted.sessions} and by the baseline ${a.baseline.windows} / ${a.baseline.sessions} (windows / sessions);
they are in no rate.</p>
<table id="tunnel-summary"><thead><tr><th class="text">detector</th><th class="text">level</th><th>TP</th><th>FP</th><th>TN</th><th>FN</th>
<th>TPR</th><th>FPR</th><th>precision</th><th>F1</th><th>AUC</th></tr></thead>
<tbody>${tunnelRateRow('tunnel ae', 'window', t.perWindow.model, undefined)}${tunnelRateRow('baseline', 'window', t.perWindow.baseline, undefined)}${tunnelRateRow('tunnel ae', 'session', s.model, s.auc.model)}${tunnelRateRow('baseline', 'session', s.baseline, s.auc.baseline)}</tbody></table>
<div class="charts">
<figure>${lossHistogramSvg('tunnel-ratio-hist', h, 1, { title: 'Window loss / threshold, benign vs tunnel', positive: 'tunnel', x: 'loss / threshold (log scale)' })}<figcaption>Loss over the threshold per window: above 1 alerts. ${outside}</figcaption></figure>
<figure>${roc}<figcaption>ROC per session: the model's highest window ratio against the number of baseline rules broken (ties enter together).</figcaption></figure>
<figure>${perFeatureSvg('tunnel-per-feature', t.perFeatureMean.features, t.perFeatureMean.benign, t.perFeatureMean.tunnel)}<figcaption>Mean squared reconstruction error of each question feature.</figcaption></figure>
</div>
<table id="tunnel-files"><thead><tr><th class="text">class</th><th class="text">group</th><th class="text">file</th>
<th>sessions</th><th>alerted</th><th>baseline</th><th>windows</th><th>alerted</th><th>baseline</th><th>header hybrid flows</th></tr></thead>
<tbody>${tunnelFileRows(ev, t)}</tbody></table>
`;
}
