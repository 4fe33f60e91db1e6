import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { earlyQuestionThreadFor } from '../../src/run/early-question-thread.js';
import { FILES_MIN_MEAN_BYTES } from '../../src/run/job-plan.js';
import { ROOT, runCli } from '../golden/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dnsae-early-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: number): string => {
  const p = join(dir, name);
  writeFileSync(p, '');
  truncateSync(p, bytes);
  return p;
};
const small = file('small.pcap', 1000);
const big = file('big.pcap', FILES_MIN_MEAN_BYTES);
const big2 = file('big2.pcap', FILES_MIN_MEAN_BYTES);
const argv = (...a: string[]): string[] => ['node', 'main.js', ...a];

describe('earlyQuestionThreadFor: the argv of a score run the plan will split by stage', () => {
  it('wants a thread for --jobs 2 or more in every spelling, with the model the run names', () => {
    for (const jobs of [['--jobs', '2'], ['-j', '2'], ['-j2'], ['--jobs=3']]) {
      expect(earlyQuestionThreadFor(argv('score', ...jobs, small)), jobs.join(' ')).toEqual({ modelDir: undefined });
    }
    expect(earlyQuestionThreadFor(argv('score', '-j', '2', '-m', 'models/x', small))).toEqual({ modelDir: 'models/x' });
    expect(earlyQuestionThreadFor(argv('score', '--model=models/y', '--jobs', '2', small))).toEqual({ modelDir: 'models/y' });
    expect(earlyQuestionThreadFor(argv('score', '-d', 'tunnel', '-j', '2', small))).toBeDefined();
    expect(earlyQuestionThreadFor(argv('score', '--detector=hybrid,tunnel', '-j', '2', small))).toBeDefined();
    expect(earlyQuestionThreadFor(argv('score', '-j', '2', '-'))).toBeDefined();
  });

  it('wants none where the run will not split by stage', () => {
    expect(earlyQuestionThreadFor(argv('extract', '-j', '2', small))).toBeUndefined();
    expect(earlyQuestionThreadFor(argv('score', small))).toBeUndefined();
    expect(earlyQuestionThreadFor(argv('score', '-j', '1', small))).toBeUndefined();
    expect(earlyQuestionThreadFor(argv('score', '-j', '2', '-d', 'hybrid', small))).toBeUndefined();
    expect(earlyQuestionThreadFor(argv('score', '-j', '2', join(dir, 'missing.pcap')))).toBeUndefined();
    // Several large captures go whole to the workers.
    expect(earlyQuestionThreadFor(argv('score', '-j', '2', big, big2))).toBeUndefined();
    const lane = process.env.DNSAE_FAST_LANE;
    process.env.DNSAE_FAST_LANE = '0';
    try {
      expect(earlyQuestionThreadFor(argv('score', '-j', '2', small))).toBeUndefined();
    } finally {
      if (lane === undefined) delete process.env.DNSAE_FAST_LANE;
      else process.env.DNSAE_FAST_LANE = lane;
    }
  });
});

describe('a thread started early and not taken does not hold the process (needs npm run build)', () => {
  const sample = join(ROOT, 'data/sample/mixed.pcap');

  it('a usage error after it: the one-line error and exit status 2, at once', () => {
    const r = runCli(['score', '--jobs', '2', sample, '--no-such-option']);
    expect(r.status).toBe(2);
    expect(r.errorLines.join('\n')).toMatch(/unknown option '--no-such-option'/);
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
