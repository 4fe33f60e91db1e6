import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTORS } from '../../src/evaluate/eval-types.js';
import { ROOT, runCli } from '../golden/run-cli.js';
import { udpPayloads } from './evaluate-udp-oracle.js';

const BENIGN = ['test/fixtures/benign/tcpdump__dns_udp.pcap', 'test/fixtures/benign/tcpdump__dns_tcp.pcap'];
const ANOMALOUS = ['test/fixtures/anomalous/suricata__http-get-tcp53-a.pcap'];
const RATE_KEYS = ['tp', 'fp', 'tn', 'fn', 'tpr', 'fpr', 'precision', 'recall', 'f1'];

let dir: string;
// The CLI is the one `npm test` built: a tsc build here would replace the bundled entry point
// under the other test files that run the CLI at the same time.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dnsae-evaluate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dnsae evaluate (CLI)', () => {
  it('prints the versioned JSON report and writes the HTML report with its charts', () => {
    const html = join(dir, 'report.html');
    const r = runCli(['evaluate', '--json', '--report', html, '--benign', ...BENIGN, '--anomalous', ...ANOMALOUS]);
    expect(r.errorLines).toEqual([]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, any>;
    expect(Object.keys(j)).toEqual(
      expect.arrayContaining(['version', 'model', 'threshold', 'counts', 'perSample', 'perFlow', 'auc', 'thresholdForFpr', 'perByteMean', 'ruleHits', 'files']),
    );
    for (const level of ['perSample', 'perFlow']) {
      expect(Object.keys(j[level]).sort()).toEqual([...DETECTORS].sort());
      for (const d of DETECTORS) expect(Object.keys(j[level][d])).toEqual(expect.arrayContaining(RATE_KEYS));
    }
    expect(Object.keys(j.auc).sort()).toEqual(['flow', 'sample']);
    // 2 UDP datagrams (capinfos), 2 TCP messages and 1 HTTP request (flow-samples-tshark.json and the HTTP test).
    expect(j.counts.samples).toBe(5);
    expect(j.counts.anomalousSamples).toBe(1);
    expect(j.files.map((f: { path: string; label: string; samples: number }) => [f.path, f.label, f.samples])).toEqual([
      [BENIGN[0], 'benign', 2],
      [BENIGN[1], 'benign', 2],
      [ANOMALOUS[0], 'anomalous', 1],
    ]);
    const page = readFileSync(html, 'utf8');
    expect(page.startsWith('<!DOCTYPE html>') || page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toMatch(/<svg class="chart" id="[^"]*hist/);
    expect(page).toMatch(/<svg class="chart" id="[^"]*roc/);
    expect(page).toContain('id="files"');
    expect(page).toContain(j.model);
  });

  it('prints the text table by default', () => {
    const r = runCli(['evaluate', '--benign', ...BENIGN, '--anomalous', ...ANOMALOUS]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^detector\s+level\s+TP\s+FP\s+TN\s+FN/m);
    for (const f of [...BENIGN, ...ANOMALOUS]) expect(r.stdout).toContain(f);
  });

  it('uses the samples read before damage, then reports the damaged file and exits 3', () => {
    // tcpdump__dns_udp.pcap with its second record cut short: the first datagram is still read.
    const whole = readFileSync(join(ROOT, BENIGN[0]!));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    expect(udpPayloads(join(ROOT, BENIGN[0]!))).toHaveLength(2);
    const r = runCli(['evaluate', '--json', '--benign', cut, BENIGN[1]!, '--anomalous', ...ANOMALOUS]);
    expect(r.status).toBe(3);
    expect(r.errorLines).toHaveLength(1);
    expect(r.errorLines[0]).toContain('cut.pcap');
    expect(r.errorLines[0]).toContain('[DNSAE_ERR_TRUNCATED_FILE]');
    const j = JSON.parse(r.stdout) as { files: { samples: number }[] };
    expect(j.files.map((f) => f.samples)).toEqual([1, 2, 1]);
  });

  it('fails with an output error when the report cannot be written', () => {
    const r = runCli(['evaluate', '--report', join(dir, 'missing-dir', 'r.html'), '--benign', BENIGN[0]!]);
    expect(r.status).toBe(6);
    expect(r.errorLines[0]).toContain('[DNSAE_ERR_OUTPUT]');
  });

  it('is a usage error without captures, and a model error with a missing model', () => {
    expect(runCli(['evaluate']).status).toBe(2);
    const r = runCli(['evaluate', '--model', join(dir, 'no-model'), '--benign', BENIGN[0]!]);
    expect(r.status).toBe(4);
  });
});
