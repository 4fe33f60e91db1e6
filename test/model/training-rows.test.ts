import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsaeError } from '../../src/errors.js';
import { DEFAULT_SPEC } from '../../src/features/encode.js';
import { encodeRowParts, splitCounts, type TrainingSet } from '../../src/model/train.js';
import { readTrainingRows, summarizeRows, TRAINING_ROWS_JSON, writeTrainingRows } from '../../src/model/training-rows.js';
import { createRng } from '../../src/model/rng.js';
import { loadSamples } from './samples-fixture.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dnsae-rows-'));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const all = (n: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => i);

describe('training rows', () => {
  const data = loadSamples('benign-samples.tsv');

  it('summarize the samples as distinct rows whose counts add up, and read back to the same encoded rows', async () => {
    const rows = summarizeRows([{ data, idx: all(data.count) }], DEFAULT_SPEC);
    expect(rows.samples).toBe(data.count);
    expect(rows.counts.reduce((a, b) => a + b, 0)).toBe(data.count);
    expect(rows.droppedRows).toBe(0);
    const direct = encodeRowParts([{ data, idx: all(data.count) }], DEFAULT_SPEC, 'count');
    expect(rows.data.count).toBe(direct.n);
    // ID bytes are not kept when the encoding masks them.
    for (let r = 0; r < rows.data.count; r++) expect([rows.data.head[r * 12], rows.data.head[r * 12 + 1]]).toEqual([0, 0]);
    await writeTrainingRows(dir, rows);
    const back = await readTrainingRows(dir);
    expect(back).toBeDefined();
    expect(back!.samples).toBe(rows.samples);
    const again = encodeRowParts([{ data: back!.data, idx: all(back!.data.count), counts: back!.counts }], DEFAULT_SPEC, 'count');
    expect(Array.from(again.x)).toEqual(Array.from(direct.x));
    expect(Array.from(again.count)).toEqual(Array.from(direct.count));
  });

  it('past the row limit, keep the first rows and count the rest as dropped', () => {
    const rows = summarizeRows([{ data, idx: all(data.count) }], DEFAULT_SPEC, 3);
    expect(rows.data.count).toBe(3);
    expect(rows.droppedRows).toBeGreaterThan(0);
    expect(rows.counts.reduce((a, b) => a + b, 0) + rows.droppedSamples).toBe(data.count);
  });

  it('a model directory without the file has none; a damaged file is a model error', async () => {
    expect(await readTrainingRows(path.join(dir, 'nothing-here'))).toBeUndefined();
    const bad = path.join(dir, 'bad');
    await rm(bad, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(bad));
    await writeFile(path.join(bad, TRAINING_ROWS_JSON), JSON.stringify({ version: 1, rows: [['zz', 40, 0, 0, 1]] }));
    const err = await readTrainingRows(bad).catch((e: unknown) => e);
    expect((err as DnsaeError).code).toBe('DNSAE_ERR_MODEL_INVALID');
    expect((err as DnsaeError).toLine()).toMatch(/row 1: header bytes/);
  });
});

describe('splitCounts', () => {
  it('puts the validation fraction of each count on the held-out side, deterministically', () => {
    const counts = Uint32Array.of(1000, 3, 1, 0, 400_000);
    const a = splitCounts(counts, 0.25, createRng(1));
    const b = splitCounts(counts, 0.25, createRng(1));
    expect(Array.from(a.val)).toEqual(Array.from(b.val));
    for (let i = 0; i < counts.length; i++) expect(a.train[i]! + a.val[i]!).toBe(counts[i]);
    expect(a.val[0]).toBe(250);
    expect(a.val[4]).toBe(100_000);
    expect(a.val[3]).toBe(0);
  });
});

describe('encodeRowParts', () => {
  it('merges parts with counts into the same rows as the samples repeated', () => {
    const one: TrainingSet = { count: 1, head: Uint8Array.of(0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0), headLen: Uint8Array.of(12), payloadLength: Int32Array.of(40), transport: Uint8Array.of(0), direction: Uint8Array.of(0) };
    const r = encodeRowParts([{ data: one, idx: Uint32Array.of(0), counts: Uint32Array.of(5) }, { data: one, idx: Uint32Array.of(0, 0) }], DEFAULT_SPEC, 'count');
    expect(r.n).toBe(1);
    expect(r.count[0]).toBe(7);
    expect(r.weight[0]).toBe(7);
  });
});
