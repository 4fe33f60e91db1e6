// A job worker's runs one after another in one thread: the second run's fast
// lane takes the memory the first released (FastLane.release), cleared, and
// gives every record a run on a new memory gives, both stages and every
// window (--all) included.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LineSink } from '../../src/output/ndjson-sink.js';
import { DEFAULT_PIPELINE_OPTIONS, runFiles } from '../../src/pipeline.js';
import { DEFAULT_ALERT_POLICY } from '../../src/scoring/alert-policy.js';
import { openQuestionModel, openScorer } from '../../src/scoring/open-scorer.js';
import { openScoreRun, type ScoreRun } from '../../src/run/score.js';
import { ROOT, silentLog } from '../scoring/question/question-fixture.js';

const MODEL = path.join(ROOT, 'models/default');
const FIRST = path.join(ROOT, 'data/sample/mixed.pcap');
const SECOND = path.join(ROOT, 'data/tunnel/iodine-cname-direct.pcap');

async function open(file: string): Promise<{ run: ScoreRun; lines: string[] }> {
  const lines: string[] = [];
  const out = { writeLine: (l: string) => void lines.push(l), drain: () => Promise.resolve() } as unknown as LineSink;
  const model = await openQuestionModel(MODEL);
  const run = openScoreRun([file], out, {
    mode: 'hybrid',
    scorer: await openScorer(MODEL),
    ruleMask: undefined,
    policy: DEFAULT_ALERT_POLICY,
    all: true,
    pipeline: DEFAULT_PIPELINE_OPTIONS,
    tunnel: { model: model!, domains: {}, maxWindows: 65_536, allowDomains: new Set() },
  }, silentLog);
  return { run, lines };
}

async function score(file: string): Promise<{ run: ScoreRun; lines: string[]; buffer: ArrayBuffer }> {
  const { run, lines } = await open(file);
  const lane = run.pipeline.assembler.questionLane;
  expect(lane).toBeDefined();
  const { errors } = await runFiles([file], run.pipeline, silentLog, (i) => run.endSource(i));
  expect(errors).toEqual([]);
  return { run, lines, buffer: lane!.buffer };
}

describe('fast lane memory reuse', () => {
  it('gives a run on a released memory the records of a run on a new one', async () => {
    const fresh = await score(SECOND);
    // Filled with records and windows, then released: the next lane of this size in this thread takes it.
    const first = await score(FIRST);
    expect(first.lines.length).toBeGreaterThan(100);
    first.run.pipeline.release();
    new Uint8Array(first.buffer).fill(0xa5, 0, 1 << 20);
    const reused = await score(SECOND);
    expect(reused.buffer).toBe(first.buffer);
    expect(fresh.buffer).not.toBe(first.buffer);
    expect(reused.lines.length).toBeGreaterThan(10);
    expect(reused.lines.some((l) => l.includes('"event_type":"dns_ae_window"'))).toBe(true);
    expect(reused.lines).toEqual(fresh.lines);
  });

  it('takes a released memory only once, and only for a lane of the same size', async () => {
    const a = await score(FIRST);
    a.run.pipeline.release();
    const b = await score(FIRST);
    expect(b.buffer).toBe(a.buffer);
    const c = await score(FIRST);
    expect(c.buffer).not.toBe(a.buffer);
    c.run.pipeline.release();
    // A lane of another size (a smaller flow table, no question region) gets a memory of its own and leaves the spare.
    const other = openScoreRun([FIRST], { writeLine: () => undefined, drain: () => Promise.resolve() } as unknown as LineSink, {
      mode: 'rules',
      scorer: undefined,
      ruleMask: undefined,
      policy: DEFAULT_ALERT_POLICY,
      all: false,
      pipeline: { ...DEFAULT_PIPELINE_OPTIONS, maxFlows: 1000 },
    }, silentLog);
    expect(other.pipeline.assembler.fastLane).toBe(true);
    const { run } = await open(FIRST);
    expect(run.pipeline.assembler.questionLane!.buffer).toBe(c.buffer);
  });
});
