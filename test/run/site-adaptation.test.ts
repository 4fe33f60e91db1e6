// The analyst's feedback round of docs/site-adaptation.md on real captures:
// the default model's header stage (rebuilt here from its captures, with the
// training rows a model directory now keeps), a benign class that alerts
// under it, one `train --base --benign-alerts` round, and detection of
// non-DNS on port 53 before and after.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../golden/run-cli.js';

const list = (d: string, re = /\.pcap$/): string[] =>
  readdirSync(join(ROOT, d))
    .filter((f) => re.test(f))
    .sort()
    .map((f) => `${d}/${f}`);

// What scripts/model/train-default.sh trains models/default on.
const DEFAULT_INPUTS = [...list('data/benign'), ...list('data/benign/variety/train'), ...list('data/hard-benign/train'), ...list('data/population/train')];
// Fingerprinting probes (odd opcodes, the Z bit, no question): a site's own scanner, benign there.
const SITE = 'data/benign/variety/probes/probes.pcap';
const FOREIGN = list('data/foreign-53');
const ANOMALOUS = list('test/fixtures/anomalous', /\.pcap(ng)?$/);

let dir = '';
let base = '';
let adapted = '';
let marked = '';

/** Alert records of `score` (one per flow: the default alert policy). */
function alerts(model: string, detector: string, files: readonly string[]): Record<string, any>[] {
  const r = runCli(['score', '-d', detector, '-m', model, ...files]);
  expect(r.errorLines).toEqual([]);
  expect(r.status).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dnsae-adapt-'));
  base = join(dir, 'base');
  adapted = join(dir, 'adapted');
  marked = join(dir, 'false-positives.ndjson');
  const t = runCli(['train', '--seed', '53', '--target-fpr', '0.0001', '--no-question', '-o', base, ...DEFAULT_INPUTS]);
  expect(t.errorLines).toEqual([]);
  expect(t.status).toBe(0);
}, 300_000);
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('site adaptation round', () => {
  it('rebuilds the shipped default header model, now with its training rows', () => {
    const meta = JSON.parse(readFileSync(join(base, 'dnsae.json'), 'utf8'));
    const shipped = JSON.parse(readFileSync(join(ROOT, 'models/default/dnsae.json'), 'utf8'));
    expect(meta.modelId).toBe(shipped.modelId);
    expect(meta.threshold).toBe(shipped.threshold);
    const rows = JSON.parse(readFileSync(join(base, 'training-rows.json'), 'utf8'));
    expect(rows.samples).toBe(meta.training.samples);
    expect(rows.rows.length).toBe(meta.training.distinctRows);
  });

  it('quiets a benign class that alerts under the default model and keeps detection of non-DNS on port 53', () => {
    const before = alerts(base, 'ae', [SITE]);
    expect(before.length).toBeGreaterThan(0);
    // The analyst marks every one of them as a false positive.
    writeFileSync(marked, before.map((a) => JSON.stringify(a)).join('\n') + '\n');
    const t = runCli(['train', '--no-question', '--target-fpr', '0.0001', '--base', base, '--benign-alerts', marked, '-o', adapted, SITE]);
    expect(t.errorLines).toEqual([]);
    expect(t.status).toBe(0);
    const meta = JSON.parse(readFileSync(join(adapted, 'dnsae.json'), 'utf8'));
    const baseMeta = JSON.parse(readFileSync(join(base, 'dnsae.json'), 'utf8'));
    expect(meta.training.base.modelId).toBe(baseMeta.modelId);
    expect(meta.training.benignAlerts).toBe(before.length);
    expect(meta.threshold).toBeGreaterThanOrEqual(baseMeta.threshold);

    const flows = (m: string, d: string, files: readonly string[]): string[] => alerts(m, d, files).map((a) => `${a.pcap_filename} ${a.flow_id}`).sort();
    expect(alerts(adapted, 'ae', [SITE])).toEqual([]);
    // The hybrid's alerts on the site are now the structure rules' alone (rules are not learnt).
    expect(flows(adapted, 'hybrid', [SITE])).toEqual(flows(adapted, 'rules', [SITE]));
    // Non-DNS on port 53: the same flows caught, detector by detector.
    for (const d of ['ae', 'hybrid', 'rules']) {
      expect(flows(adapted, d, FOREIGN)).toEqual(flows(base, d, FOREIGN));
      expect(flows(adapted, d, ANOMALOUS)).toEqual(flows(base, d, ANOMALOUS));
    }
  }, 300_000);

  it('model diff shows the round: same base, the site capture quieted and nothing new raised', () => {
    const r = runCli(['model', 'diff', base, adapted, '--capture', SITE, '--json']);
    expect(r.errorLines).toEqual([]);
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.b.training.base.modelId).toBe(d.a.modelId);
    expect(d.capture.quieted).toBeGreaterThan(0);
    expect(d.capture.raised).toBe(0);
    expect(d.capture.bothAlert).toBe(0);
    expect(d.capture.quieted + d.capture.neither).toBe(d.capture.samples);
    const text = runCli(['model', 'diff', base, adapted]);
    const thr = (d.a.threshold as number).toFixed(6);
    expect(text.stdout).toMatch(new RegExp(`^threshold\\s+${thr.replace('.', '\\.')}\\s+\\d\\.\\d{6}\\s+[+-]?\\d`, 'm'));
  });

  it('refuses a base without training rows and a malformed alerts line, one line each', () => {
    // A model directory from before training rows were kept: the shipped one without its training-rows.json.
    const old = join(dir, 'no-rows');
    cpSync(join(ROOT, 'models/default'), old, { recursive: true });
    rmSync(join(old, 'training-rows.json'));
    const noRows = runCli(['train', '--no-question', '--base', old, '-o', join(dir, 'x'), SITE]);
    expect(noRows.status).toBe(4);
    expect(noRows.errorLines).toHaveLength(1);
    expect(noRows.errorLines[0]).toMatch(/training-rows\.json.*\[DNSAE_ERR_MODEL_NOT_FOUND\]$/);
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, '{"dnsae":{"first8":"0000"}}\nnot json\n');
    const r = runCli(['train', '--no-question', '--base', base, '--benign-alerts', bad, '-o', join(dir, 'y'), SITE]);
    expect(r.status).toBe(3);
    expect(r.errorLines).toEqual([`dnsae: ${bad}: line 1: dnsae.payload_length must be a whole number 0-65535 [DNSAE_ERR_BAD_ALERTS]`]);
  });
});
