import { BYTE_LABELS, DETECTORS, type Detector } from './eval-types.js';
import type { Evaluation } from './evaluation.js';
import type { AlertCounts } from './file-table.js';
import type { Rates } from './metrics.js';
import { TUNNEL_CLASSES } from './tunnel-collector.js';
import type { TunnelEvaluation } from './tunnel-metrics.js';

/**
 * The machine-readable result of `dnsae evaluate --json`. Bump the version
 * on any change a consumer could notice (renamed key, changed meaning).
 * Non-finite numbers are written as null, since JSON has no Infinity.
 * The `tunnel` object is there only when the tunnel stage ran; adding it
 * changed no existing key, so the version stays.
 */
export const EVAL_JSON_VERSION = 1;

export type JsonNumber = number | null;

export interface JsonRates {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  tpr: JsonNumber;
  fpr: JsonNumber;
  precision: JsonNumber;
  recall: JsonNumber;
  f1: JsonNumber;
}

export interface EvalJsonReport {
  version: number;
  model: string;
  threshold: JsonNumber;
  aeOnlyThreshold: JsonNumber;
  counts: Evaluation['counts'];
  perSample: Record<Detector, JsonRates>;
  perFlow: Record<Detector, JsonRates>;
  auc: { sample: Record<Detector, JsonNumber>; flow: Record<Detector, JsonNumber> };
  thresholdForFpr: { fpr: number; threshold: JsonNumber; achievedFpr: JsonNumber; scale: JsonNumber; tpr: JsonNumber };
  perByteMean: { bytes: string[]; benign: JsonNumber[]; anomalous: JsonNumber[] };
  ruleHits: { benign: Record<string, number>; anomalous: Record<string, number> };
  files: {
    path: string;
    label: 'benign' | 'anomalous';
    group?: string;
    samples: number;
    flows: number;
    alertsBy: Record<Detector, AlertCounts>;
    ruleHits: Record<string, number>;
  }[];
  tunnel?: TunnelJson;
}

interface TunnelCountsJson {
  sessions: number;
  windows: number;
}

export interface TunnelJson {
  model: string;
  threshold: JsonNumber;
  windowSec: number;
  counts: TunnelEvaluation['counts'];
  perWindow: { model: JsonRates; baseline: JsonRates };
  perSession: { model: JsonRates; baseline: JsonRates };
  auc: { session: { model: JsonNumber; baseline: JsonNumber } };
  /** --anomalous captures: informative, in no rate. */
  anomalous: { sessions: number; windows: number; alerted: TunnelCountsJson; baseline: TunnelCountsJson };
  ruleHits: { benign: Record<string, number>; tunnel: Record<string, number>; anomalous: Record<string, number> };
  perFeatureMean: { features: string[]; benign: JsonNumber[]; tunnel: JsonNumber[] };
  files: {
    path: string;
    class: (typeof TUNNEL_CLASSES)[number];
    group?: string;
    sessions: number;
    windows: number;
    alerted: TunnelCountsJson;
    baseline: TunnelCountsJson;
  }[];
}

function num(v: number | null | undefined): JsonNumber {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

function jsonRates(r: Rates): JsonRates {
  return {
    tp: r.tp,
    fp: r.fp,
    tn: r.tn,
    fn: r.fn,
    tpr: num(r.tpr),
    fpr: num(r.fpr),
    precision: num(r.precision),
    recall: num(r.recall),
    f1: num(r.f1),
  };
}

function perDetector<T>(f: (d: Detector) => T): Record<Detector, T> {
  return Object.fromEntries(DETECTORS.map((d) => [d, f(d)])) as Record<Detector, T>;
}

export function buildJsonReport(ev: Evaluation): EvalJsonReport {
  const t = ev.thresholdForFpr;
  return {
    version: EVAL_JSON_VERSION,
    model: ev.modelId,
    threshold: num(ev.threshold),
    aeOnlyThreshold: num(ev.aeOnlyThreshold),
    counts: { ...ev.counts },
    perSample: perDetector((d) => jsonRates(ev.perSample.rates[d])),
    perFlow: perDetector((d) => jsonRates(ev.perFlow.rates[d])),
    auc: {
      sample: perDetector((d) => num(ev.perSample.auc[d])),
      flow: perDetector((d) => num(ev.perFlow.auc[d])),
    },
    thresholdForFpr: {
      fpr: t.targetFpr,
      threshold: num(t.threshold),
      achievedFpr: num(t.achievedFpr),
      scale: num(t.scale),
      tpr: num(t.rates?.tpr),
    },
    perByteMean: {
      bytes: [...BYTE_LABELS],
      benign: ev.perByteMean.benign.map(num),
      anomalous: ev.perByteMean.anomalous.map(num),
    },
    ruleHits: { benign: { ...ev.ruleHits.benign }, anomalous: { ...ev.ruleHits.anomalous } },
    files: ev.files.map((f) => ({
      path: f.path,
      label: f.label === 0 ? 'benign' : 'anomalous',
      ...(f.group === undefined ? {} : { group: f.group }),
      samples: f.samples,
      flows: f.flows,
      alertsBy: perDetector((d) => ({ ...f.alertsBy[d] })),
      ruleHits: { ...f.ruleHits },
    })),
    ...(ev.tunnel === undefined ? {} : { tunnel: tunnelJson(ev.tunnel) }),
  };
}

function tunnelJson(t: TunnelEvaluation): TunnelJson {
  return {
    model: t.modelId,
    threshold: num(t.threshold),
    windowSec: t.windowSec,
    counts: { ...t.counts },
    perWindow: { model: jsonRates(t.perWindow.model), baseline: jsonRates(t.perWindow.baseline) },
    perSession: { model: jsonRates(t.perSession.model), baseline: jsonRates(t.perSession.baseline) },
    auc: { session: { model: num(t.perSession.auc.model), baseline: num(t.perSession.auc.baseline) } },
    anomalous: { sessions: t.anomalous.sessions, windows: t.anomalous.windows, alerted: { ...t.anomalous.alerted }, baseline: { ...t.anomalous.baseline } },
    ruleHits: { benign: { ...t.ruleHits.benign }, tunnel: { ...t.ruleHits.tunnel }, anomalous: { ...t.ruleHits.anomalous } },
    perFeatureMean: { features: [...t.perFeatureMean.features], benign: t.perFeatureMean.benign.map(num), tunnel: t.perFeatureMean.tunnel.map(num) },
    files: t.files.map((f) => ({
      path: f.path,
      class: TUNNEL_CLASSES[f.cls],
      ...(f.group === undefined ? {} : { group: f.group }),
      sessions: f.sessions,
      windows: f.windows,
      alerted: { ...f.alerted },
      baseline: { ...f.baseline },
    })),
  };
}

export function formatJsonReport(report: EvalJsonReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
