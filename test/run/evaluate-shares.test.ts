import { readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src/evaluate/evaluation.js';
import { renderHtmlReport } from '../../src/evaluate/report-html.js';
import { buildJsonReport, formatJsonReport } from '../../src/evaluate/report-json.js';
import { formatTextReport } from '../../src/evaluate/report-text.js';
import type { QuestionModel } from '../../src/model/question/question-model.js';
import { DEFAULT_PIPELINE_OPTIONS } from '../../src/pipeline.js';
import { evaluateCaptures, evaluationOf, runEvaluatePart, type EvaluateInputs, type EvaluatePart, type EvaluateRunOptions } from '../../src/run/evaluate.js';
import { mergeParts, partSpec } from '../../src/run/evaluate-shares.js';
import type { FusedScorer } from '../../src/scoring/fused-scorer.js';
import { openQuestionModel, openScorer } from '../../src/scoring/open-scorer.js';
import { ROOT } from '../golden/run-cli.js';

/*
 * evaluate --jobs N without the worker threads: each worker's part run in
 * this process, merged as the main thread merges them, against one run.
 */
const log = pino({ level: 'silent' });
const list = (dir: string): string[] =>
  readdirSync(isAbsolute(dir) ? dir : join(ROOT, dir))
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => join(ROOT, dir, f));

const INPUTS: EvaluateInputs = {
  benign: [...list('test/fixtures/benign'), ...list('data/hard-benign/test')],
  anomalous: list('test/fixtures/anomalous'),
  tunnels: [...list('test/fixtures/anomalous/in-protocol-tunnel'), ...list('data/tunnel')],
};

let scorer: FusedScorer;
let model: QuestionModel;
beforeAll(async () => {
  scorer = await openScorer();
  model = (await openQuestionModel())!;
});

function options(tunnel: boolean): EvaluateRunOptions {
  // Small batches: many of them to share out, from every file.
  const pipeline = { ...DEFAULT_PIPELINE_OPTIONS, batchSize: 64 };
  return { scorer, pipeline, ...(tunnel ? { tunnel: { model, domains: {}, maxWindows: 65_536, allowDomains: new Set<string>() } } : {}) };
}

function reports(ev: Evaluation): string[] {
  return [formatJsonReport(buildJsonReport(ev)), formatTextReport(ev), renderHtmlReport(ev, new Date(0))];
}

async function parts(o: EvaluateRunOptions, workers: number, tunnel: boolean): Promise<EvaluatePart[]> {
  const out: EvaluatePart[] = [];
  for (let w = 0; w < workers; w++) out.push(await runEvaluatePart(INPUTS, o, log, partSpec(w, workers, tunnel)));
  return out;
}

describe.each([true, false])('evaluate in shares (question stage: %s)', (tunnel) => {
  it.each([2, 3])('%i workers give the reports, summary and faults of one run', async (workers) => {
    const o = options(tunnel);
    const one = await evaluateCaptures(INPUTS, o, log);
    expect(one.evaluation.counts.samples).toBeGreaterThan(1000);
    if (tunnel) expect(one.evaluation.tunnel!.counts.benignWindows + one.evaluation.tunnel!.counts.tunnelWindows).toBeGreaterThan(200);
    const ps = await parts(o, workers, tunnel);
    // Every header share took rows: the merge below puts several together.
    const header = tunnel ? ps.slice(1) : ps;
    for (const p of header) expect(p.samples.count).toBeGreaterThan(0);
    if (tunnel) expect(ps[0]!.samples.count).toBe(0);
    const merged = mergeParts(ps);
    expect(merged.samples.count).toBe(one.evaluation.counts.samples);
    expect(reports(evaluationOf(INPUTS, o, merged.samples, merged.collected))).toEqual(reports(one.evaluation));
    expect(merged.stats).toEqual(one.stats);
    expect(merged.errors.map((e) => e.toLine())).toEqual(one.errors.map((e) => e.toLine()));
  });
});

describe('mergeParts', () => {
  it('refuses a share left out or taken twice', async () => {
    const o = options(false);
    const ps = await parts(o, 3, false);
    expect(() => mergeParts([ps[0]!, ps[1]!])).toThrow(/batches taken/);
    expect(() => mergeParts([ps[0]!, ps[1]!, ps[1]!])).toThrow(/batches taken/);
    expect(mergeParts(ps).samples.count).toBe(ps.reduce((n, p) => n + p.samples.count, 0));
  });
});
