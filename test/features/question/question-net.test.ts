// The question autoencoder's forward pass in the fast lane (wasm/question-lane.ts
// netLoss) against WindowScorer's, to the bit: the shipped model and networks of
// every activation and of widths that leave each of the module's loop tails in
// use, on quantized feature vectors (what the lane scores) and on arbitrary
// Float32s.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUESTION_FEATURE_COUNT, QUANT_STEP_VALUE } from '../../../src/features/question/question-features.js';
import { QuestionLane } from '../../../src/features/question/question-lane.js';
import { RegisteredDomains } from '../../../src/features/question/registered-domain.js';
import { MESSAGE_KEEP_BYTES } from '../../../src/flow/sample.js';
import type { Activation, DenseWeights } from '../../../src/model/model-weights.js';
import { readQuestionModel } from '../../../src/model/question/question-model.js';
import { DEFAULT_PIPELINE_OPTIONS, Pipeline } from '../../../src/pipeline.js';
import { WindowScorer } from '../../../src/scoring/question/window-scorer.js';
import { ROOT, silentLog } from '../../scoring/question/question-fixture.js';

/** xorshift32: the same vectors every run. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function layer(inDim: number, outDim: number, activation: Activation, next: () => number): DenseWeights {
  const kernel = Float32Array.from({ length: inDim * outDim }, () => (next() - 0.5) * 0.8);
  const bias = Float32Array.from({ length: outDim }, () => (next() - 0.5) * 0.2);
  return { inDim, outDim, kernel, bias, activation };
}

function network(widths: readonly number[], acts: readonly Activation[], seed: number): DenseWeights[] {
  const next = random(seed);
  return acts.map((a, i) => layer(widths[i]!, widths[i + 1]!, a, next));
}

function laneFor(layers: readonly DenseWeights[]): { lane: QuestionLane; netLoss: () => number } {
  const p = new Pipeline(
    { ...DEFAULT_PIPELINE_OPTIONS, fastLane: true, keepMessageBytes: MESSAGE_KEEP_BYTES, questionWindows: 64, questionCacheSize: 64 },
    { onBatch: () => undefined, drain: () => Promise.resolve() },
    silentLog,
  );
  const mem = p.assembler.questionLane;
  if (mem === undefined) throw new Error('no fast lane with a question region (dist/wasm/fast-lane.wasm missing? run npm run build)');
  const lane = new QuestionLane(mem, 60, new RegisteredDomains({ cacheSize: 64 }), p.weirds, () => undefined);
  lane.score({ threshold: 1, every: false, loss: () => Number.NaN, layers, verdict: () => undefined });
  return { lane, netLoss: () => mem.kernel.questionNetLoss() };
}

function expectSameLosses(layers: readonly DenseWeights[], vectors: number, seed: number, quantized: boolean): void {
  const { lane, netLoss } = laneFor(layers);
  const scorer = new WindowScorer(layers);
  const next = random(seed);
  const x = lane.features;
  let differing = 0;
  for (let v = 0; v < vectors; v++) {
    for (let j = 0; j < x.length; j++) x[j] = quantized ? QUANT_STEP_VALUE[Math.floor(next() * QUANT_STEP_VALUE.length)]! : (next() - 0.25) * 3;
    const want = scorer.lossUncached(x, 0);
    const got = netLoss();
    if (!Object.is(got, want)) differing++;
    if (v < 3) expect(got).toBe(want);
  }
  expect(differing).toBe(0);
}

describe('question lane netLoss', () => {
  it('gives the shipped model’s losses to the bit', async () => {
    const model = await readQuestionModel(path.join(ROOT, 'models/default'));
    expect(model).toBeDefined();
    expect(model!.layers[0]!.inDim).toBe(QUESTION_FEATURE_COUNT);
    expectSameLosses(model!.layers, 3000, 7, true);
    expectSameLosses(model!.layers, 1000, 8, false);
  });

  it('gives WindowScorer’s losses for every activation and for widths off the SIMD blocks', () => {
    const w = QUESTION_FEATURE_COUNT;
    expectSameLosses(network([w, 17, 5, 9, w], ['tanh', 'linear', 'relu', 'sigmoid'], 11), 1000, 12, false);
    expectSameLosses(network([w, 40, 3, w], ['relu', 'tanh', 'linear'], 13), 1000, 14, true);
    expectSameLosses(network([w, 1, w], ['sigmoid', 'tanh'], 15), 500, 16, false);
  });

  it('differs from a network with one weight changed (the comparison can fail)', () => {
    const layers = network([QUESTION_FEATURE_COUNT, 32, 8, 32, QUESTION_FEATURE_COUNT], ['relu', 'relu', 'relu', 'sigmoid'], 21);
    const { lane, netLoss } = laneFor(layers);
    const changed = layers.map((l) => ({ ...l, bias: Float32Array.from(l.bias) }));
    changed[3]!.bias[5]! += 0.25;
    const other = new WindowScorer(changed);
    const same = new WindowScorer(layers);
    const next = random(22);
    let differing = 0;
    for (let v = 0; v < 200; v++) {
      for (let j = 0; j < lane.features.length; j++) lane.features[j] = next();
      expect(netLoss()).toBe(same.lossUncached(lane.features, 0));
      if (!Object.is(netLoss(), other.lossUncached(lane.features, 0))) differing++;
    }
    expect(differing).toBeGreaterThan(100);
  });

  it('leaves a network that does not fit to the loss hook', () => {
    const huge = network([QUESTION_FEATURE_COUNT, 400, QUESTION_FEATURE_COUNT], ['relu', 'sigmoid'], 31);
    const p = new Pipeline(
      { ...DEFAULT_PIPELINE_OPTIONS, fastLane: true, keepMessageBytes: MESSAGE_KEEP_BYTES, questionWindows: 64, questionCacheSize: 64 },
      { onBatch: () => undefined, drain: () => Promise.resolve() },
      silentLog,
    );
    const mem = p.assembler.questionLane!;
    const lane = new QuestionLane(mem, 60, new RegisteredDomains({ cacheSize: 64 }), p.weirds, () => undefined);
    let hookCalls = 0;
    lane.score({ threshold: 1, every: false, loss: () => (hookCalls++, 0.5), layers: huge, verdict: () => undefined });
    // The module was told it has no network: its loss is the hook's.
    expect(lane.netLayers).toBe(0);
    expect(hookCalls).toBe(0);
  });
});
