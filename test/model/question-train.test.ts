import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUESTION_FEATURE_COUNT } from '../../src/features/question/question-features.js';
import { selectBackend } from '../../src/model/backend.js';
import { QUESTION_WINDOWS_PER_EPOCH, trainQuestionModel } from '../../src/model/question/question-train.js';
import { createRng } from '../../src/model/rng.js';
import { BENIGN, collectWindows } from '../scoring/question/question-fixture.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dnsae-qtrain-'));
  await selectBackend('cpu');
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const opts = { seed: 5, epochs: 3, batchSize: 64, validationFraction: 0.25, patience: 3, targetFpr: 1e-3, windowSec: 60 };

describe('trainQuestionModel', () => {
  it('gives the same model for the same windows and seed, and another for another seed', async () => {
    const { rows, count } = await collectWindows(BENIGN);
    const a = await trainQuestionModel(path.join(dir, 'a'), rows, count, ['x'], opts, 'test');
    const b = await trainQuestionModel(path.join(dir, 'b'), rows, count, ['x'], opts, 'test');
    const c = await trainQuestionModel(path.join(dir, 'c'), rows, count, ['x'], { ...opts, seed: 6 }, 'test');
    expect(a.meta.modelId).toBe(b.meta.modelId);
    expect(a.meta.threshold).toBe(b.meta.threshold);
    expect(c.meta.modelId).not.toBe(a.meta.modelId);
  });

  it('reports every epoch with its bound, and each epoch sees at most the per-epoch window budget', async () => {
    // More windows than one epoch takes: synthetic rows in [0,1].
    const n = QUESTION_WINDOWS_PER_EPOCH * 2 + 100;
    const x = new Float32Array(n * QUESTION_FEATURE_COUNT);
    const rng = createRng(3);
    for (let i = 0; i < x.length; i++) x[i] = rng() * 0.2;
    const seen: Array<{ epoch: number; maxEpochs: number }> = [];
    const r = await trainQuestionModel(path.join(dir, 'big'), x, n, ['x'], { ...opts, epochs: 2, batchSize: 1024, onProgress: (p) => seen.push(p) }, 'test');
    expect(seen.map((p) => `${p.epoch}/${p.maxEpochs}`)).toEqual(['1/2', '2/2']);
    expect(r.meta.training.epochs).toBe(2);
    expect(r.windowsPerEpoch).toBe(QUESTION_WINDOWS_PER_EPOCH);
    expect(r.meta.training.windows).toBe(n);
    // Calibration still scores every held-out window, not just the per-epoch check.
    expect(r.meta.calibration.heldOutWindows).toBe(Math.floor(n * 0.25));
  });
});
