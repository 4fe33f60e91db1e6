import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALOUS, BENIGN, TUNNELS } from './evaluate-inputs.js';
import { ROOT, runCli, type CliResult } from '../golden/run-cli.js';

/*
 * dnsae evaluate --jobs N against --jobs 1 through the CLI (needs npm run
 * build): the same report bytes, text table, HTML report, summary, faults
 * and exit status, on the captures test/run/evaluate-cli.test.ts and
 * evaluate-tunnel-cli.test.ts use.
 */
const SMALL = ['--benign', 'test/fixtures/benign/tcpdump__dns_udp.pcap', 'test/fixtures/benign/tcpdump__dns_tcp.pcap', '--anomalous', 'test/fixtures/anomalous/suricata__http-get-tcp53-a.pcap'];
const ALL = ['--benign', ...BENIGN, '--tunnels', ...TUNNELS, '--anomalous', ...ANOMALOUS];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dnsae-evaluate-jobs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The run's summary counters (the logged summary record's stats). */
function summary(r: CliResult): unknown {
  expect(r.summary).toBeDefined();
  return r.summary;
}

/** The parts the workers reported (logged at debug level). */
function partsOf(r: CliResult): { worker: number; rows: number; batches: number; windows: number }[] {
  return r.stderr
    .split('\n')
    .filter((l) => l.includes('"evaluate worker part"'))
    .map((l) => JSON.parse(l) as { worker: number; rows: number; batches: number; windows: number });
}

function evaluate(args: readonly string[], jobs: number): CliResult {
  return runCli(['evaluate', ...args, '--jobs', String(jobs)], { env: { DNSAE_LOG_LEVEL: 'debug' } });
}

describe('dnsae evaluate --jobs N (worker threads; needs npm run build)', () => {
  it('writes the JSON report and the summary of --jobs 1 with 2 and 3 workers, each header share taking rows', () => {
    const one = evaluate(['--json', ...ALL], 1);
    expect(one.status).toBe(0);
    const j = JSON.parse(one.stdout) as { counts: { samples: number }; tunnel?: { counts: { benignWindows: number; tunnelWindows: number } } };
    expect(j.counts.samples).toBeGreaterThan(500);
    expect(j.tunnel!.counts.benignWindows + j.tunnel!.counts.tunnelWindows).toBeGreaterThan(100);
    expect(partsOf(one)).toEqual([]);
    for (const jobs of [2, 3]) {
      const r = evaluate(['--json', ...ALL], jobs);
      expect(r.errorLines).toEqual([]);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(one.stdout);
      expect(summary(r)).toEqual(summary(one));
      const parts = partsOf(r);
      expect(parts.map((p) => p.worker)).toEqual([...Array(jobs).keys()]);
      // Worker 0 runs the question stage and takes no batch; the others share every row between them.
      expect(parts[0]!.rows).toBe(0);
      expect(parts[0]!.windows).toBeGreaterThan(100);
      for (const p of parts.slice(1)) {
        expect(p.rows).toBeGreaterThan(0);
        expect(p.windows).toBe(0);
      }
      expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(j.counts.samples);
    }
  });

  it('prints the text tables and writes the HTML report of --jobs 1', () => {
    const html = (k: number): string => join(dir, `r${k}.html`);
    const one = evaluate(['--report', html(1), ...ALL], 1);
    const two = evaluate(['--report', html(2), ...ALL], 2);
    expect(two.status).toBe(one.status);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stdout).toMatch(/^detector\s+level\s+TP\s+FP\s+TN\s+FN/m);
    const page = (k: number): string => readFileSync(html(k), 'utf8').replace(/generated [^<]*/, '');
    expect(page(2)).toBe(page(1));
  });

  it('shares every batch among all workers without the question stage', () => {
    const args = ['--json', '--no-tunnel', '--benign', ...BENIGN, '--anomalous', ...ANOMALOUS];
    const one = evaluate(args, 1);
    for (const jobs of [2, 3]) {
      const r = evaluate(args, jobs);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(one.stdout);
      expect(summary(r)).toEqual(summary(one));
      const parts = partsOf(r);
      expect(parts).toHaveLength(jobs);
      for (const p of parts) {
        expect(p.rows).toBeGreaterThan(0);
        expect(p.windows).toBe(0);
      }
    }
  });

  it('on the small captures too, where a share may take nothing', () => {
    const one = evaluate(['--json', ...SMALL], 1);
    for (const jobs of [2, 3]) {
      const r = evaluate(['--json', ...SMALL], jobs);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(one.stdout);
      expect(summary(r)).toEqual(summary(one));
    }
  });

  it('reports a damaged input once, with the samples before the damage and the exit status of --jobs 1', () => {
    const whole = readFileSync(join(ROOT, 'test/fixtures/benign/tcpdump__dns_udp.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const args = ['--json', '--benign', cut, join(dir, 'missing.pcap'), ...BENIGN.slice(0, 6), '--anomalous', ...ANOMALOUS];
    const one = evaluate(args, 1);
    const two = evaluate(args, 2);
    expect(one.status).toBe(3);
    expect(one.errorLines).toHaveLength(2);
    expect(two.status).toBe(one.status);
    expect(two.errorLines).toEqual(one.errorLines);
    expect(two.stdout).toBe(one.stdout);
    expect(summary(two)).toEqual(summary(one));
  });

  it('a bad --jobs is a usage error', () => {
    const r = runCli(['evaluate', '--jobs', '257', ...SMALL]);
    expect(r.status).toBe(2);
    expect(r.errorLines.join('\n')).toMatch(/--jobs/);
  });
});
