import { mkdtemp, readFile, rm, truncate, writeFile, cp, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsaeError } from '../../src/errors.js';
import { DEFAULT_SPEC } from '../../src/features/encode.js';
import { selectBackend } from '../../src/model/backend.js';
import { calibrateThreshold } from '../../src/model/calibrate.js';
import { loadModelDir, saveModelDir, type ModelMeta } from '../../src/model/model-dir.js';
import { predictLosses, encodeRows, trainAutoencoder, type TrainResult } from '../../src/model/train.js';
import { FusedScorer } from '../../src/scoring/fused-scorer.js';
import { VERSION } from '../../src/version.js';
import { loadSamples } from './samples-fixture.js';

let tmp: string;
let good: string;
let trained: TrainResult;
let saved: ModelMeta;
const benign = loadSamples('benign-samples.tsv');
const foreign = loadSamples('foreign-samples.tsv');

beforeAll(async () => {
  await selectBackend('cpu');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dnsae-model-'));
  good = path.join(tmp, 'good');
  trained = await trainAutoencoder(benign, { seed: 3, epochs: 3, batchSize: 64, validationFraction: 0.25, patience: 2, spec: DEFAULT_SPEC });
  const cal = calibrateThreshold(trained.heldOutLosses, 0.01);
  saved = await saveModelDir(good, trained.model, {
    spec: DEFAULT_SPEC,
    arch: trained.arch,
    threshold: cal.threshold,
    targetFpr: cal.targetFpr,
    calibrationSamples: cal.samples,
    quantiles: cal.quantiles,
    perByteMeanError: Array.from(trained.heldOutPerByteError),
    training: { files: ['benign-samples.tsv'], samples: trained.samples, uniqueSamples: trained.uniqueSamples, date: '2024-01-01T00:00:00Z', dnsaeVersion: VERSION, seed: 3, backend: trained.backend, epochs: trained.epochsRun, valLoss: trained.valLoss, seconds: trained.seconds },
  });
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Copies the good model to a fresh dir and applies `damage` to it. */
async function damaged(name: string, damage: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(tmp, name);
  await cp(good, dir, { recursive: true });
  await damage(dir);
  return dir;
}

async function loadError(dir: string): Promise<DnsaeError> {
  const err = await loadModelDir(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DnsaeError);
  return err as DnsaeError;
}

async function editJson(file: string, edit: (j: any) => void): Promise<void> {
  const j = JSON.parse(await readFile(file, 'utf8'));
  edit(j);
  await writeFile(file, JSON.stringify(j));
}

describe('model directory round trip', () => {
  it('loads what was saved and scores identically', async () => {
    const loaded = await loadModelDir(good);
    expect(loaded.meta.modelId).toBe(saved.modelId);
    expect(loaded.meta.threshold).toBe(saved.threshold);
    expect(loaded.meta.spec).toEqual(DEFAULT_SPEC);
    const rows = encodeRows(foreign, Uint32Array.from({ length: foreign.count }, (_, i) => i), DEFAULT_SPEC, 'none');
    const before = predictLosses(trained.model, rows.x, rows.n, DEFAULT_SPEC);
    const after = predictLosses(loaded.model, rows.x, rows.n, DEFAULT_SPEC);
    expect(Array.from(after)).toEqual(Array.from(before));
    const fused = new Float32Array(foreign.count);
    FusedScorer.fromModel(loaded, { cacheSize: 0 }).scoreSet(foreign, fused);
    for (let i = 0; i < fused.length; i++) expect(fused[i]).toBeCloseTo(before[i]!, 5);
  });

  it('writes a tfjs layers-model manifest pointing at weights.bin', async () => {
    const mj = JSON.parse(await readFile(path.join(good, 'model.json'), 'utf8'));
    expect(mj.format).toBe('layers-model');
    expect(mj.weightsManifest[0].paths).toEqual(['weights.bin']);
  });
});

describe('corrupt model directories', () => {
  const cases: Array<[string, (dir: string) => Promise<void>, string, RegExp]> = [
    ['missing-model-json', (d) => unlink(path.join(d, 'model.json')), 'DNSAE_ERR_MODEL_NOT_FOUND', /model\.json/],
    ['missing-meta', (d) => unlink(path.join(d, 'dnsae.json')), 'DNSAE_ERR_MODEL_NOT_FOUND', /dnsae\.json/],
    ['missing-weights', (d) => unlink(path.join(d, 'weights.bin')), 'DNSAE_ERR_MODEL_NOT_FOUND', /weights\.bin/],
    ['truncated-weights', (d) => truncate(path.join(d, 'weights.bin'), 100), 'DNSAE_ERR_MODEL_INVALID', /weights\.bin.*100 bytes/],
    ['flipped-weights', async (d) => {
      const f = path.join(d, 'weights.bin');
      const b = await readFile(f);
      b[10] = b[10]! ^ 0x40;
      await writeFile(f, b);
    }, 'DNSAE_ERR_MODEL_INVALID', /modelId/],
    ['bad-json', (d) => writeFile(path.join(d, 'model.json'), '{"modelTopology": '), 'DNSAE_ERR_MODEL_INVALID', /model\.json.*JSON/],
    ['bad-meta-json', (d) => writeFile(path.join(d, 'dnsae.json'), 'not json'), 'DNSAE_ERR_MODEL_INVALID', /dnsae\.json/],
    ['unknown-format', (d) => editJson(path.join(d, 'dnsae.json'), (j) => (j.formatVersion = 99)), 'DNSAE_ERR_MODEL_VERSION', /format version 99/],
    ['unknown-feature', (d) => editJson(path.join(d, 'dnsae.json'), (j) => (j.featureVersion = 2)), 'DNSAE_ERR_MODEL_VERSION', /feature version 2/],
    // A spec whose width no longer matches the trained network.
    ['spec-mismatch', (d) => editJson(path.join(d, 'dnsae.json'), (j) => (j.spec.maskId = false)), 'DNSAE_ERR_MODEL_INVALID', /width|shape/],
    // Same byte count, transposed kernel: only the shape check can catch it.
    ['wrong-shape', (d) => editJson(path.join(d, 'model.json'), (j) => (j.weightsManifest[0].weights[0].shape = [32, 52])), 'DNSAE_ERR_MODEL_INVALID', /model\.json.*kernel shape/],
    ['shape-size-mismatch', (d) => editJson(path.join(d, 'model.json'), (j) => (j.weightsManifest[0].weights[0].shape = [52, 31])), 'DNSAE_ERR_MODEL_INVALID', /manifest shapes need/],
    ['path-traversal', (d) => editJson(path.join(d, 'model.json'), (j) => (j.weightsManifest[0].paths = ['../good/weights.bin'])), 'DNSAE_ERR_MODEL_INVALID', /plain file name/],
    ['bad-threshold', (d) => editJson(path.join(d, 'dnsae.json'), (j) => (j.threshold = 'high')), 'DNSAE_ERR_MODEL_INVALID', /threshold/],
    // A rule from a later dnsae: its threshold may mean something this one cannot explain.
    ['unknown-calibration', (d) => editJson(path.join(d, 'dnsae.json'), (j) => (j.calibration = { method: 'isotonic', quantileLoss: 0.1, margin: 0, nextLoss: 0.1 })), 'DNSAE_ERR_MODEL_VERSION', /calibration method "isotonic" not supported/],
    ['bad-calibration', (d) => editJson(path.join(d, 'dnsae.json'), (j) => (j.calibration = { method: 'half-step', quantileLoss: 0.1 })), 'DNSAE_ERR_MODEL_INVALID', /calibration\.quantileLoss/],
  ];
  for (const [name, damage, code, message] of cases) {
    it(`${name} -> ${code}`, async () => {
      const err = await loadError(await damaged(name, damage));
      expect(err.code).toBe(code);
      expect(err.toLine()).toMatch(message);
      expect(err.toLine()).not.toContain('\n');
    });
  }

  it('a model without a calibration record (written before it existed) loads with its threshold as is', async () => {
    const dir = await damaged('no-calibration', (d) =>
      editJson(path.join(d, 'dnsae.json'), (j) => {
        delete j.calibration;
        j.threshold = 0.0833;
      }),
    );
    const loaded = await loadModelDir(dir);
    expect(loaded.meta.calibration).toBeUndefined();
    expect(loaded.meta.threshold).toBe(0.0833);
  });

  it('a missing directory is DNSAE_ERR_MODEL_NOT_FOUND naming it', async () => {
    const err = await loadError(path.join(tmp, 'nope'));
    expect(err.code).toBe('DNSAE_ERR_MODEL_NOT_FOUND');
    expect(err.file).toBe(path.join(tmp, 'nope'));
  });
});

describe('fitAndSave', () => {
  it('trains, calibrates and writes a directory that loads back', async () => {
    const { fitAndSave } = await import('../../src/model/fit-and-save.js');
    const dir = path.join(tmp, 'fit');
    const meta = await fitAndSave(benign, { dir, files: ['a.pcap'], seed: 9, epochs: 2, batchSize: 64, validationFraction: 0.3, patience: 2, spec: DEFAULT_SPEC, targetFpr: 0.05 });
    const loaded = await loadModelDir(dir);
    expect(loaded.meta).toEqual(meta);
    expect(meta.training.files).toEqual(['a.pcap']);
    expect(meta.calibrationSamples).toBe(Math.floor(benign.count * 0.3));
    // Calibrated at 5% FPR: at most 5% of the held-out losses lie above the
    // quantile; the default rule adds half a bit step (1/48) to it.
    const c = meta.calibration!;
    expect(c.method).toBe('half-step');
    expect(c.quantileLoss).toBeGreaterThanOrEqual(meta.quantiles.q90);
    expect(c.quantileLoss).toBeLessThanOrEqual(meta.quantiles.max);
    expect(c.margin).toBe(1 / 96);
    expect(meta.threshold).toBe(c.quantileLoss + c.margin);
  });

  it('keeps the plain quantile when asked to', async () => {
    const { fitAndSave } = await import('../../src/model/fit-and-save.js');
    const dir = path.join(tmp, 'fit-quantile');
    const meta = await fitAndSave(benign, { dir, files: ['a.pcap'], seed: 9, epochs: 2, batchSize: 64, validationFraction: 0.3, patience: 2, spec: DEFAULT_SPEC, targetFpr: 0.05, calibration: 'quantile' });
    expect(meta.calibration).toMatchObject({ method: 'quantile', margin: 0 });
    expect(meta.threshold).toBe(meta.calibration!.quantileLoss);
  });
});
