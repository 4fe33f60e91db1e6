import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.js';
import { calibrateFusion } from '../../src/model/fusion-calibration.js';
import { FUSION_JSON, readFusionRecord, writeFusionRecord } from '../../src/model/fusion-record.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dnsae-fusion-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).file).toBe(path.join(dir, FUSION_JSON));
    return (err as ModelError).code;
  }
  return 'no error';
}

describe('fusion.json', () => {
  const cal = calibrateFusion([0.1, 0.2, 0.3], [0, 0, 1], 0.15, 0, 1 / 48);

  it('round-trips what training writes', async () => {
    const written = await writeFusionRecord(dir, 'abcdef012345', cal);
    const read = await readFusionRecord(dir, 'abcdef012345');
    expect(read).toEqual(written);
    expect(read!.aeOnlyThreshold).toBeCloseTo(0.2 + 1.5 / 48, 12);
    expect(JSON.parse(await readFile(path.join(dir, FUSION_JSON), 'utf8')).formatVersion).toBe(1);
  });

  it('is optional: a model directory without it reads as undefined', async () => {
    expect(await readFusionRecord(dir, 'abcdef012345')).toBeUndefined();
  });

  it('belongs to one model', async () => {
    await writeFusionRecord(dir, 'abcdef012345', cal);
    expect(await codeOf(readFusionRecord(dir, '999999999999'))).toBe('DNSAE_ERR_MODEL_INVALID');
  });

  it('rejects damaged, unknown-version and negative or non-numeric records with the file named', async () => {
    const f = path.join(dir, FUSION_JSON);
    await writeFile(f, '{"formatVersion":1,');
    expect(await codeOf(readFusionRecord(dir, 'abcdef012345'))).toBe('DNSAE_ERR_MODEL_INVALID');
    await writeFile(f, JSON.stringify({ formatVersion: 2, modelId: 'abcdef012345', aeOnlyThreshold: 0.3 }));
    expect(await codeOf(readFusionRecord(dir, 'abcdef012345'))).toBe('DNSAE_ERR_MODEL_VERSION');
    await writeFile(f, JSON.stringify({ formatVersion: 1, modelId: 'abcdef012345', aeOnlyThreshold: -0.1 }));
    expect(await codeOf(readFusionRecord(dir, 'abcdef012345'))).toBe('DNSAE_ERR_MODEL_INVALID');
    await writeFile(f, JSON.stringify({ formatVersion: 1, modelId: 'abcdef012345', aeOnlyThreshold: 'high' }));
    expect(await codeOf(readFusionRecord(dir, 'abcdef012345'))).toBe('DNSAE_ERR_MODEL_INVALID');
  });
});
