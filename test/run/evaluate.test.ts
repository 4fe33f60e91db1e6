import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { columnsFromSamples } from '../../src/evaluate/eval-columns.js';
import { DETECTORS, type Detector, type EvalSample, type Label } from '../../src/evaluate/eval-types.js';
import { computeEvaluation, type Evaluation } from '../../src/evaluate/evaluation.js';
import { HEAD_BYTES } from '../../src/flow/sample.js';
import { DEFAULT_PIPELINE_OPTIONS } from '../../src/pipeline.js';
import { checkHeader, ruleNames } from '../../src/rules/header-rules.js';
import { decodesAsDns } from '../../src/rules/dns-decode-baseline.js';
import { evaluateCaptures } from '../../src/run/evaluate.js';
import type { FusedScorer } from '../../src/scoring/fused-scorer.js';
import { openScorer } from '../../src/scoring/open-scorer.js';
import { udpPayloads } from './evaluate-udp-oracle.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const log = pino({ level: 'silent' });
const pipeline = DEFAULT_PIPELINE_OPTIONS;

/**
 * Counts of the shipped model, pinned in test/run/evaluate-counts.json (and
 * quoted in README.md and docs/model.md). After retraining the default model:
 * DNSAE_UPDATE_COUNTS=1 npx vitest run test/run/evaluate.test.ts, then review the diff.
 */
const PINNED_FILE = ROOT + 'test/run/evaluate-counts.json';
function pinned<T>(key: string, actual: T): T {
  const all = existsSync(PINNED_FILE) ? (JSON.parse(readFileSync(PINNED_FILE, 'utf8')) as Record<string, unknown>) : {};
  if (process.env.DNSAE_UPDATE_COUNTS === '1') {
    all[key] = actual;
    writeFileSync(PINNED_FILE, JSON.stringify(all, null, 2) + '\n');
  }
  if (!(key in all)) throw new Error(`no pinned counts for ${key} in ${PINNED_FILE}; run with DNSAE_UPDATE_COUNTS=1`);
  return all[key] as T;
}

let scorer: FusedScorer;
beforeAll(async () => {
  scorer = await openScorer();
});

/**
 * Alert of each detector on one row, straight from the definitions in
 * docs/evaluation.md and docs/model.md ("Hybrid fusion"): a rule hit alerts
 * in the hybrid, and so does a loss above the autoencoder-only threshold.
 */
function alertsOf(r: EvalSample): Record<Detector, boolean> {
  const ae = !(r.loss <= r.threshold);
  const rules = r.ruleMask !== 0;
  const hybrid = rules || !(r.loss <= (r.aeOnlyThreshold ?? r.threshold));
  return { ae, rules, hybrid, dns_decode: !r.decodesAsDns };
}

function confusion(alerts: boolean[], labels: Label[]): { tp: number; fp: number; tn: number; fn: number } {
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  alerts.forEach((a, i) => {
    if (labels[i] === 1) a ? c.tp++ : c.fn++;
    else a ? c.fp++ : c.tn++;
  });
  return c;
}

function pickConfusion(ev: Evaluation, level: 'perSample' | 'perFlow', d: Detector) {
  const r = ev[level].rates[d];
  return { tp: r.tp, fp: r.fp, tn: r.tn, fn: r.fn };
}

