import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DnsaeError } from '../../src/errors.js';
import { DEFAULT_SPEC } from '../../src/features/encode.js';
import { selectBackend } from '../../src/model/backend.js';
import { encodeRows, trainAutoencoder, type TrainingSet } from '../../src/model/train.js';
import { createRng } from '../../src/model/rng.js';
import { loadSamples } from './samples-fixture.js';

function headers(rows: number[][]): TrainingSet {
  const n = rows.length;
  const head = new Uint8Array(n * 12);
  rows.forEach((r, i) => head.set(r, i * 12));
  return { count: n, head, headLen: new Uint8Array(n).fill(12), payloadLength: new Int32Array(n).fill(40), transport: new Uint8Array(n), direction: new Uint8Array(n) };
}

describe('encodeRows dedupe', () => {
  // Two queries differing only in ID, one response.
  const set = headers([
    [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0],
    [0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0],
    [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1],
  ]);
  const idx = Uint32Array.of(0, 1, 2);

  it('merges rows that are identical once the ID is masked, keeping counts', () => {
    const r = encodeRows(set, idx, DEFAULT_SPEC, 'count');
    expect(r.n).toBe(2);
    expect(Array.from(r.count)).toEqual([2, 1]);
    expect(Array.from(r.weight)).toEqual([2, 1]);
    expect(Array.from(encodeRows(set, idx, DEFAULT_SPEC, 'sqrt').weight)).toEqual([Math.fround(Math.SQRT2), 1]);
    expect(Array.from(encodeRows(set, idx, DEFAULT_SPEC, 'unique').weight)).toEqual([1, 1]);
  });

  it('keeps every row without dedupe or when the ID is an input', () => {
    expect(encodeRows(set, idx, DEFAULT_SPEC, 'none').n).toBe(3);
    expect(encodeRows(set, idx, { ...DEFAULT_SPEC, maskId: false }, 'count').n).toBe(3);
  });
});

describe('trainAutoencoder', () => {
  it('is reproducible for a seed and lowers the loss', async () => {
    await selectBackend('cpu');
    const data = loadSamples('benign-samples.tsv');
    const opts = { seed: 5, epochs: 4, batchSize: 64, validationFraction: 0.2, patience: 4, spec: DEFAULT_SPEC };
    const losses: number[] = [];
    const a = await trainAutoencoder(data, { ...opts, onProgress: (p) => losses.push(p.valLoss) });
    const b = await trainAutoencoder(data, opts);
    const wa = a.model.getWeights().map((t) => Array.from(t.dataSync()));
    const wb = b.model.getWeights().map((t) => Array.from(t.dataSync()));
    expect(wa).toEqual(wb);
    expect(losses.length).toBe(4);
    expect(Math.min(...losses.slice(1))).toBeLessThan(losses[0]!);
    expect(a.validationSamples).toBe(Math.floor(data.count * 0.2));
    expect(a.heldOutLosses.length).toBe(a.validationSamples);
    expect(a.uniqueSamples).toBeLessThan(a.trainSamples);
    expect(a.heldOutPerByteError[0]).toBe(0); // masked ID bytes carry no error
    expect(a.heldOutPerByteError[1]).toBe(0);
  });

  it('refuses to train on fewer than two samples', async () => {
    const err = await trainAutoencoder(headers([[0, 0, 1, 0, 0, 1, 0, 0]]), { seed: 1, epochs: 1, batchSize: 8, validationFraction: 0.2, patience: 1, spec: DEFAULT_SPEC }).catch((e: unknown) => e);
    expect((err as DnsaeError).code).toBe('DNSAE_ERR_TRAINING');
  });

  it('refuses to continue a model that is not the four-layer autoencoder (a foreign --base)', async () => {
    await selectBackend('cpu');
    const data = loadSamples('benign-samples.tsv');
    const initial = tf.sequential({ layers: [tf.layers.dense({ inputShape: [52], units: 8, activation: 'relu' }), tf.layers.dense({ units: 48, activation: 'sigmoid' })] });
    const err = await trainAutoencoder(data, { seed: 1, epochs: 1, batchSize: 64, validationFraction: 0.2, patience: 1, spec: DEFAULT_SPEC, initial }).catch((e: unknown) => e);
    expect((err as DnsaeError).code).toBe('DNSAE_ERR_MODEL_INVALID');
    initial.dispose();
  });
});

describe('createRng', () => {
  it('is deterministic per seed and stays in [0,1)', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.slice(0, 5)).not.toEqual(Array.from({ length: 5 }, () => c()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
