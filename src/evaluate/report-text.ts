import { DETECTORS, type Detector } from './eval-types.js';
import type { Evaluation, LevelResult } from './evaluation.js';
import { fmtLoss, fmtRate } from './format-number.js';

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
  return DETECTORS.map((d) => {
    const r = l.rates[d];
    return [
      pad(DETECTOR_LABEL[d], 11),
      pad(name, 7),
      pad(String(r.tp), 9, true),
      pad(String(r.fp), 9, true),
      pad(String(r.tn), 9, true),
      pad(String(r.fn), 9, true),
      pad(fmtRate(r.tpr), 7, true),
      pad(fmtRate(r.fpr), 7, true),
      pad(fmtRate(r.precision), 7, true),
      pad(fmtRate(r.f1), 7, true),
      pad(fmtRate(l.auc[d]), 7, true),
    ].join(' ');
  });
}

export function formatTextReport(ev: Evaluation): string {
  const c = ev.counts;
  const t = ev.thresholdForFpr;
  const lines: string[] = [
    `model ${printable(ev.modelId)}  threshold ${fmtLoss(ev.threshold)}`,
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
  return `${lines.join('\n')}\n`;
}