describe('evaluateCaptures: hand-checked UDP captures', () => {
  const benign = ['test/fixtures/benign/tcpdump__dns_udp.pcap', 'test/fixtures/benign/suricata__dns-udp-google-a-aaaa-mx.pcap'];
  const anomalous = ['test/fixtures/anomalous/suricata__dns-udp-junkrequest-first.pcap'];

  /** The rows the pipeline should produce, rebuilt from a separate pcap reading of the same files. */
  function oracleRows(): { rows: EvalSample[]; flowOf: string[] } {
    const rows: EvalSample[] = [];
    const flowOf: string[] = [];
    const ids = new Map<string, number>();
    [...benign, ...anomalous].forEach((path, fileIndex) => {
      const label: Label = fileIndex < benign.length ? 0 : 1;
      for (const p of udpPayloads(ROOT + path)) {
        const key = `${fileIndex} ${p.flow}`;
        if (!ids.has(key)) ids.set(key, ids.size + 1);
        const dir = p.toServer ? 0 : 1;
        const len = p.payload.length;
        const headLen = Math.min(HEAD_BYTES, len);
        const perByteError = new Float32Array(8);
        // The pipeline keeps losses in a Float32Array.
        const loss = Math.fround(scorer.scoreOne(p.payload, 0, headLen, 0, dir, len, perByteError, 0));
        rows.push({
          label,
          fileIndex,
          flowKey: ids.get(key)!,
          loss,
          threshold: scorer.threshold(0, dir),
          aeOnlyThreshold: scorer.aeOnlyThreshold(0, dir),
          ruleMask: checkHeader(p.payload, 0, headLen, len, 0, dir),
          decodesAsDns: decodesAsDns(p.payload),
          perByteError,
        });
        flowOf.push(key);
      }
    });
    return { rows, flowOf };
  }

  it('gives the confusion counts derived sample by sample and flow by flow', async () => {
    const { evaluation: ev, errors } = await evaluateCaptures({ benign, anomalous }, { scorer, pipeline }, log);
    expect(errors).toEqual([]);
    const { rows, flowOf } = oracleRows();
    // 2 + 6 benign datagrams (capinfos), 4 anomalous.
    expect(rows.filter((r) => r.label === 0)).toHaveLength(8);
    expect(rows.filter((r) => r.label === 1)).toHaveLength(4);
    const flows = [...new Set(flowOf)];
    expect(ev.counts).toEqual({
      samples: 12,
      benignSamples: 8,
      anomalousSamples: 4,
      flows: flows.length,
      benignFlows: flows.filter((f) => !f.startsWith(`${benign.length} `)).length,
      anomalousFlows: flows.filter((f) => f.startsWith(`${benign.length} `)).length,
    });
    // The baseline must see whole payloads (the tap): all benign ones parse, the junk request does not.
    expect(rows.filter((r) => r.label === 0).every((r) => r.decodesAsDns)).toBe(true);
    expect(rows.some((r) => !r.decodesAsDns)).toBe(true);

    const labels = rows.map((r) => r.label);
    const flowLabels = flows.map((f) => rows[flowOf.indexOf(f)]!.label);
    for (const d of DETECTORS) {
      const alerts = rows.map((r) => alertsOf(r)[d]);
      expect(pickConfusion(ev, 'perSample', d), `${d} per sample`).toEqual(confusion(alerts, labels));
      const flowAlerts = flows.map((f) => alerts.some((a, i) => a && flowOf[i] === f));
      expect(pickConfusion(ev, 'perFlow', d), `${d} per flow`).toEqual(confusion(flowAlerts, flowLabels));
    }
  });

  it('matches computeEvaluation on the independently built rows in every figure', async () => {
    const { evaluation: ev, files } = await evaluateCaptures({ benign, anomalous }, { scorer, pipeline }, log);
    const { rows } = oracleRows();
    const ref = computeEvaluation({ files, samples: columnsFromSamples(rows), modelId: scorer.modelId, threshold: scorer.globalThreshold, ruleNames });
    for (const k of ['counts', 'perSample', 'perFlow', 'thresholdForFpr', 'perByteMean', 'ruleHits', 'files'] as const) {
      expect(ev[k], k).toEqual(ref[k]);
    }
    expect(files.map((f) => [f.label, f.group])).toEqual([
      [0, 'benign'],
      [0, 'benign'],
      [1, 'anomalous'],
    ]);
  });
});

describe('evaluateCaptures: DNS over TCP reaches the baseline whole', () => {
  it('decodes every reassembled benign message and not the HTTP request', async () => {
    // Sample counts from test/fixtures/flow-samples-tshark.json (tshark reassembly): 2 and 40 messages;
    // tshark flags no malformed or warning-level DNS in either file.
    const benign = ['test/fixtures/benign/tcpdump__dns_tcp.pcap', 'test/fixtures/benign/suricata__dns-tcp-multirequest-buffer.pcap'];
    const anomalous = ['test/fixtures/anomalous/suricata__http-get-tcp53-a.pcap'];
    const { evaluation: ev } = await evaluateCaptures({ benign, anomalous }, { scorer, pipeline }, log);
    expect(ev.files.map((f) => f.samples)).toEqual([2, 40, 1]);
    expect(ev.files.map((f) => f.alertsBy.dns_decode.samples)).toEqual([0, 0, 1]);
  });
});

