import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsaeError } from '../../src/errors.js';
import { selectBackend } from '../../src/model/backend.js';
import { loadModelDir } from '../../src/model/model-dir.js';
import { readModelWeights } from '../../src/model/model-weights.js';
import { DEFAULT_MODEL_DIR } from '../../src/scoring/open-scorer.js';

let tmp: string;
beforeAll(async () => {
  await selectBackend('cpu');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dnsae-weights-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('readModelWeights (no tfjs)', () => {
  it('reads the same metadata and layers as loadModelDir, and tfjs holds the same weights', async () => {
    const w = await readModelWeights(DEFAULT_MODEL_DIR);
    const full = await loadModelDir(DEFAULT_MODEL_DIR);
    expect(w.meta).toEqual(full.meta);
    expect(w.layers.length).toBe(full.layers.length);
    const tfWeights = full.model.getWeights();
    // tfjs lists kernel, bias per Dense layer: the arrays must match what we read ourselves.
    expect(tfWeights.length).toBe(w.layers.length * 2);
    for (let l = 0; l < w.layers.length; l++) {
      expect(w.layers[l]!.kernel).toEqual(full.layers[l]!.kernel);
      expect(Array.from(w.layers[l]!.kernel)).toEqual(Array.from(tfWeights[2 * l]!.dataSync()));
      expect(Array.from(w.layers[l]!.bias)).toEqual(Array.from(tfWeights[2 * l + 1]!.dataSync()));
    }
  });

  it('rejects a damaged directory with the same coded error as loadModelDir', async () => {
    const dir = path.join(tmp, 'bad');
    await cp(DEFAULT_MODEL_DIR, dir, { recursive: true });
    await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(16));
    const a = await readModelWeights(dir).catch((e: unknown) => e);
    const b = await loadModelDir(dir).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(DnsaeError);
    expect((a as DnsaeError).code).toBe('DNSAE_ERR_MODEL_INVALID');
    expect((b as DnsaeError).code).toBe((a as DnsaeError).code);
  });
});
