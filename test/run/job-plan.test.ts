import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableJobs, FILES_MIN_MEAN_BYTES, PARALLEL_MIN_BYTES, planEvaluateJobs, planExtractJobs, planJobs, planScoreJobs } from '../../src/run/job-plan.js';
import { sparseFiles } from './sparse-files.js';

const { dir, file } = sparseFiles('dnsae-job-plan-');
const small = file('small.pcap', 1000);
const big = file('big.pcap', PARALLEL_MIN_BYTES);
const big2 = file('big2.pcap', PARALLEL_MIN_BYTES);
const huge = file('huge.pcap', FILES_MIN_MEAN_BYTES);
const huge2 = file('huge2.pcap', FILES_MIN_MEAN_BYTES);
const cores = availableJobs();

describe('planScoreJobs', () => {
  it('splits one capture with the question stage by stage, on two threads, where the lane lets it', () => {
    expect(planScoreJobs([small], 2, true, true)).toEqual({ workers: 2, mode: 'stages' });
    expect(planScoreJobs([small], 5, true, true)).toEqual({ workers: 2, mode: 'stages' });
    // Without the fast lane the stage cannot move to a thread: shares by client.
    expect(planScoreJobs([small], 2, true, false)).toEqual({ workers: 2, mode: 'shares' });
    // Standard input, read by this thread alone, alone or among other inputs.
    expect(planScoreJobs(['-'], 2, true, true)).toEqual({ workers: 2, mode: 'stages' });
    expect(planScoreJobs([small, '-'], 3, true, true)).toEqual({ workers: 2, mode: 'stages' });
    // Without the question stage: shares by flow, as planJobs.
    expect(planScoreJobs([small], 2, false, true)).toEqual({ workers: 2, mode: 'shares' });
  });

  it('splits several captures by stage below FILES_MIN_MEAN_BYTES on average, and gives larger ones whole to the workers', () => {
    expect(planScoreJobs([small, small], 2, true, true)).toEqual({ workers: 2, mode: 'stages' });
    expect(planScoreJobs([big, big2, small], 3, true, true)).toEqual({ workers: 2, mode: 'stages' });
    expect(planScoreJobs([huge, huge2], 2, true, true)).toEqual({ workers: 2, mode: 'files' });
    expect(planScoreJobs([huge, huge2, huge], 3, true, true)).toEqual({ workers: 3, mode: 'files' });
    // Without the question stage, or without the lane: whole captures, as planJobs.
    expect(planScoreJobs([small, small], 2, false, true)).toEqual({ workers: 2, mode: 'files' });
    expect(planScoreJobs([small, small], 2, true, false)).toEqual({ workers: 2, mode: 'files' });
    // The crossover from the environment.
    process.env.DNSAE_FILES_MIN_MEAN_BYTES = '0';
    try {
      expect(planScoreJobs([small, small], 2, true, true)).toEqual({ workers: 2, mode: 'files' });
    } finally {
      delete process.env.DNSAE_FILES_MIN_MEAN_BYTES;
    }
  });

  it('leaves standard input and one worker as planJobs has them', () => {
    expect(planScoreJobs(['-'], undefined, true, true)).toEqual({ workers: 1 });
    expect(planScoreJobs(['-'], 0, true, true)).toEqual({ workers: 1 });
    expect(planScoreJobs(['-'], 2, false, true)).toEqual({ workers: 1 });
    expect(planScoreJobs([big], undefined, true, true)).toEqual({ workers: 1 });
    expect(planScoreJobs([big], 1, true, true)).toEqual({ workers: 1 });
  });

  it.runIf(cores > 1)('with --jobs 0 splits one big capture by stage, and keeps a small one in one thread', () => {
    expect(planScoreJobs([big], 0, true, true)).toEqual({ workers: 2, mode: 'stages' });
    expect(planScoreJobs([small], 0, true, true)).toEqual({ workers: 1 });
  });
});

describe('planExtractJobs', () => {
  it('asked for the plan, keeps one worker where records are written, and plans as planJobs with --format none', () => {
    expect(planExtractJobs([big, big2], 0, true)).toEqual({ workers: 1 });
    expect(planExtractJobs([big, big2], 0, false)).toEqual(planJobs([big, big2], 0, false));
    expect(planExtractJobs([big], 0, false)).toEqual({ workers: 1 });
  });

  it('obeys an explicit --jobs either way', () => {
    expect(planExtractJobs([big, big2], 2, true)).toEqual({ workers: 2, mode: 'files' });
    expect(planExtractJobs([small], 2, true)).toEqual({ workers: 2, mode: 'shares' });
    expect(planExtractJobs([big, big2], undefined, false)).toEqual({ workers: 1 });
  });

  it.runIf(cores > 1)('with --format none and --jobs 0, several large captures go whole to the workers', () => {
    expect(planExtractJobs([big, big2], 0, false)).toEqual({ workers: 2, mode: 'files' });
  });
});

describe('planJobs', () => {
  it('obeys --jobs: one capture in shares, several whole, never more workers than captures', () => {
    expect(planJobs([small], 3)).toEqual({ workers: 3, mode: 'shares' });
    expect(planJobs([small, small], 3)).toEqual({ workers: 2, mode: 'files' });
    expect(planJobs([small, small, small], 2)).toEqual({ workers: 2, mode: 'files' });
    expect(planJobs([big], 1)).toEqual({ workers: 1 });
    // An explicit --jobs splits one capture also where a split is not the default.
    expect(planJobs([small], 2, false)).toEqual({ workers: 2, mode: 'shares' });
  });

  it('keeps one worker for standard input', () => {
    expect(planJobs(['-'], 4)).toEqual({ workers: 1 });
    expect(planJobs([small, '-'], 4)).toEqual({ workers: 1 });
  });

  it('runs one worker unless --jobs asks for more', () => {
    expect(planJobs([big], undefined)).toEqual({ workers: 1 });
    expect(planJobs([big, big2], undefined)).toEqual({ workers: 1 });
  });

  it.runIf(cores > 1)('with --jobs 0 uses every core for 32 MiB of input or more, and splits one capture only where that pays', () => {
    expect(planJobs([small], 0)).toEqual({ workers: 1 });
    expect(planJobs([big], 0)).toEqual({ workers: cores, mode: 'shares' });
    expect(planJobs([big], 0, false)).toEqual({ workers: 1 });
    expect(planJobs([big, big2], 0, false)).toEqual({ workers: Math.min(cores, 2), mode: 'files' });
    // A missing input counts nothing; the run reports it.
    expect(planJobs([join(dir, 'missing.pcap')], 0)).toEqual({ workers: 1 });
  });
});

describe('planEvaluateJobs', () => {
  it('obeys --jobs, whatever the number of captures, and keeps one worker for standard input or unless asked', () => {
    expect(planEvaluateJobs([small], 3)).toBe(3);
    expect(planEvaluateJobs([small, small], 3)).toBe(3);
    expect(planEvaluateJobs([big, big2], undefined)).toBe(1);
    expect(planEvaluateJobs([big], 1)).toBe(1);
    expect(planEvaluateJobs([small, '-'], 4)).toBe(1);
  });

  it.runIf(cores > 1)('with --jobs 0 uses every core for 32 MiB of input or more', () => {
    expect(planEvaluateJobs([small, small], 0)).toBe(1);
    expect(planEvaluateJobs([big], 0)).toBe(cores);
    expect(planEvaluateJobs([small, big], 0)).toBe(cores);
  });
});
