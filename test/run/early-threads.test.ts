import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { earlyThreadsFor } from '../../src/run/early-threads.js';
import { FILES_MIN_MEAN_BYTES } from '../../src/run/job-plan.js';
import { ROOT, runCli } from '../golden/run-cli.js';
import { sparseFiles } from './sparse-files.js';

const { dir, file } = sparseFiles('dnsae-early-threads-');
const small = file('small.pcap', 1000);
const big = file('big.pcap', FILES_MIN_MEAN_BYTES);
const big2 = file('big2.pcap', FILES_MIN_MEAN_BYTES);
const argv = (...a: string[]): string[] => ['node', 'main.js', ...a];

describe('earlyThreadsFor: the threads the plan of score or extract will want, from argv', () => {
  it('wants the question thread for a split by stage, --jobs 2 or more in every spelling, with the model the run names', () => {
    for (const jobs of [['--jobs', '2'], ['-j', '2'], ['-j2'], ['--jobs=3']]) {
      expect(earlyThreadsFor(argv('score', ...jobs, small)), jobs.join(' ')).toEqual({ kind: 'question', modelDir: undefined });
    }
    expect(earlyThreadsFor(argv('score', '-j', '2', '-m', 'models/x', small))).toEqual({ kind: 'question', modelDir: 'models/x' });
    expect(earlyThreadsFor(argv('score', '--model=models/y', '--jobs', '2', small))).toEqual({ kind: 'question', modelDir: 'models/y' });
    expect(earlyThreadsFor(argv('score', '-d', 'tunnel', '-j', '2', small))).toBeDefined();
    expect(earlyThreadsFor(argv('score', '--detector=hybrid,tunnel', '-j', '2', small))).toBeDefined();
    expect(earlyThreadsFor(argv('score', '-j', '2', '-'))).toBeDefined();
  });

  it('wants job worker threads where the plan has workers: whole captures, shares', () => {
    // Several large captures go whole to the workers; without the question stage one capture is split by flow.
    expect(earlyThreadsFor(argv('score', '-j', '2', big, big2))).toEqual({ kind: 'jobs', count: 1 });
    expect(earlyThreadsFor(argv('score', '-j', '3', big, big2, big))).toEqual({ kind: 'jobs', count: 2 });
    expect(earlyThreadsFor(argv('score', '-j', '2', '-d', 'hybrid', small))).toEqual({ kind: 'jobs', count: 1 });
    expect(earlyThreadsFor(argv('extract', '-j', '2', small))).toEqual({ kind: 'jobs', count: 1 });
    expect(earlyThreadsFor(argv('extract', '--jobs=4', small, small))).toEqual({ kind: 'jobs', count: 1 });
  });

  it('wants none where the run keeps one thread', () => {
    expect(earlyThreadsFor(argv('evaluate', '-j', '2', small))).toBeUndefined();
    expect(earlyThreadsFor(argv('score', small))).toBeUndefined();
    expect(earlyThreadsFor(argv('score', '-j', '1', small))).toBeUndefined();
    expect(earlyThreadsFor(argv('score', '-j', '2', join(dir, 'missing.pcap')))).toBeUndefined();
    expect(earlyThreadsFor(argv('score', '-j', '2', '-'))).toEqual({ kind: 'question', modelDir: undefined });
    expect(earlyThreadsFor(argv('score', '-j', '2', '-d', 'hybrid', '-'))).toBeUndefined();
    const lane = process.env.DNSAE_FAST_LANE;
    process.env.DNSAE_FAST_LANE = '0';
    try {
      // Without the lane one capture is shared by client.
      expect(earlyThreadsFor(argv('score', '-j', '2', small))).toEqual({ kind: 'jobs', count: 1 });
    } finally {
      if (lane === undefined) delete process.env.DNSAE_FAST_LANE;
      else process.env.DNSAE_FAST_LANE = lane;
    }
  });
});

describe('threads started early (needs npm run build)', () => {
  const sample = join(ROOT, 'data/sample/mixed.pcap');

  it('a usage error after them: the one-line error and exit status 2, at once', () => {
    for (const args of [['score', '--jobs', '2', sample], ['score', '-d', 'hybrid', '--jobs', '2', sample], ['extract', '--jobs', '2', sample]]) {
      const r = runCli([...args, '--no-such-option']);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.errorLines.join('\n')).toMatch(/unknown option '--no-such-option'/);
    }
  });

  it('job worker threads started early take their job: extract --jobs 2 of two captures writes the records of --jobs 1', () => {
    const a = runCli(['extract', '--jobs', '1', sample, sample]);
    const b = runCli(['extract', '--jobs', '2', sample, sample]);
    expect(b.status).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(b.stdout.split('\n').length).toBeGreaterThan(1000);
  });

  it('--help after it: exit 0', () => {
    const r = runCli(['score', '--jobs', '2', sample, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--jobs/);
  });

  it('a run the guess gets wrong (its model has no question stage): the header stage split by flow, the records of --jobs 1', () => {
    const a = runCli(['score', '--jobs', '1', '--all', '-m', 'models/default', sample]);
    const noQuestion = mkdtempSync(join(dir, 'model-'));
    for (const f of ['dnsae.json', 'model.json', 'weights.bin', 'fusion.json']) writeFileSync(join(noQuestion, f), readFileSync(join(ROOT, 'models/default', f)));
    const b = runCli(['score', '--jobs', '2', '--all', '-m', noQuestion, sample]);
    const c = runCli(['score', '--jobs', '1', '--all', '-m', noQuestion, sample]);
    const lines = (out: string): string[] => out.split('\n').filter((l) => l !== '').sort();
    expect(b.status).toBe(0);
    // Split by flow, the records come in the shares' order (docs/scaling.md): the same records.
    expect(lines(b.stdout)).toEqual(lines(c.stdout));
    expect(lines(b.stdout).length).toBeGreaterThan(100);
    // With the question stage the same capture has window records too: the model dir was the one asked for.
    expect(a.stdout).toMatch(/"dns_ae_window"/);
    expect(b.stdout).not.toMatch(/"dns_ae_window"/);
  });
});
