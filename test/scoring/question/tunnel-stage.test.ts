import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUESTION_FEATURE_COUNT } from '../../../src/features/question/question-features.js';
import { readQuestionModel, type QuestionModel } from '../../../src/model/question/question-model.js';
import type { TunnelCounters } from '../../../src/scoring/question/tunnel-stage.js';
import { WindowScorer } from '../../../src/scoring/question/window-scorer.js';
import { CLI, runCli } from '../../golden/run-cli.js';
import { collectWindows, ROOT, runStage, trainTiny } from './question-fixture.js';

const TUNNELS = path.join(ROOT, 'test/fixtures/anomalous/in-protocol-tunnel');
const DNSCAT2 = path.join(TUNNELS, 'ndpi__dns_exfiltration-dnscat2.pcap');
const DNSCAT = path.join(TUNNELS, 'ndpi__bad-dns-traffic-dnscat.pcap');
const DNS2TCP = path.join(TUNNELS, 'suricata__dns2tcp-txt.pcap');
const IODINE = path.join(TUNNELS, 'ndpi__dns-tunnel-iodine.pcap');

let dir = '';
let model: QuestionModel;
let trainRows: Float32Array;
let trainCount = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dnsae-tunnel-'));
  const r = await trainTiny(dir);
  trainRows = r.rows;
  trainCount = r.count;
  model = (await readQuestionModel(dir))!;
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** The question model as tfjs builds it from the files on disk, independently of WindowScorer. */
async function tfjsModel(): Promise<tf.LayersModel> {
  const q = path.join(dir, 'question');
  const json = JSON.parse(await readFile(path.join(q, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const bin = await readFile(path.join(q, 'weights.bin'));
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0]!.weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
}

describe('WindowScorer', () => {
  it('its loss equals the MSE of tfjs model.predict within 1e-5, on benign and tunnel windows', async () => {
    const tunnel = await collectWindows([DNSCAT2, DNSCAT, DNS2TCP, IODINE]);
    const d = QUESTION_FEATURE_COUNT;
    const n = trainCount + tunnel.count;
    const x = new Float32Array(n * d);
    x.set(trainRows);
    x.set(tunnel.rows, trainCount * d);
    const m = await tfjsModel();
    const pred = tf.tidy(() => (m.predict(tf.tensor2d(x, [n, d])) as tf.Tensor).dataSync() as Float32Array);
    m.dispose();
    const scorer = new WindowScorer(model.layers);
    const per = new Float32Array(d);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      let mse = 0;
      for (let j = 0; j < d; j++) mse += (pred[i * d + j]! - x[i * d + j]!) ** 2;
      mse /= d;
      const loss = scorer.loss(x, i * d);
      worst = Math.max(worst, Math.abs(loss - mse));
      // The per-feature errors are the terms of the same mean, and the cached path gives the same loss.
      const again = scorer.lossPerFeature(x, i * d, per);
      expect(again).toBe(loss);
      expect(per.reduce((a, b) => a + b, 0) / d).toBeCloseTo(loss, 6);
      expect(scorer.loss(x, i * d)).toBe(loss);
      expect(scorer.lossUncached(x, i * d)).toBe(loss);
    }
    expect(n).toBeGreaterThan(50);
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('TunnelStage', () => {
  it('scores every window once, alerts on those over the threshold', async () => {
    const r = await runStage(model, [DNSCAT, DNS2TCP, IODINE]);
    expect(r.counters.windows_scored).toBe(r.scored.length);
    const hits = r.scored.filter((s) => s.hit);
    expect(r.counters.windows_anomalous).toBe(hits.length);
    for (const s of r.scored) expect(s.hit).toBe(s.loss > model.meta.threshold);
    expect(r.lines).toHaveLength(hits.length);
    expect(r.lines.map((l) => l.dnsae.registered_domain).sort()).toEqual(hits.map((h) => h.domain).sort());
    // These three tunnels are far from the benign windows the model saw.
    expect(hits.map((h) => h.domain)).toEqual(expect.arrayContaining(['skullseclabs.org', 'tunnel.com', 'pirate.sea']));
  });

  it('--all writes one dns_ae_window record per scored window, alert or not, beside the alerts', async () => {
    const r = await runStage(model, [DNSCAT, DNS2TCP], { all: true });
    const windows = r.lines.filter((l) => l.event_type === 'dns_ae_window');
    expect(windows).toHaveLength(r.counters.windows_scored);
    expect(windows.map((w) => w.dnsae.alert).sort()).toEqual(r.scored.map((s) => (s.hit ? 'alert' : 'none')).sort());
    expect(r.lines.filter((l) => l.event_type === 'alert')).toHaveLength(r.counters.windows_anomalous);
  });

  it('allow-listed registered domains are suppressed exactly, and counted', async () => {
    const files = [DNSCAT, DNS2TCP, IODINE];
    const base = await runStage(model, files);
    const domains = [...new Set(base.lines.map((l) => l.dnsae.registered_domain as string))].sort();
    expect(domains.length).toBeGreaterThanOrEqual(2);
    const allowed = domains[0]!;
    const r = await runStage(model, files, { allow: [allowed] });
    const expected = base.lines.filter((l) => l.dnsae.registered_domain !== allowed);
    expect(r.lines.map((l) => l.dnsae.registered_domain)).toEqual(expected.map((l) => l.dnsae.registered_domain));
    expect(r.counters.windows_allowed).toBe(base.lines.length - expected.length);
    expect(r.counters.windows_allowed).toBeGreaterThan(0);
    expect(r.counters.windows_anomalous).toBe(base.counters.windows_anomalous);
    // A domain that is not a window's registered domain (a subdomain of one) allows nothing.
    const sub = await runStage(model, files, { allow: [`srv.${allowed}`, `x${allowed}`] });
    expect(sub.counters.windows_allowed).toBe(0);
    expect(sub.lines).toHaveLength(base.lines.length);
  });

  it('the per-source rate limit holds back alerts past N per window of packet time', async () => {
    // The iodine capture twelve times, each copy two minutes after the last: one client, twelve windows.
    const parts: string[] = [];
    for (let k = 0; k < 12; k++) {
      const part = path.join(dir, `iodine-${k}.pcap`);
      execFileSync('editcap', ['-F', 'pcap', '-t', String(k * 120), IODINE, part]);
      parts.push(part);
    }
    const REPEATED = path.join(dir, 'iodine-x12.pcap');
    execFileSync('mergecap', ['-F', 'pcap', '-w', REPEATED, ...parts]);
    const free = await runStage(model, [REPEATED], { policy: { limitPerSource: 0 } });
    const hits = free.scored.filter((s) => s.hit);
    expect(new Set(hits.map((h) => h.client)).size).toBe(1);
    expect(hits.length).toBe(12);
    expect(free.lines).toHaveLength(hits.length);
    const limit = 5;
    const windowSec = 3600; // longer than the merged capture's 22 minutes: one rate window
    const span = Math.max(...hits.map((h) => h.ts)) - Math.min(...hits.map((h) => h.ts));
    expect(span).toBeLessThan(windowSec);
    const r = await runStage(model, [REPEATED], { policy: { limitPerSource: limit, limitWindowSec: windowSec } });
    expect(r.lines).toHaveLength(limit);
    expect(r.policy.counters.suppressed_rate).toBe(hits.length - limit);
    expect(r.counters.windows_anomalous).toBe(hits.length);
    // One window per flow would not matter: the tunnel stage does not apply one-alert-per-flow.
    expect(r.policy.counters.suppressed_flow).toBe(0);
  });

  it.skipIf(!existsSync(CLI))('dnsae score --allow-domains: the listed domains are counted as windows_allowed, the others still alert', async () => {
    const model = 'test/fixtures/model/question-small';
    const files = [DNSCAT, DNS2TCP].map((f) => path.relative(ROOT, f));
    const base = runCli(['score', '-m', model, '-d', 'tunnel', ...files]);
    expect(base.status).toBe(0);
    const domains = base.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).dnsae.registered_domain as string);
    expect(new Set(domains)).toEqual(new Set(['skullseclabs.org', 'tunnel.com']));
    const list = path.join(dir, 'allow.txt');
    await writeFile(list, '# site zones\nTunnel.COM.\n\n');
    const r = runCli(['score', '-m', model, '-d', 'tunnel', '--allow-domains', list, ...files]);
    expect(r.status).toBe(0);
    const left = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).dnsae.registered_domain as string);
    expect(left).toEqual(domains.filter((d) => d !== 'tunnel.com'));
    const t = (r.summary as { tunnel: TunnelCounters }).tunnel;
    expect(t.windows_allowed).toBe(domains.length - left.length);
    expect(t.windows_anomalous).toBe((base.summary as { tunnel: TunnelCounters }).tunnel.windows_anomalous);
  });
});
