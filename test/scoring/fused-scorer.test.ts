import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SPEC, featureWidth, PURE_EIGHT_BYTE_SPEC, targetWidth, type FeatureSpec } from '../../src/features/encode.js';
import { SampleBatch, type FlowInfo } from '../../src/flow/sample.js';
import { selectBackend } from '../../src/model/backend.js';
import { denseWeightsOf } from '../../src/model/dense-weights.js';
import { encodeRows, trainAutoencoder, type TrainingSet } from '../../src/model/train.js';
import { FusedScorer } from '../../src/scoring/fused-scorer.js';
import { loadSamples } from '../model/samples-fixture.js';

const benign = loadSamples('benign-samples.tsv');
const foreign = loadSamples('foreign-samples.tsv');
const all = (s: TrainingSet) => Uint32Array.from({ length: s.count }, (_, i) => i);

async function trainTiny(spec: FeatureSpec): Promise<tf.Sequential> {
  const r = await trainAutoencoder(benign, { seed: 11, epochs: 2, batchSize: 64, validationFraction: 0.2, patience: 2, spec });
  return r.model;
}

/** Reference: tfjs predict on the same encoded rows, loss and per-byte error computed from its output. */
function tfjsReference(model: tf.LayersModel, set: TrainingSet, spec: FeatureSpec): { loss: number[]; perByte: number[][] } {
  const rows = encodeRows(set, all(set), spec, 'none');
  const w = featureWidth(spec);
  const t = targetWidth(spec);
  const pred = tf.tidy(() => (model.predict(tf.tensor2d(rows.x, [rows.n, w])) as tf.Tensor).arraySync() as number[][]);
  const first = spec.maskId ? 2 : 0;
  const per = spec.encoding === 'bits' ? 8 : 1;
  const loss: number[] = [];
  const perByte: number[][] = [];
  for (let r = 0; r < rows.n; r++) {
    const sq = pred[r]!.map((p, j) => (p - rows.x[r * w + j]!) ** 2);
    loss.push(sq.reduce((a, b) => a + b, 0) / t);
    const pb = new Array<number>(8).fill(0);
    for (let k = first; k < 8; k++) pb[k] = sq.slice((k - first) * per, (k - first + 1) * per).reduce((a, b) => a + b, 0) / per;
    perByte.push(pb);
  }
  return { loss, perByte };
}

const flow = (transport: 'udp' | 'tcp', id: number): FlowInfo => ({ flowId: id, transport, clientIp: '192.0.2.1', clientPort: 40000, serverIp: '192.0.2.53', serverPort: 53, ipVersion: 4, vlan: [], sourceIndex: 0 });

function toBatch(set: TrainingSet): SampleBatch {
  const b = new SampleBatch(set.count);
  const flows = [flow('udp', 1), flow('tcp', 2)];
  for (let i = 0; i < set.count; i++) {
    b.push(flows[set.transport[i]!]!, set.direction[i] ? 1 : 0, 0, 0, 0, set.payloadLength[i]!, set.head, i * 12, set.headLen[i]!, 0);
  }
  return b;
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('FusedScorer matches tfjs predict on real samples', () => {
  const specs: Array<[string, FeatureSpec]> = [
    ['default (bits, masked ID, conditioned)', DEFAULT_SPEC],
    ['pure eight bytes', PURE_EIGHT_BYTE_SPEC],
    ['bits with length input', { ...DEFAULT_SPEC, lengthInput: true }],
  ];
  for (const [name, spec] of specs) {
    it(name, async () => {
      const model = await trainTiny(spec);
      const scorer = FusedScorer.fromModel({ meta: { spec, threshold: 0.1, modelId: 'aaaaaaaaaaaa' }, layers: denseWeightsOf(model) }, { cacheSize: 0 });
      for (const set of [benign, foreign]) {
        const ref = tfjsReference(model, set, spec);
        const losses = new Float32Array(set.count);
        const perByte = new Float32Array(set.count * 8);
        scorer.score(toBatch(set), losses, perByte);
        for (let i = 0; i < set.count; i++) {
          expect(Math.abs(losses[i]! - ref.loss[i]!)).toBeLessThan(1e-5);
          for (let k = 0; k < 8; k++) expect(Math.abs(perByte[i * 8 + k]! - ref.perByte[i]![k]!)).toBeLessThan(1e-5);
        }
      }
      model.dispose();
    });
  }
});

describe('score cache', () => {
  it('returns the same losses and per-byte errors as uncached scoring, and hits on repeats', async () => {
    const model = await trainTiny(DEFAULT_SPEC);
    const layers = denseWeightsOf(model);
    const meta = { spec: DEFAULT_SPEC, threshold: 0.1, modelId: 'aaaaaaaaaaaa' };
    const plain = FusedScorer.fromModel({ meta, layers }, { cacheSize: 0 });
    const cached = FusedScorer.fromModel({ meta, layers }, { cacheSize: 64 }); // small: forces overwrites
    expect(plain.cache).toBeUndefined();
    const batch = toBatch(benign);
    const a = new Float32Array(batch.count);
    const pa = new Float32Array(batch.count * 8);
    plain.score(batch, a, pa);
    for (let round = 0; round < 2; round++) {
      const b = new Float32Array(batch.count);
      const pb = new Float32Array(batch.count * 8);
      cached.score(batch, b, pb);
      expect(Array.from(b)).toEqual(Array.from(a));
      expect(Array.from(pb)).toEqual(Array.from(pa));
    }
    // Distinct inputs after masking the ID are far fewer than samples.
    const unique = encodeRows(benign, all(benign), DEFAULT_SPEC, 'count').n;
    expect(unique).toBeLessThan(benign.count / 2);
    expect(cached.cache!.hits).toBeGreaterThan(0);
    expect(cached.cache!.hits + cached.cache!.misses).toBe(2 * benign.count);
    model.dispose();
  });

  it('gives one row the same per-byte error as scoring the batch with them, cached or not, losses scored without them', async () => {
    const model = await trainTiny(DEFAULT_SPEC);
    const layers = denseWeightsOf(model);
    const meta = { spec: DEFAULT_SPEC, threshold: 0.1, modelId: 'aaaaaaaaaaaa' };
    const batch = toBatch(benign);
    const full = FusedScorer.fromModel({ meta, layers }, { cacheSize: 0 });
    const losses = new Float32Array(batch.count);
    const perByte = new Float32Array(batch.count * 8);
    full.score(batch, losses, perByte);
    expect(perByte.some((v) => v > 0)).toBe(true);
    for (const cacheSize of [0, 64]) {
      const s = FusedScorer.fromModel({ meta, layers }, { cacheSize });
      const lossesOnly = new Float32Array(batch.count);
      s.score(batch, lossesOnly);
      expect(Array.from(lossesOnly)).toEqual(Array.from(losses));
      const out = new Float32Array(batch.count * 8).fill(-1);
      for (let i = 0; i < batch.count; i += 7) {
        s.rowPerByteError(batch, i, out, i * 8);
        expect(Array.from(out.subarray(i * 8, i * 8 + 8))).toEqual(Array.from(perByte.subarray(i * 8, i * 8 + 8)));
      }
    }
    model.dispose();
  });

  it('is disabled when the ID is part of the input', async () => {
    const scorer = FusedScorer.fromModel({ meta: { spec: PURE_EIGHT_BYTE_SPEC, threshold: 0.1, modelId: 'aaaaaaaaaaaa' }, layers: [] });
    expect(scorer.cache).toBeUndefined();
  });
});
