import { DETECTORS, type Detector } from './eval-types.js';
import type { Evaluation, LevelResult } from './evaluation.js';
import { fmtLoss, fmtRate } from './format-number.js';
import type { Rates } from './metrics.js';
import { TUNNEL_CLASSES } from './tunnel-collector.js';
import type { TunnelEvaluation } from './tunnel-metrics.js';

/**
 * Compact terminal summary. File names come from the command line and may
 * hold control characters; they are shown escaped so a crafted name cannot
 * drive the terminal.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function pad(s: string, w: number, right = false): string {
  return right ? s.padStart(w) : s.padEnd(w);
}

const DETECTOR_LABEL: Readonly<Record<Detector, string>> = {
  ae: 'ae',
  rules: 'rules',
  hybrid: 'hybrid',
  dns_decode: 'dns-decode',
};

function levelRows(name: string, l: LevelResult): string[] {
  return DETECTORS.map((d) => rateRow(DETECTOR_LABEL[d], name, l.rates[d], l.auc[d]));
}

export function formatTextReport(ev: Evaluation): string {
  const c = ev.counts;
  const t = ev.thresholdForFpr;
  const lines: string[] = [
    `model ${printable(ev.modelId)}  threshold ${fmtLoss(ev.threshold)}` +
      (ev.aeOnlyThreshold === ev.threshold ? '' : `  hybrid autoencoder-only threshold ${fmtLoss(ev.aeOnlyThreshold)}`),
    `samples ${c.samples} (benign ${c.benignSamples}, anomalous ${c.anomalousSamples})  ` +
      `flows ${c.flows} (benign ${c.benignFlows}, anomalous ${c.anomalousFlows})`,
    '',
    [
      pad('detector', 11),
      pad('level', 7),
      pad('TP', 9, true),
      pad('FP', 9, true),
      pad('TN', 9, true),
      pad('FN', 9, true),
      pad('TPR', 7, true),
      pad('FPR', 7, true),
      pad('prec', 7, true),
      pad('F1', 7, true),
      pad('AUC', 7, true),
    ].join(' '),
    ...levelRows('sample', ev.perSample),
    ...levelRows('flow', ev.perFlow),
    '',
    t.threshold === null
      ? `threshold for FPR ${t.targetFpr}: - (no benign samples)`
      : `threshold for FPR ${t.targetFpr}: ${fmtLoss(t.threshold)} (x${fmtLoss(t.scale)} of model threshold; ` +
        `achieved FPR ${fmtRate(t.achievedFpr)}, TPR ${fmtRate(t.rates?.tpr)})`,
    '',
    [
      pad('label', 9),
      pad('samples', 9, true),
      pad('flows', 7, true),
      ...DETECTORS.map((d) => pad(DETECTOR_LABEL[d], 11, true)),
      '  file',
    ].join(' '),
  ];
  for (const f of ev.files) {
    lines.push(
      [
        pad(f.label === 0 ? 'benign' : 'anomalous', 9),
        pad(String(f.samples), 9, true),
        pad(String(f.flows), 7, true),
        // Share of the file's samples alerted on: detection rate for an anomalous file, FPR for a benign one.
        ...DETECTORS.map((d) => pad(f.samples === 0 ? '-' : `${(f.alertsBy[d].samples / f.samples * 100).toFixed(1)}%`, 11, true)),
        `  ${printable(f.path)}`,
      ].join(' '),
    );
  }
  if (ev.tunnel !== undefined) lines.push('', ...tunnelLines(ev, ev.tunnel));
  return `${lines.join('\n')}\n`;
}

function rateRow(name: string, level: string, r: Rates, auc: number | null | undefined): string {
  return [
    pad(name, 11),
    pad(level, 7),
    pad(String(r.tp), 9, true),
    pad(String(r.fp), 9, true),
    pad(String(r.tn), 9, true),
    pad(String(r.fn), 9, true),
    pad(fmtRate(r.tpr), 7, true),
    pad(fmtRate(r.fpr), 7, true),
    pad(fmtRate(r.precision), 7, true),
    pad(fmtRate(r.f1), 7, true),
    pad(auc === undefined ? '' : fmtRate(auc), 7, true),
  ].join(' ');
}

/** The tunnel stage: window and session rates of the model and the baseline, then its per-file table. */
function tunnelLines(ev: Evaluation, t: TunnelEvaluation): string[] {
  const c = t.counts;
  const a = t.anomalous;
  const s = t.perSession;
  const lines = [
    `tunnel stage: model ${printable(t.modelId)}  threshold ${fmtLoss(t.threshold)}  window ${t.windowSec} s`,
    `windows benign ${c.benignWindows}, tunnel ${c.tunnelWindows}  sessions benign ${c.benignSessions}, tunnel ${c.tunnelSessions}`,
    `anomalous captures (not in the rates): windows ${a.windows} (model ${a.alerted.windows}, baseline ${a.baseline.windows}), ` +
      `sessions ${a.sessions} (model ${a.alerted.sessions}, baseline ${a.baseline.sessions})`,
    '',
    [pad('detector', 11), pad('level', 7), ...['TP', 'FP', 'TN', 'FN'].map((h) => pad(h, 9, true)), ...['TPR', 'FPR', 'prec', 'F1', 'AUC'].map((h) => pad(h, 7, true))].join(' '),
    rateRow('tunnel-ae', 'window', t.perWindow.model, undefined),
    rateRow('baseline', 'window', t.perWindow.baseline, undefined),
    rateRow('tunnel-ae', 'session', s.model, s.auc.model),
    rateRow('baseline', 'session', s.baseline, s.auc.baseline),
    '',
    [
      pad('class', 9),
      pad('sessions', 9, true),
      pad('ae', 7, true),
      pad('baseline', 9, true),
      pad('windows', 9, true),
      pad('ae', 7, true),
      pad('baseline', 9, true),
      pad('header', 13, true),
      '  file',
    ].join(' '),
  ];
  for (const f of t.files) {
    // The header stage's hybrid flow alerts beside them, for the files both stages evaluated.
    const h = f.cls === 1 ? undefined : ev.files[f.index];
    lines.push(
      [
        pad(TUNNEL_CLASSES[f.cls], 9),
        pad(String(f.sessions), 9, true),
        pad(String(f.alerted.sessions), 7, true),
        pad(String(f.baseline.sessions), 9, true),
        pad(String(f.windows), 9, true),
        pad(String(f.alerted.windows), 7, true),
        pad(String(f.baseline.windows), 9, true),
        pad(h === undefined ? '-' : `${h.alertsBy.hybrid.flows}/${h.flows}`, 13, true),
        `  ${printable(f.path)}`,
      ].join(' '),
    );
  }
  lines.push('(sessions and windows alerted by the tunnel autoencoder and by the baseline rules; header: flows alerted by hybrid / flows)');
  return lines;
}
