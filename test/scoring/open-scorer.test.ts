import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUSION_JSON } from '../../src/model/fusion-record.js';
import { DEFAULT_MODEL_DIR, openScorer } from '../../src/scoring/open-scorer.js';

let tmp: string;
let dir: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'dnsae-open-scorer-'));
  dir = path.join(tmp, 'model');
  cpSync(DEFAULT_MODEL_DIR, dir, { recursive: true });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const meta = (): { threshold: number; modelId: string } => JSON.parse(readFileSync(path.join(dir, 'dnsae.json'), 'utf8')) as { threshold: number; modelId: string };
const writeFusion = (aeOnlyThreshold: number): void =>
  writeFileSync(path.join(dir, FUSION_JSON), JSON.stringify({ formatVersion: 1, modelId: meta().modelId, aeOnlyThreshold }));

describe('openScorer and fusion.json', () => {
  it('takes the autoencoder-only threshold from the record', async () => {
    writeFusion(meta().threshold * 2);
    const s = await openScorer(dir);
    expect(s.aeOnlyThreshold(0, 0)).toBe(meta().threshold * 2);
    expect(s.aeOnlyThreshold(1, 1)).toBe(meta().threshold * 2);
    expect(s.threshold(0, 0)).toBe(meta().threshold);
  });

  it('uses the model threshold for both without a record, as before fusion existed', async () => {
    rmSync(path.join(dir, FUSION_JSON), { force: true });
    const s = await openScorer(dir);
    expect(s.aeOnlyThreshold(0, 1)).toBe(s.threshold(0, 1));
  });

  it('never lets the record go below an edited (raised) model threshold', async () => {
    writeFusion(meta().threshold / 2);
    const s = await openScorer(dir);
    expect(s.aeOnlyThreshold(1, 0)).toBe(meta().threshold);
  });

  it('refuses a record of another model with the file named', async () => {
    writeFileSync(path.join(dir, FUSION_JSON), JSON.stringify({ formatVersion: 1, modelId: '000000000000', aeOnlyThreshold: 1 }));
    await expect(openScorer(dir)).rejects.toMatchObject({ code: 'DNSAE_ERR_MODEL_INVALID', file: path.join(dir, FUSION_JSON) });
  });
});