describe('evaluateCaptures: hybrid against its parts on the public fixtures and foreign protocols on port 53', () => {
  const list = (dir: string, re: RegExp): string[] =>
    readdirSync(ROOT + dir)
      .filter((f) => re.test(f))
      .sort()
      .map((f) => `${dir}/${f}`);
  const benign = list('test/fixtures/benign', /\.pcap(ng)?$/);
  const anomalous = [...list('test/fixtures/anomalous', /\.pcap(ng)?$/), ...list('data/foreign-53', /\.pcap$/)];

  it('detects at least as many flows as the rules, with no more false positives than the rules or ae', async () => {
    const { evaluation: ev, errors } = await evaluateCaptures({ benign, anomalous }, { scorer, pipeline }, log);
    expect(errors).toEqual([]);
    const f = ev.perFlow.rates;
    expect(f.hybrid.tp).toBeGreaterThanOrEqual(f.rules.tp);
    expect(f.hybrid.fp).toBeLessThanOrEqual(f.rules.fp);
    expect(f.hybrid.fp).toBeLessThanOrEqual(f.ae.fp);
    expect([benign.length, anomalous.length, ev.counts.benignFlows, ev.counts.anomalousFlows]).toEqual([40, 44, 257, 114]);
    const counts = { modelId: scorer.modelId, ae: [f.ae.tp, f.ae.fp], rules: [f.rules.tp, f.rules.fp], hybrid: [f.hybrid.tp, f.hybrid.fp] };
    expect(counts).toEqual(pinned('publicCorpus', counts));
  });
});

describe('evaluateCaptures: the hybrid calibrated as one detector (docs/model.md, "Hybrid fusion")', () => {
  const list = (dir: string, re = /\.pcap(ng)?$/): string[] =>
    readdirSync(ROOT + dir)
      .filter((f) => re.test(f))
      .sort()
      .map((f) => `${dir}/${f}`);
  // Every held-out benign set: the variety classes, legitimate tunnel-like names, the client population, the public corpus.
  const benign = [
    ...list('data/benign/variety/test'),
    ...list('data/hard-benign/test'),
    ...list('data/population/test'),
    ...list('test/fixtures/benign'),
  ];
  const probes = list('data/benign/variety/probes');
  const anomalous = [...list('test/fixtures/anomalous'), ...list('data/foreign-53', /\.pcap$/)];

  it('alerts on no more benign flows than the rules, catches at least as many non-DNS flows, ae alone on at most 0.05% of benign flows', async () => {
    const { evaluation: ev, errors } = await evaluateCaptures({ benign, anomalous }, { scorer, pipeline }, log);
    expect(errors).toEqual([]);
    const f = ev.perFlow.rates;
    expect(f.hybrid.fp).toBeLessThanOrEqual(f.rules.fp);
    expect(f.hybrid.tp).toBeGreaterThanOrEqual(f.rules.tp);
    expect(f.ae.fp).toBeLessThanOrEqual(0.0005 * ev.counts.benignFlows);
    // The report states the fusion it measured.
    expect(ev.aeOnlyThreshold).toBe(scorer.aeOnlyThreshold(0, 0));
    expect(ev.aeOnlyThreshold).toBeGreaterThan(ev.threshold);
    // File by file too, so one group's quiet cannot hide another's noise.
    for (const file of ev.files) {
      const h = file.alertsBy.hybrid.flows;
      const r = file.alertsBy.rules.flows;
      if (file.label === 0) expect(h, file.path).toBeLessThanOrEqual(r);
      else expect(h, file.path).toBeGreaterThanOrEqual(r);
    }
    const counts = {
      modelId: scorer.modelId,
      aeOnlyThreshold: Number(scorer.aeOnlyThreshold(0, 0).toFixed(6)),
      files: [benign.length, anomalous.length],
      flows: [ev.counts.benignFlows, ev.counts.anomalousFlows],
      ae: [f.ae.tp, f.ae.fp],
      rules: [f.rules.tp, f.rules.fp],
      hybrid: [f.hybrid.tp, f.hybrid.fp],
    };
    expect(counts).toEqual(pinned('heldOutBenign', counts));
  });

  it('alerts on the fingerprinting probes where the rules do, not beyond', async () => {
    const { evaluation: ev, errors } = await evaluateCaptures({ benign: probes, anomalous: [] }, { scorer, pipeline }, log);
    expect(errors).toEqual([]);
    const f = ev.perFlow.rates;
    expect(ev.counts.benignFlows).toBeGreaterThan(300);
    expect(f.hybrid.fp).toBeLessThanOrEqual(f.rules.fp);
  });
});
